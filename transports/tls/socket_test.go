package tls_test

import (
	stdtls "crypto/tls"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/transports/tls"
)

// Over TCP on loopback, the client verifies the server's certificate for
// the IP it dials, and the socket's own property passes through.
func TestOverTCP(t *testing.T) {
	p := testkit.NewPKI(t)
	f := conn.Chain(&socket.Factory{}, tls.Layer(tls.Config{
		Client: p.ClientConfig("bedrock/1"),
		Server: p.ServerConfig("bedrock/1"),
	}))
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	client, server := pair(t, f, l, conn.Properties{})

	for _, c := range []conn.Connection{client, server} {
		_, ok := conn.Get[*net.TCPConn](c.Properties())
		assert.True(t, ok, "the socket's property passes through")
		state, ok := conn.Get[*stdtls.ConnectionState](c.Properties())
		require.True(t, ok)
		assert.Equal(t, "bedrock/1", state.NegotiatedProtocol)
	}
	cs, ss := deadline(t, client), deadline(t, server)
	_, err := cs.Write([]byte("ping"))
	require.NoError(t, err)
	require.NoError(t, cs.(*stdtls.Conn).CloseWrite())
	got, err := io.ReadAll(ss)
	require.NoError(t, err)
	assert.Equal(t, "ping", string(got))
	_, err = ss.Write([]byte("pong"))
	require.NoError(t, err)
	require.NoError(t, server.Close())
	got, err = io.ReadAll(cs)
	require.NoError(t, err)
	assert.Equal(t, "pong", string(got))
	require.NoError(t, client.Close())
}
