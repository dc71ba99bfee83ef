package socket_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/socket"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitForGoroutines(nil, 5*time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left running after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// goroutines returns the stacks of the running goroutines by their header
// line ("goroutine 7 [chan receive]:" without the state), except the
// caller's and the test framework's.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	gs := map[string]string{}
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the caller
			continue
		}
		if strings.Contains(g, "testing.(*T).Run") || strings.Contains(g, "testing.(*M).") ||
			strings.Contains(g, "testing.tRunner.func") || strings.Contains(g, "testing.runTests") ||
			strings.Contains(g, "os/signal.") || strings.Contains(g, "runtime.ensureSigM") {
			continue
		}
		id, _, _ := strings.Cut(g, " [")
		gs[id] = g
	}
	return gs
}

// waitForGoroutines waits up to timeout for every goroutine not in before to
// end, and returns the stacks of those still running.
func waitForGoroutines(before map[string]string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		var left []string
		for id, g := range goroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(left, "\n\n")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noLeaks fails t if a goroutine started during the test is still running
// a few seconds after it ended. Call it first, so that its check runs after
// every other cleanup.
func noLeaks(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		if leaked := waitForGoroutines(before, 5*time.Second); leaked != "" {
			t.Errorf("goroutines left running:\n%s", leaked)
		}
	})
}

// testContext returns a context that ends with the test or after 10
// seconds, whichever comes first.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// endpoint is a network to test on and how to make a fresh address.
type endpoint struct {
	name string
	addr func(t *testing.T) net.Addr
}

var endpoints = []endpoint{
	{"tcp", func(*testing.T) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }},
	{"unix", func(t *testing.T) net.Addr {
		return &net.UnixAddr{Net: "unix", Name: filepath.Join(t.TempDir(), "s")}
	}},
}

// bind binds a listener on addr, closed when the test ends.
func bind(t *testing.T, f *socket.Factory, addr net.Addr) conn.Listener {
	t.Helper()
	l, err := f.Bind(testContext(t), addr, conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// connect connects to l and accepts the connection: the client and the
// server side, aborted when the test ends unless closed before.
func connect(t *testing.T, f *socket.Factory, l conn.Listener) (client, server conn.Connection) {
	t.Helper()
	ctx := testContext(t)
	type result struct {
		c   conn.Connection
		err error
	}
	accepted := make(chan result, 1)
	go func() {
		c, err := l.Accept(ctx)
		accepted <- result{c, err}
	}()
	client, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	r := <-accepted
	require.NoError(t, err)
	require.NoError(t, r.err)
	t.Cleanup(func() {
		client.Abort(nil)
		r.c.Abort(nil)
	})
	return client, r.c
}

// pair binds a listener on a fresh address of ep and returns a connected
// pair.
func pair(t *testing.T, f *socket.Factory, ep endpoint) (client, server conn.Connection) {
	t.Helper()
	return connect(t, f, bind(t, f, ep.addr(t)))
}
