package writer_test

import (
	"context"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
)

// wait bounds every blocking call of a test: a hang fails instead of
// stalling the run.
const wait = 10 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// bigSize is the size of the bulk-data tests: 50 MB, 8 MB with -short.
func bigSize() int {
	if testing.Short() {
		return 8 << 20
	}
	return 50 << 20
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// drain returns every byte flushed to p and not yet read, consuming it.
func drain(t *testing.T, p *pipe.Pipe) []byte {
	t.Helper()
	r := p.Reader()
	res, ok, err := r.TryRead()
	require.NoError(t, err)
	if !ok {
		return nil
	}
	b := res.Buffer.Bytes()
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	return b
}

// tcpPair returns both ends of a loopback TCP connection, closed at cleanup.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), wait)
	require.NoError(t, err)
	s := <-accepted
	require.NotNil(t, s)
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// async runs f on its own goroutine and returns a channel closed when it
// returns.
func async(f func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return done
}

func requireDone(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("blocked call did not return")
	}
}

// requireBlocked checks that done stays open for a little while. It can
// only fail when the call returned, so a slow machine cannot fail it.
func requireBlocked(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
		t.Fatal("call returned, want it blocked")
	case <-time.After(50 * time.Millisecond):
	}
}
