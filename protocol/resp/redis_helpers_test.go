package resp_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
	"github.com/f2bac256/bedrock/transports/socket"
)

// startRedis starts a redis-server of its own on a free loopback port, in a
// temporary directory, without persistence, and returns its address. The
// server is killed when t ends. Without redis-server on PATH the test is
// skipped, or fails when BEDROCK_REQUIRE_PEERS=1 (as in CI).
func startRedis(t *testing.T) *net.TCPAddr {
	t.Helper()
	path := testkit.Peer(t, "redis-server", "redis-server")
	port := testkit.FreePort(t)

	dir := t.TempDir()
	logFile := filepath.Join(dir, "redis.log")
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "no",
		"--daemonize", "no",
		"--logfile", logFile,
	}
	if redisMajor(t, path) >= 7 { // DEBUG is refused by default since 7.0
		args = append(args, "--enable-debug-command", "yes")
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	require.NoError(t, cmd.Start())
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-waited:
		case <-time.After(testkit.Wait):
			t.Errorf("redis-server (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
		}
	})
	serverLog := func() string {
		b, _ := os.ReadFile(logFile)
		return string(b)
	}

	// Wait, boundedly, until it answers PING.
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	deadline := time.Now().Add(testkit.Wait)
	for {
		select {
		case err := <-waited:
			waited <- err // for the cleanup
			t.Fatalf("redis-server exited before answering: %v\n%s", err, serverLog())
		default:
		}
		if redisAnswers(addr) {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not answer on %s within %v\n%s", addr, testkit.Wait, serverLog())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// redisAnswers reports whether a server at addr answers PING with PONG.
func redisAnswers(addr *net.TCPAddr) bool {
	c, err := net.DialTimeout("tcp", addr.String(), 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 7)
	n, _ := c.Read(buf)
	return string(buf[:n]) == "+PONG\r\n"
}

// redisMajor returns the major version of the redis-server at path, 0 if
// unknown.
func redisMajor(t *testing.T, path string) int {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`v=(\d+)\.`).FindSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	t.Logf("%s", out)
	return n
}

// reply is a Value copied out of the Reader's memory, with its elements.
type reply struct {
	Kind   resp.Kind
	Null   bool
	Int    int64
	Float  float64
	Len    int64
	Str    string // Data of a scalar; the text of a VerbatimString
	Format string // the format of a VerbatimString
	Elems  []reply
	Text   string // v.String(): kind, content and elements at a glance
}

func own(v resp.Value) reply {
	r := reply{Kind: v.Kind, Null: v.Null, Int: v.Int, Float: v.Float, Len: v.Len, Text: v.String()}
	switch {
	case v.Kind == resp.VerbatimString:
		f, text := v.Verbatim()
		r.Format, r.Str = string(f[:]), text.String()
	case v.Kind.IsAggregate():
		v.Each(func(e resp.Value) bool {
			r.Elems = append(r.Elems, own(e))
			return true
		})
	default:
		r.Str = v.Data.String()
	}
	return r
}

// pairs returns the key/value pairs of a Map or an Attribute by key, the
// keys being strings.
func (r reply) pairs(t *testing.T) map[string]reply {
	t.Helper()
	require.Truef(t, r.Kind == resp.Map || r.Kind == resp.Attribute, "want a map, got %s", r.Text)
	require.Len(t, r.Elems, 2*int(r.Len))
	m := make(map[string]reply, r.Len)
	for i := 0; i < len(r.Elems); i += 2 {
		m[r.Elems[i].Str] = r.Elems[i+1]
	}
	return m
}

// strs returns the Str of each element.
func (r reply) strs() []string {
	s := make([]string, len(r.Elems))
	for i, e := range r.Elems {
		s[i] = e.Str
	}
	return s
}

// redisConn is a client connection over bedrock: the socket transport's
// Pipe view, commands written with resp.Command, replies read with
// resp.Codec.
type redisConn struct {
	t   *testing.T
	ctx context.Context
	w   *protocol.Writer[[][]byte]
	r   *protocol.Reader[resp.Value]
}

// dialRedis connects to addr; the connection is closed when t ends.
func dialRedis(t *testing.T, addr net.Addr) *redisConn {
	t.Helper()
	ctx := testkit.Context(t)
	c, err := (&socket.Factory{}).Connect(ctx, addr, conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	p, err := c.Pipe()
	require.NoError(t, err)
	return &redisConn{
		t:   t,
		ctx: ctx,
		w:   protocol.NewWriter[[][]byte](p.Output(), resp.Command{}),
		r:   protocol.NewReader[resp.Value](p.Input(), resp.Codec{}, protocol.ReaderOptions{}),
	}
}

func command(args ...string) [][]byte {
	cmd := make([][]byte, len(args))
	for i, a := range args {
		cmd[i] = []byte(a)
	}
	return cmd
}

// send writes one command.
func (c *redisConn) send(args ...string) {
	c.t.Helper()
	require.NoError(c.t, c.w.Write(c.ctx, command(args...)))
}

// read reads the next reply.
func (c *redisConn) read() reply {
	c.t.Helper()
	v, err := c.r.Read(c.ctx)
	require.NoError(c.t, err)
	r := own(v)
	c.r.Advance()
	return r
}

// do sends a command and reads its reply.
func (c *redisConn) do(args ...string) reply {
	c.t.Helper()
	c.send(args...)
	return c.read()
}

// requireKind fails unless r is of kind k.
func requireKind(t *testing.T, k resp.Kind, r reply, what string) {
	t.Helper()
	require.Equalf(t, k, r.Kind, "%s: got %s", what, r.Text)
}

// String makes failures readable.
func (r reply) String() string { return fmt.Sprintf("%s %s", r.Kind, r.Text) }
