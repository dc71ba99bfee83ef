// Package pgtest starts a real PostgreSQL server for a test: a cluster made
// by initdb in the test's temp dir, listening on a free loopback port, with
// one role per password method (SCRAM-SHA-256, MD5, trust) and a database,
// stopped when the test ends.
//
// The programs come from the PATH or from the newest
// /usr/lib/postgresql/<version>/bin (Debian's postgresql package); without
// them the test is skipped, or fails under BEDROCK_REQUIRE_PEERS=1 (see
// testkit.Peer). initdb and pg_ctl refuse to run as root: a test running as
// root runs them as the postgres user instead. It is not for use outside
// tests.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/f2bac256/bedrock/internal/testkit"
)

// User is a role the server was set up with.
type User struct {
	Name     string
	Password string // empty for a role without one
}

// The roles and database every server has.
var (
	// SCRAMUser authenticates over TCP with SCRAM-SHA-256; its password is
	// stored as a SCRAM verifier.
	SCRAMUser = User{Name: "scram_user", Password: "scram-secret"}
	// MD5User authenticates over TCP with MD5; its password is stored as
	// an MD5 hash.
	MD5User = User{Name: "md5_user", Password: "md5-secret"}
	// TrustUser connects over TCP without a password.
	TrustUser = User{Name: "trust_user"}
)

// Database is the database every server has, owned by SCRAMUser.
const Database = "bedrock"

// superuser is the role initdb makes, reachable only over the unix socket.
const superuser = "postgres"

// Server is a running PostgreSQL server.
type Server struct {
	Host      string // the loopback address it listens on: 127.0.0.1
	Port      int    // its TCP port
	Addr      string // Host:Port
	Database  string // Database
	SocketDir string // the directory of its unix socket
	SCRAM     User   // SCRAMUser
	MD5       User   // MD5User
	Trust     User   // TrustUser

	bin     string // the directory of initdb and pg_ctl
	psql    string
	dataDir string
	logFile string
	asUser  string // run the server's programs as this user ("" = as is)
}

// Start starts a server for tb and stops it (immediate shutdown) at tb's
// cleanup. A server that does not start fails tb with its log.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := start(tb, "")
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return s
}

// start is Start with extra lines for postgresql.conf, returning the error.
func start(tb testing.TB, extraConf string) (*Server, error) {
	tb.Helper()
	dirs := binDirs()
	initdb := testkit.Peer(tb, "initdb", "postgresql", dirs...)
	pgctl := testkit.Peer(tb, "pg_ctl", "postgresql", filepath.Dir(initdb))
	psql := testkit.Peer(tb, "psql", "postgresql-client", append([]string{filepath.Dir(initdb)}, dirs...)...)

	s := &Server{
		Host:     "127.0.0.1",
		Port:     testkit.FreePort(tb),
		Database: Database,
		SCRAM:    SCRAMUser,
		MD5:      MD5User,
		Trust:    TrustUser,
		bin:      filepath.Dir(pgctl),
		psql:     psql,
	}
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	base := tb.TempDir()
	s.dataDir = filepath.Join(base, "data")
	s.logFile = filepath.Join(base, "log", "postgres.log")
	s.SocketDir = filepath.Join(base, "sock")
	// A unix socket path is limited to about 107 bytes.
	if len(s.SocketDir)+len("/.s.PGSQL.65535") >= 100 {
		dir, err := os.MkdirTemp("", "pgtest")
		if err != nil {
			return nil, err
		}
		tb.Cleanup(func() { os.RemoveAll(dir) })
		s.SocketDir = dir
	}
	for _, dir := range []string{s.dataDir, filepath.Dir(s.logFile), s.SocketDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	if os.Geteuid() == 0 {
		if err := s.runAsPostgres(base); err != nil {
			return nil, err
		}
	}

	// Each step is bounded by testkit.Wait on its own: a loaded machine
	// slows all of them down.
	if out, err := s.run(testkit.Context(tb), initdb, "-D", s.dataDir, "-U", superuser, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := s.configure(extraConf); err != nil {
		return nil, err
	}
	tb.Cleanup(func() { s.stop(tb) })
	// pg_ctl gives up a second before it would be killed, and says why.
	if out, err := s.run(testkit.Context(tb), pgctl, "start", "-D", s.dataDir, "-l", s.logFile, "-w",
		"-t", strconv.Itoa(int(testkit.Wait.Seconds())-1)); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %w\n%s\nserver log:\n%s", err, out, s.Log())
	}
	if out, err := s.setup(testkit.Context(tb)); err != nil {
		return nil, fmt.Errorf("setup: %w\n%s\nserver log:\n%s", err, out, s.Log())
	}
	return s, nil
}

// binDirs returns the bin directories of the installed PostgreSQL versions,
// newest first.
func binDirs() []string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	return found
}

// runAsPostgres makes the server's programs run as the postgres user: it
// owns base and what is in it, and the directories above base up to the
// temp dir become traversable.
func (s *Server) runAsPostgres(base string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user: %w", err)
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return fmt.Errorf("running as root needs runuser: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, dir := range []string{base, s.dataDir, filepath.Dir(s.logFile), s.SocketDir} {
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	tmp := filepath.Clean(os.TempDir())
	for dir := filepath.Dir(base); strings.HasPrefix(dir, tmp+string(os.PathSeparator)); dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, fi.Mode().Perm()|0o011); err != nil {
				return err
			}
		}
	}
	s.asUser = u.Username
	return nil
}

// run runs a server program, as the postgres user when needed, and returns
// its output.
func (s *Server) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	if s.asUser != "" {
		args = append([]string{"-u", s.asUser, "--", prog}, args...)
		prog = "runuser"
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = filepath.Dir(s.dataDir)
	cmd.WaitDelay = testkit.Wait
	return cmd.CombinedOutput()
}

// configure writes the server's settings and its pg_hba.conf.
func (s *Server) configure(extraConf string) error {
	conf := fmt.Sprintf(`
# pgtest
listen_addresses = '%s'
port = %d
unix_socket_directories = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 20
shared_buffers = 16MB
password_encryption = 'scram-sha-256'
log_min_messages = warning
%s
`, s.Host, s.Port, s.SocketDir, extraConf)
	f, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	hba := fmt.Sprintf(`# pgtest
local all all trust
host all %s 127.0.0.1/32 scram-sha-256
host all %s 127.0.0.1/32 md5
host all %s 127.0.0.1/32 trust
`, SCRAMUser.Name, MD5User.Name, TrustUser.Name)
	// Truncating keeps the file's owner.
	return os.WriteFile(filepath.Join(s.dataDir, "pg_hba.conf"), []byte(hba), 0o600)
}

// setup creates the roles and the database over the unix socket.
func (s *Server) setup(ctx context.Context) ([]byte, error) {
	script := fmt.Sprintf(`
SET password_encryption = 'scram-sha-256';
CREATE ROLE %[1]s LOGIN PASSWORD '%[2]s';
CREATE ROLE %[5]s LOGIN;
SET password_encryption = 'md5';
CREATE ROLE %[3]s LOGIN PASSWORD '%[4]s';
CREATE DATABASE %[6]s OWNER %[1]s;
`, SCRAMUser.Name, SCRAMUser.Password, MD5User.Name, MD5User.Password, TrustUser.Name, Database)
	cmd := exec.CommandContext(ctx, s.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"-h", s.SocketDir, "-p", strconv.Itoa(s.Port), "-U", superuser, "-d", "postgres", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	cmd.WaitDelay = testkit.Wait
	return cmd.CombinedOutput()
}

// stop stops the server, if it runs, and waits for it to exit. Should
// pg_ctl fail, the postmaster (whose pid postmaster.pid holds) is killed.
func (s *Server) stop(tb testing.TB) {
	pidFile := filepath.Join(s.dataDir, "postmaster.pid")
	if _, err := os.Stat(pidFile); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Wait)
	defer cancel()
	out, err := s.run(ctx, filepath.Join(s.bin, "pg_ctl"), "stop", "-D", s.dataDir, "-m", "immediate", "-w",
		"-t", strconv.Itoa(int(testkit.Wait.Seconds())-1))
	if err == nil {
		return
	}
	tb.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		return
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if pid, perr := strconv.Atoi(strings.TrimSpace(line)); perr == nil && pid > 0 {
		if p, ferr := os.FindProcess(pid); ferr == nil {
			p.Kill()
		}
	}
}

// Log returns what the server logged so far.
func (s *Server) Log() string {
	b, err := os.ReadFile(s.logFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// PSQL runs sql with psql connected over TCP as u (its password in
// PGPASSWORD) to the database, and returns psql's output: unaligned, tuples
// only, one row per line, fields separated by '|'. The error, if any,
// carries psql's output.
func (s *Server) PSQL(tb testing.TB, u User, sql string) (string, error) {
	tb.Helper()
	cmd := exec.CommandContext(testkit.Context(tb), s.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", s.Host, "-p", strconv.Itoa(s.Port), "-U", u.Name, "-d", s.Database, "-c", sql)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+u.Password, "PGCONNECT_TIMEOUT=10", "PGSSLMODE=disable")
	cmd.WaitDelay = testkit.Wait
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		err = fmt.Errorf("psql: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return out.String(), err
}
