//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/conntest"
	"github.com/f2bac256/bedrock/internal/testkit"
)

// serveInput serves h on a netpoll listener and returns the server and
// the listener's address; the server is closed at t's cleanup.
func serveInput(t *testing.T, h conn.InputHandler) (*conn.Server, net.Addr) {
	t.Helper()
	var f Factory
	l, err := f.Bind(testkit.Context(t), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	s := &conn.Server{NewInput: conntest.Input(h)}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		assert.ErrorIs(t, <-served, conn.ErrServerClosed)
	})
	return s, l.Addr()
}

// dialStd connects with the net package, so that the client side holds
// no netpoll resource.
func dialStd(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestInputHandlerEchoes(t *testing.T) {
	_, addr := serveInput(t, conntest.LineEcho)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialStd(t, addr)
			conntest.TalkToLineEcho(t, c, rune('a'+i), 30, 97)
		}()
	}
	wg.Wait()
}

// TestIdleConnectionsHoldNoGoroutine: connections served by an
// InputHandler from netpoll's notifications hold no goroutine between
// bursts of input, where a Handler holds one each.
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	const n = 200
	// open opens n connections to addr, echoes a line on each and returns
	// how many goroutines there were before.
	open := func(addr net.Addr) int {
		before := runtime.NumGoroutine()
		for range n {
			c := dialStd(t, addr)
			_, err := io.WriteString(c, "hi\n")
			require.NoError(t, err)
			got, err := bufio.NewReader(c).ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, "hi\n", got)
		}
		return before
	}

	_, addr := serveInput(t, conntest.LineEcho)
	before := open(addr)
	// netpoll's pool goroutines that ran the calls exit once idle.
	require.Eventually(t, func() bool { return runtime.NumGoroutine()-before < n/10 }, testkit.Wait, time.Millisecond,
		"goroutines for %d idle connections served by an InputHandler", n)

	var f Factory
	l, err := f.Bind(testkit.Context(t), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	s := &conn.Server{Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
		// A Handler waits for input on a goroutine of its own.
		p, _ := c.Pipe()
		for {
			res, err := p.Input().Read(ctx)
			if err != nil {
				return
			}
			p.Input().Consume(res.Buffer.Start())
			if conntest.LineEcho(ctx, c, p) != nil {
				return
			}
		}
	})}
	go s.Serve(l)
	defer s.Close()
	before = open(l.Addr())
	assert.GreaterOrEqual(t, runtime.NumGoroutine()-before, n, "goroutines for %d idle connections served by a Handler", n)
}

func TestInputHandlerSeesTheEndOnNetpoll(t *testing.T) {
	ended := make(chan struct{})
	_, addr := serveInput(t, conn.InputHandlerFunc(func(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
		err := conntest.LineEcho(ctx, c, p)
		if errors.Is(err, io.EOF) {
			close(ended)
		}
		return err
	}))
	c := dialStd(t, addr)
	_, err := io.WriteString(c, "last\n")
	require.NoError(t, err)
	got, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "last\n", got)
	require.NoError(t, c.Close())
	testkit.RequireDone(t, ended)
}

func TestShutdownClosesIdleAndWaitsForBusy(t *testing.T) {
	release := make(chan struct{})
	busy := make(chan struct{})
	s, addr := serveInput(t, conn.InputHandlerFunc(func(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
		res, ok, err := p.Input().TryRead()
		if err != nil || !ok {
			return err
		}
		if res.Buffer.String() == "wait\n" {
			close(busy)
			<-release
		}
		p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
		p.Output().Write([]byte("done\n"))
		_, err = p.Output().Flush(ctx)
		return err
	}))
	idle := dialStd(t, addr)
	_, err := io.WriteString(idle, "x\n")
	require.NoError(t, err)
	idleR := bufio.NewReader(idle)
	_, err = idleR.ReadString('\n')
	require.NoError(t, err)

	active := dialStd(t, addr)
	_, err = io.WriteString(active, "wait\n")
	require.NoError(t, err)
	testkit.RequireDone(t, busy)

	var shutErr error
	shut := testkit.Async(func() { shutErr = s.Shutdown(testkit.Context(t)) })
	rest, err := io.ReadAll(idleR)
	require.NoError(t, err, "the idle connection is closed at once, gracefully")
	assert.Empty(t, rest)
	testkit.RequireBlocked(t, shut)

	close(release)
	testkit.RequireDone(t, shut)
	require.NoError(t, shutErr)
	rest, err = io.ReadAll(active)
	require.NoError(t, err)
	assert.Equal(t, "done\n", string(rest), "the busy connection finished its reply, then closed")
}
