package limits_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/conntest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/limits"
	"github.com/f2bac256/bedrock/transports/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func bind(t *testing.T, f conn.Factory, name string, props conn.Properties) conn.Listener {
	t.Helper()
	l, err := f.Bind(testkit.Context(t), memory.Addr(name), props)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

func connect(t *testing.T, f conn.Factory, l conn.Listener) conn.Connection {
	t.Helper()
	c, err := f.Connect(testkit.Context(t), l.Addr(), conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func accept(t *testing.T, l conn.Listener) conn.Connection {
	t.Helper()
	c, err := l.Accept(testkit.Context(t))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func stream(t *testing.T, c conn.Connection) net.Conn {
	t.Helper()
	s, err := c.Stream()
	require.NoError(t, err)
	return s
}

// readErr reads from c's Stream view until an error (io.EOF included) and
// returns it, failing t if that takes longer than testkit.Wait.
func readErr(t *testing.T, s net.Conn) error {
	t.Helper()
	var err error
	done := testkit.Async(func() {
		b := make([]byte, 64)
		for err == nil {
			_, err = s.Read(b)
		}
	})
	testkit.RequireDone(t, done)
	return err
}

func TestAcceptLimitRefusesExcessConnections(t *testing.T) {
	var mem memory.Factory
	l := bind(t, limits.Layer(limits.Config{MaxConnections: 3})(&mem), "limited", conn.Properties{})
	var servers []conn.Connection
	for range 3 {
		connect(t, &mem, l)
		servers = append(servers, accept(t, l))
	}

	refused := connect(t, &mem, l)
	_, err := l.Accept(testkit.Context(t))
	var ferr *conn.FilterError
	require.ErrorAs(t, err, &ferr)
	assert.ErrorIs(t, err, limits.ErrTooManyConnections)
	assert.Equal(t, refused.LocalAddr(), ferr.Remote)
	assert.Error(t, readErr(t, stream(t, refused)), "the refused client's connection is torn down")

	require.NoError(t, servers[0].Close())
	c := connect(t, &mem, l)
	s := accept(t, l)
	assert.Equal(t, c.LocalAddr(), s.RemoteAddr(), "a closed connection frees its slot")

	connect(t, &mem, l)
	_, err = l.Accept(testkit.Context(t))
	assert.ErrorIs(t, err, limits.ErrTooManyConnections, "and only one")

	servers[1].Abort(nil)
	c = connect(t, &mem, l)
	s = accept(t, l)
	assert.Equal(t, c.LocalAddr(), s.RemoteAddr(), "an aborted connection frees its slot")

	require.NoError(t, stream(t, servers[2]).Close())
	c = connect(t, &mem, l)
	s = accept(t, l)
	assert.Equal(t, c.LocalAddr(), s.RemoteAddr(), "closing the Stream view frees the slot")
}

func TestConnectLimit(t *testing.T) {
	var mem memory.Factory
	l := bind(t, &mem, "target", conn.Properties{})
	layer := limits.Layer(limits.Config{MaxConnections: 2})
	f, g := layer(&mem), layer(&mem)
	ctx := testkit.Context(t)
	a := connect(t, f, l)
	connect(t, g, l)
	_, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.ErrorIs(t, err, limits.ErrTooManyConnections, "one limit for every factory of the layer")
	assert.ErrorContains(t, err, "connect target")
	_, err = limits.Layer(limits.Config{MaxConnections: 2})(&mem).Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err, "another layer counts apart")

	accept(t, l)
	accept(t, l)
	accept(t, l)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = l.Accept(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the refused Connect never dialed")

	require.NoError(t, a.Close())
	connect(t, f, l)
	_, err = g.Connect(ctx, l.Addr(), conn.Properties{})
	assert.ErrorIs(t, err, limits.ErrTooManyConnections)
}

func TestConnectFailureFreesTheSlot(t *testing.T) {
	var mem memory.Factory
	f := limits.Layer(limits.Config{MaxConnections: 1})(&mem)
	ctx := testkit.Context(t)
	for range 3 {
		_, err := f.Connect(ctx, memory.Addr("nobody"), conn.Properties{})
		require.ErrorIs(t, err, memory.ErrConnectionRefused, "the error below, as is")
	}
	l := bind(t, &mem, "somebody", conn.Properties{})
	connect(t, f, l)
}

func TestIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	for _, view := range []string{"stream", "pipe"} {
		t.Run(view, func(t *testing.T) {
			var mem memory.Factory
			l := bind(t, limits.Layer(limits.Config{IdleTimeout: idle})(&mem), "idle", conn.Properties{})
			ctx := testkit.Context(t)

			silent := connect(t, &mem, l)
			s := accept(t, l)
			var err error
			if view == "stream" {
				_, err = stream(t, s).Read(make([]byte, 1))
			} else {
				p, perr := s.Pipe()
				require.NoError(t, perr)
				_, err = p.Input().Read(ctx)
			}
			require.ErrorIs(t, err, limits.ErrIdleTimeout, "the handler's read")
			assert.ErrorContains(t, err, silent.LocalAddr().String())
			assert.Error(t, readErr(t, stream(t, silent)), "the peer's connection is torn down")
			_, err = s.Stream()
			assert.ErrorIs(t, err, limits.ErrIdleTimeout, "the connection is gone")
		})
	}
}

func TestIdleTimeoutSparesATalkingConnection(t *testing.T) {
	const idle = 200 * time.Millisecond
	var mem memory.Factory
	l := bind(t, limits.Layer(limits.Config{IdleTimeout: idle})(&mem), "chatty", conn.Properties{})
	c := stream(t, connect(t, &mem, l))
	s := stream(t, accept(t, l))

	// Talk for several idle timeouts, a byte every 10ms, each echoed.
	b := make([]byte, 1)
	for deadline := time.Now().Add(3 * idle); time.Now().Before(deadline); {
		_, err := c.Write([]byte{'x'})
		require.NoError(t, err)
		_, err = io.ReadFull(s, b)
		require.NoError(t, err, "a talking connection stays up")
		_, err = s.Write(b)
		require.NoError(t, err)
		_, err = io.ReadFull(c, b)
		require.NoError(t, err)
		time.Sleep(10 * time.Millisecond)
	}
	_, err := s.Read(b)
	assert.ErrorIs(t, err, limits.ErrIdleTimeout, "until it falls silent")
}

func TestIdleTimeoutOnConnect(t *testing.T) {
	var mem memory.Factory
	l := bind(t, &mem, "server", conn.Properties{})
	c := connect(t, limits.Layer(limits.Config{IdleTimeout: 50 * time.Millisecond})(&mem), l)
	accept(t, l)
	p, err := c.Pipe()
	require.NoError(t, err)
	var flushErr error
	done := testkit.Async(func() {
		// Write until the peer, which reads nothing, holds us back.
		for flushErr == nil {
			p.Output().Write(make([]byte, 4096))
			_, flushErr = p.Output().Flush(testkit.Context(t))
		}
	})
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, flushErr, limits.ErrIdleTimeout, "a flush blocked by backpressure is no progress")
}

func TestHandshakeTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	var mem memory.Factory
	l := bind(t, limits.Layer(limits.Config{HandshakeTimeout: timeout})(&mem), "hs", conn.Properties{})

	connect(t, &mem, l)
	mute := stream(t, accept(t, l))
	_, err := mute.Read(make([]byte, 1))
	assert.ErrorIs(t, err, limits.ErrHandshakeTimeout, "no first byte in time")

	c := stream(t, connect(t, &mem, l))
	s := stream(t, accept(t, l))
	_, err = c.Write([]byte("hi"))
	require.NoError(t, err)
	b := make([]byte, 2)
	_, err = io.ReadFull(s, b)
	require.NoError(t, err)
	var n int
	done := testkit.Async(func() { n, err = s.Read(b) })
	time.Sleep(3 * timeout) // past the handshake timeout: a quiet connection is fine now
	select {
	case <-done:
		t.Fatalf("read returned %d, %v: the connection was cut after its first byte", n, err)
	default:
	}
	_, werr := c.Write([]byte("!"))
	require.NoError(t, werr)
	testkit.RequireDone(t, done)
	require.NoError(t, err)
	assert.Equal(t, "!", string(b[:n]))
}

func TestHandshakeAndIdleTogether(t *testing.T) {
	var mem memory.Factory
	cfg := limits.Config{IdleTimeout: 50 * time.Millisecond, HandshakeTimeout: time.Hour}
	l := bind(t, limits.Layer(cfg)(&mem), "both", conn.Properties{})
	connect(t, &mem, l)
	_, err := stream(t, accept(t, l)).Read(make([]byte, 1))
	assert.ErrorIs(t, err, limits.ErrIdleTimeout, "the nearer deadline fires first")

	cfg = limits.Config{IdleTimeout: time.Hour, HandshakeTimeout: 50 * time.Millisecond}
	l = bind(t, limits.Layer(cfg)(&mem), "both2", conn.Properties{})
	connect(t, &mem, l)
	_, err = stream(t, accept(t, l)).Read(make([]byte, 1))
	assert.ErrorIs(t, err, limits.ErrHandshakeTimeout)
}

func TestBindPropsOverrideTheConfig(t *testing.T) {
	var mem memory.Factory
	f := limits.Layer(limits.Config{})(&mem)
	l := bind(t, f, "one", conn.With(conn.Properties{}, limits.Config{MaxConnections: 1}))
	connect(t, &mem, l)
	accept(t, l)
	connect(t, &mem, l)
	_, err := l.Accept(testkit.Context(t))
	assert.ErrorIs(t, err, limits.ErrTooManyConnections)
}

func TestViewsPassThroughWithoutTimeouts(t *testing.T) {
	type tag struct{}
	var mem memory.Factory
	var rec conntest.Recorder
	l := bind(t, &mem, "plain", conn.Properties{})
	ctx := testkit.Context(t)

	c, err := conn.Chain(&mem, rec.Layer, limits.Layer(limits.Config{})).Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	assert.Same(t, rec.Conns()[0], c, "a zero Config changes nothing")

	c, err = conn.Chain(&mem, rec.Layer, limits.Layer(limits.Config{MaxConnections: 5})).
		Connect(ctx, l.Addr(), conn.With(conn.Properties{}, tag{}))
	require.NoError(t, err)
	defer c.Close()
	p, err := c.Pipe()
	require.NoError(t, err)
	lower, err := rec.Conns()[1].Pipe()
	require.NoError(t, err)
	assert.Same(t, lower, p, "without timeouts the Pipe view is the one below")
	_, ok := conn.Get[tag](c.Properties())
	assert.True(t, ok, "properties pass through")
	assert.Equal(t, rec.Conns()[1].RemoteAddr(), c.RemoteAddr())
	_, err = c.Stream()
	assert.ErrorIs(t, err, conn.ErrViewTaken)
	assert.NoError(t, c.Close())
	assert.ErrorIs(t, c.Close(), net.ErrClosed)
	_, err = c.Pipe()
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestClosedConnectionIsNotTimedOut(t *testing.T) {
	var mem memory.Factory
	l := bind(t, limits.Layer(limits.Config{IdleTimeout: 50 * time.Millisecond, MaxConnections: 1})(&mem), "closed", conn.Properties{})
	c := connect(t, &mem, l)
	s := accept(t, l)
	require.NoError(t, s.Close())
	time.Sleep(150 * time.Millisecond) // the stopped timer must not fire
	all, err := io.ReadAll(stream(t, c))
	assert.NoError(t, err, "the peer sees a clean close, not an abort")
	assert.Empty(t, all)
	_, err = s.Stream()
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.False(t, errors.Is(err, limits.ErrIdleTimeout))
}
