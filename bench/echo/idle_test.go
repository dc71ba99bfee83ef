package echo_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/bench/echo"
)

// TestIdleMemory measures the memory each server holds per idle
// connection: the server runs in a child process (this test binary, in
// TestIdleServer); the parent opens ECHO_IDLE connections to it, echoes
// one message on each and leaves them idle, and the child reports its RSS
// (after a GC and FreeOSMemory) and goroutine count before and after.
// Run it with ECHO_IDLE=2000 go test -run TestIdleMemory -v ./echo/
// (and ECHO_IDLE_HEAP=file for the last child's heap profile).
func TestIdleMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ECHO_IDLE"))
	if n <= 0 {
		t.Skip("set ECHO_IDLE to the number of connections to measure")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/status")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, impl := range echo.Impls() {
		t.Run("impl="+impl.Name, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^TestIdleServer$")
			cmd.Env = append(os.Environ(), "ECHO_IDLE_SERVER="+impl.Name)
			cmd.Stderr = os.Stderr
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			defer cmd.Wait()
			defer stdin.Close()
			lines := bufio.NewScanner(stdout)
			next := func(prefix string) []string {
				for lines.Scan() {
					if f := strings.Fields(lines.Text()); len(f) > 0 && f[0] == prefix {
						return f[1:]
					}
				}
				require.FailNow(t, "child ended", "waiting for %q: %v", prefix, lines.Err())
				return nil
			}
			measure := func() (rss, goroutines int64) {
				fmt.Fprintln(stdin, "measure")
				f := next("measure")
				rss, _ = strconv.ParseInt(f[0], 10, 64)
				goroutines, _ = strconv.ParseInt(f[1], 10, 64)
				return rss, goroutines
			}
			addr := next("addr")[0]
			tcp, err := netResolve(addr)
			require.NoError(t, err)
			rss0, g0 := measure()
			cs, err := echo.Dial(tcp, n)
			require.NoError(t, err)
			defer cs.Close()
			require.NoError(t, cs.Run(n, true, time.Minute), "one message on each connection")
			time.Sleep(500 * time.Millisecond)
			rss1, g1 := measure()
			perConn := float64(rss1-rss0) / float64(n)
			t.Logf("%s: %d idle connections: RSS %+d KiB (%.0f B/conn), goroutines %+d (%.2f/conn)",
				impl.Name, n, (rss1-rss0)/1024, perConn, g1-g0, float64(g1-g0)/float64(n))
			assert.Positive(t, rss1, "the child reports its RSS")
			fmt.Fprintln(stdin, "quit")
		})
	}
}

// TestIdleServer is TestIdleMemory's child: it serves ECHO_IDLE_SERVER and
// answers "measure" on stdin with its RSS and goroutine count.
func TestIdleServer(t *testing.T) {
	name := os.Getenv("ECHO_IDLE_SERVER")
	if name == "" {
		t.Skip("the child process of TestIdleMemory")
	}
	impl, ok := echo.Lookup(name)
	require.True(t, ok)
	s, err := impl.Start()
	require.NoError(t, err)
	defer s.Close()
	fmt.Println("addr", s.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "measure":
			runtime.GC()
			debug.FreeOSMemory()
			fmt.Println("measure", rssBytes(t), runtime.NumGoroutine())
			// ECHO_IDLE_HEAP names a file for the child's heap profile,
			// written at each measure (the last one wins).
			if path := os.Getenv("ECHO_IDLE_HEAP"); path != "" {
				f, err := os.Create(path)
				require.NoError(t, err)
				require.NoError(t, pprof.WriteHeapProfile(f))
				require.NoError(t, f.Close())
			}
		case "quit":
			return
		}
	}
}

// rssBytes is VmRSS from /proc/self/status.
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func netResolve(addr string) (*net.TCPAddr, error) { return net.ResolveTCPAddr("tcp", addr) }
