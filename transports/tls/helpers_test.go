package tls_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bind binds f at addr, closing the listener when the test ends.
func bind(t *testing.T, f conn.Factory, addr net.Addr, props conn.Properties) conn.Listener {
	t.Helper()
	l, err := f.Bind(testkit.Context(t), addr, props)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// dialed is the outcome of dial: both ends, or why each failed.
type dialed struct {
	client, server       conn.Connection
	clientErr, serverErr error
}

// dial connects through f to addr while l accepts, and waits for both: a
// failed handshake fails both sides. The connections made are aborted
// when the test ends, unless closed before.
func dial(t *testing.T, f conn.Factory, l conn.Listener, addr net.Addr, props conn.Properties) dialed {
	t.Helper()
	ctx := testkit.Context(t)
	var d dialed
	accepted := testkit.Async(func() { d.server, d.serverErr = l.Accept(ctx) })
	d.client, d.clientErr = f.Connect(ctx, addr, props)
	testkit.RequireDone(t, accepted)
	for _, c := range []conn.Connection{d.client, d.server} {
		if c != nil {
			t.Cleanup(func() { c.Abort(nil) })
		}
	}
	return d
}

// pair connects through f to l and returns both ends, established.
func pair(t *testing.T, f conn.Factory, l conn.Listener, props conn.Properties) (client, server conn.Connection) {
	t.Helper()
	d := dial(t, f, l, l.Addr(), props)
	require.NoError(t, d.clientErr)
	require.NoError(t, d.serverErr)
	return d.client, d.server
}

// deadline bounds a stream's calls, so that a broken test fails instead of
// hanging.
func deadline(t *testing.T, c conn.Connection) net.Conn {
	t.Helper()
	s, err := c.Stream()
	require.NoError(t, err)
	testkit.SetDeadlines(t, testkit.Wait, s)
	return s
}
