package socket_test

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/socket"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noLeaks fails t if a goroutine started during the test is still running
// after it ended (goleak retries for a while). Call it first, so that its
// check runs after every other cleanup.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
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
	l, err := f.Bind(testkit.Context(t), addr, conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// connect connects to l and accepts the connection: the client and the
// server side, aborted when the test ends unless closed before.
func connect(t *testing.T, f *socket.Factory, l conn.Listener) (client, server conn.Connection) {
	t.Helper()
	ctx := testkit.Context(t)
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
