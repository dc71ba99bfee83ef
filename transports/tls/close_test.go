package tls_test

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/tls"
)

// mark is a property that a layer below TLS adds.
type mark struct{ side conn.Side }

// fromCaller is a property that the caller passes to Connect or Bind.
type fromCaller struct{ name string }

// marked is a connection with one more property.
type marked struct {
	conn.Connection
	props conn.Properties
}

func (m marked) Properties() conn.Properties { return m.props }

func markLayer(f conn.Factory) conn.Factory {
	return conn.Filter(f, func(_ context.Context, c conn.Connection, side conn.Side) (conn.Connection, error) {
		return marked{c, conn.With(c.Properties(), mark{side})}, nil
	})
}

func TestLowerPropertiesPassThrough(t *testing.T) {
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, markLayer, tls.Layer(tls.Config{Client: p.ClientConfig(), Server: p.ServerConfig()}))
	l := bind(t, f, memory.Addr("localhost:443"), conn.With(conn.Properties{}, fromCaller{"bind"}))
	client, server := pair(t, f, l, conn.With(conn.Properties{}, fromCaller{"connect"}))

	for _, tc := range []struct {
		c      conn.Connection
		side   conn.Side
		caller string
	}{{client, conn.ClientSide, "connect"}, {server, conn.ServerSide, "bind"}} {
		m, ok := conn.Get[mark](tc.c.Properties())
		assert.True(t, ok, "%v: the layer below's property", tc.side)
		assert.Equal(t, tc.side, m.side)
		fc, ok := conn.Get[fromCaller](tc.c.Properties())
		assert.True(t, ok, "%v: the transport's property", tc.side)
		assert.Equal(t, tc.caller, fc.name)
		_, ok = conn.Get[*stdtls.ConnectionState](tc.c.Properties())
		assert.True(t, ok, "%v: TLS's own", tc.side)
	}
	fc, ok := conn.Get[fromCaller](l.Properties())
	assert.True(t, ok, "the listener's properties pass through")
	assert.Equal(t, "bind", fc.name)
}

// spy is a net.Conn that counts the bytes written through it.
type spy struct {
	net.Conn
	written atomic.Int64
	closed  atomic.Bool
}

func (s *spy) Write(b []byte) (int, error) {
	n, err := s.Conn.Write(b)
	s.written.Add(int64(n))
	return n, err
}

func (s *spy) Close() error {
	s.closed.Store(true)
	return s.Conn.Close()
}

// spied returns a factory whose client connections are spied on below TLS,
// and the channel that receives their spies.
func spied(t *testing.T) (conn.Factory, conn.Listener, <-chan *spy) {
	p := testkit.NewPKI(t)
	spies := make(chan *spy, 1)
	spyLayer := func(f conn.Factory) conn.Factory {
		return conn.Filter(f, func(_ context.Context, c conn.Connection, side conn.Side) (conn.Connection, error) {
			if side == conn.ServerSide {
				return c, nil
			}
			s, err := c.Stream()
			if err != nil {
				return nil, err
			}
			sp := &spy{Conn: s}
			spies <- sp
			return conn.New(conn.Base{Stream: sp, Lower: c, Properties: c.Properties()}), nil
		})
	}
	var mem memory.Factory
	f := conn.Chain(&mem, spyLayer, tls.Layer(tls.Config{Client: p.ClientConfig(), Server: p.ServerConfig()}))
	return f, bind(t, f, memory.Addr("localhost:443"), conn.Properties{}), spies
}

func TestCloseSendsCloseNotify(t *testing.T) {
	f, l, spies := spied(t)
	client, server := pair(t, f, l, conn.Properties{})
	sp := <-spies
	cs, ss := deadline(t, client), deadline(t, server)
	_, err := cs.Write([]byte("ping"))
	require.NoError(t, err)
	got := make([]byte, 4)
	_, err = io.ReadFull(ss, got)
	require.NoError(t, err)

	before := sp.written.Load()
	require.NoError(t, client.Close())
	assert.Greater(t, sp.written.Load(), before, "Close wrote the close_notify alert")
	assert.True(t, sp.closed.Load(), "then closed the connection below")
	n, err := ss.Read(got)
	assert.Zero(t, n)
	assert.ErrorIs(t, err, io.EOF)
	assert.ErrorIs(t, client.Close(), net.ErrClosed)
}

func TestCloseWriteHalfCloses(t *testing.T) {
	f, l, spies := spied(t)
	client, server := pair(t, f, l, conn.Properties{})
	sp := <-spies
	cs, ss := deadline(t, client), deadline(t, server)

	require.NoError(t, cs.(*stdtls.Conn).CloseWrite())
	assert.False(t, sp.closed.Load(), "CloseWrite keeps the connection below open")
	got, err := io.ReadAll(ss)
	require.NoError(t, err, "the server read close_notify")
	assert.Empty(t, got)
	_, err = ss.Write([]byte("pong"))
	require.NoError(t, err)
	require.NoError(t, server.Close())
	got, err = io.ReadAll(cs)
	require.NoError(t, err)
	assert.Equal(t, "pong", string(got), "the client reads on after its half-close")
	require.NoError(t, client.Close())
}

func TestAbortSendsNothing(t *testing.T) {
	f, l, spies := spied(t)
	client, server := pair(t, f, l, conn.Properties{})
	sp := <-spies
	ss := deadline(t, server)
	before := sp.written.Load()
	boom := errors.New("boom")
	client.Abort(boom)
	assert.Equal(t, before, sp.written.Load(), "no close_notify")
	_, err := ss.Read(make([]byte, 1))
	assert.ErrorIs(t, err, boom, "the server learns of the abort, not of a clean end")
	_, err = client.Stream()
	assert.ErrorIs(t, err, net.ErrClosed)
}
