package redisserver

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
)

// buildExample builds examples/redisserver into a temporary directory and
// returns the binary's path.
func buildExample(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "redisserver")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..", "examples", "redisserver")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build of examples/redisserver:\n%s", out)
	return bin
}

// process is a server program started by a test.
type process struct {
	cmd    *exec.Cmd
	addr   string
	waited chan error
}

// start runs path with args, logging to a file in a temporary directory,
// and waits until it answers PING at 127.0.0.1:port. It is killed, if
// still running, when t ends.
func start(t *testing.T, port int, path string, args ...string) *process {
	t.Helper()
	dir := t.TempDir()
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	require.NoError(t, err)
	t.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), waited: make(chan error, 1)}
	go func() { p.waited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-p.waited:
		case <-time.After(testkit.Wait):
			t.Errorf("%s (pid %d) did not exit after SIGKILL", path, cmd.Process.Pid)
		}
	})
	serverLog := func() string {
		b, _ := os.ReadFile(logFile.Name())
		return string(b)
	}
	deadline := time.Now().Add(testkit.Wait)
	for {
		select {
		case err := <-p.waited:
			p.waited <- err // for the cleanup
			t.Fatalf("%s exited before answering: %v\n%s", path, err, serverLog())
		default:
		}
		if answersPing(p.addr) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer on %s within %v\n%s", path, p.addr, testkit.Wait, serverLog())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and returns how the process exited.
func (p *process) stop(t *testing.T) error {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.waited:
		p.waited <- err // for the cleanup
		return err
	case <-time.After(testkit.Wait):
		t.Fatal("no exit after SIGTERM")
		return nil
	}
}

// answersPing reports whether a server at addr answers PING with PONG.
func answersPing(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
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

// startExample runs the example server binary on a free port over
// transport.
func startExample(t *testing.T, bin, transport string) *process {
	t.Helper()
	port := testkit.FreePort(t)
	return start(t, port, bin, "-addr", "127.0.0.1:"+strconv.Itoa(port), "-transport", transport)
}

// startRedis runs a real redis-server on a free port, without persistence.
func startRedis(t *testing.T) *process {
	t.Helper()
	path := testkit.Peer(t, "redis-server", "redis-server")
	port := testkit.FreePort(t)
	return start(t, port, path,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "no",
		"--daemonize", "no",
	)
}
