package tls_test

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/tls"
)

func TestUntrustedCertificateIsRejectedAndTheListenerGoesOn(t *testing.T) {
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, tls.Layer(tls.Config{
		Client: p.ClientConfig(),
		Server: &stdtls.Config{Certificates: []stdtls.Certificate{p.Untrusted}},
	}))
	l := bind(t, f, memory.Addr("localhost:443"), conn.Properties{})

	d := dial(t, f, l, l.Addr(), conn.Properties{})
	require.Error(t, d.clientErr)
	assert.Nil(t, d.client)
	var verifyErr *stdtls.CertificateVerificationError
	require.ErrorAs(t, d.clientErr, &verifyErr)
	assert.Equal(t, p.Untrusted.Certificate[0], verifyErr.UnverifiedCertificates[0].Raw)
	var authorityErr x509.UnknownAuthorityError
	assert.ErrorAs(t, d.clientErr, &authorityErr)
	assert.ErrorContains(t, d.clientErr, "tls: handshake with localhost:443: ")

	require.Error(t, d.serverErr)
	var filterErr *conn.FilterError
	require.ErrorAs(t, d.serverErr, &filterErr, "a failed handshake is not fatal to the listener")
	assert.Contains(t, filterErr.Remote.String(), "client-")
	assert.ErrorContains(t, filterErr.Err, "tls: handshake with "+filterErr.Remote.String()+": ")

	// A client that trusts the self-signed certificate on purpose, through
	// Connect's props, gets through the same listener.
	trusting := conn.With(conn.Properties{}, &stdtls.Config{RootCAs: p.SelfRoots})
	client, server := pair(t, f, l, trusting)
	cs, ss := deadline(t, client), deadline(t, server)
	_, err := cs.Write([]byte("ping"))
	require.NoError(t, err)
	got := make([]byte, 4)
	_, err = io.ReadFull(ss, got)
	require.NoError(t, err)
	assert.Equal(t, "ping", string(got))
}

func TestBindNeedsACertificate(t *testing.T) {
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, tls.Layer(tls.Config{Client: p.ClientConfig()}))
	ctx := testkit.Context(t)
	_, err := f.Bind(ctx, memory.Addr("localhost:443"), conn.Properties{})
	assert.ErrorIs(t, err, tls.ErrNoCertificate)
	assert.ErrorContains(t, err, "tls: bind localhost:443: ")
	_, err = f.Bind(ctx, memory.Addr("localhost:443"), conn.With(conn.Properties{}, &stdtls.Config{}))
	assert.ErrorIs(t, err, tls.ErrNoCertificate, "a config without a certificate does not do either")

	// Bind's props supply the server config the layer lacks.
	l := bind(t, f, memory.Addr("localhost:443"), conn.With(conn.Properties{}, p.ServerConfig("bedrock/1")))
	client, server := pair(t, f, l, conn.With(conn.Properties{}, p.ClientConfig("bedrock/1")))
	for _, c := range []conn.Connection{client, server} {
		state, ok := conn.Get[*stdtls.ConnectionState](c.Properties())
		require.True(t, ok)
		assert.Equal(t, "bedrock/1", state.NegotiatedProtocol, "both sides used the configs of the props")
	}
}

func TestSilentClientTimesOutServerSide(t *testing.T) {
	const timeout = 100 * time.Millisecond
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, tls.Layer(tls.Config{Server: p.ServerConfig(), HandshakeTimeout: timeout}))
	l := bind(t, f, memory.Addr("localhost:443"), conn.Properties{})
	ctx := testkit.Context(t)

	raw, err := mem.Connect(ctx, l.Addr(), conn.Properties{}) // no TLS: says nothing
	require.NoError(t, err)
	defer raw.Abort(nil)
	start := time.Now()
	_, err = l.Accept(ctx)
	elapsed := time.Since(start)

	var filterErr *conn.FilterError
	require.ErrorAs(t, err, &filterErr)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "tls: handshake with "+raw.LocalAddr().String()+": not done after 100ms: ")
	assert.GreaterOrEqual(t, elapsed, timeout)
	assert.Less(t, elapsed, 2*time.Second)

	// The server gave up on the silent client: it reads the end.
	rawPipe, err := raw.Pipe()
	require.NoError(t, err)
	res, err := rawPipe.Input().Read(ctx)
	if err == nil {
		assert.True(t, res.Completed)
		assert.True(t, res.Buffer.IsEmpty(), "the server sent nothing")
	}
}

func TestSilentClientDoesNotHoldUpOthers(t *testing.T) {
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, tls.Layer(tls.Config{Client: p.ClientConfig(), Server: p.ServerConfig()}))
	l := bind(t, f, memory.Addr("localhost:443"), conn.Properties{})
	ctx := testkit.Context(t)

	raw, err := mem.Connect(ctx, l.Addr(), conn.Properties{}) // handshakes for 10s
	require.NoError(t, err)
	defer raw.Abort(nil)
	start := time.Now()
	client, server := pair(t, f, l, conn.Properties{})
	assert.Less(t, time.Since(start), tls.DefaultHandshakeTimeout/2)
	assert.Equal(t, client.LocalAddr(), server.RemoteAddr(), "Accept returned the client that shook hands")

	// Closing the listener cancels the pending handshake.
	require.NoError(t, l.Close())
	rawPipe, err := raw.Pipe()
	require.NoError(t, err)
	res, err := rawPipe.Input().Read(ctx)
	if err == nil {
		assert.True(t, res.Completed)
	}
}

func TestSilentServerTimesOutClientSide(t *testing.T) {
	p := testkit.NewPKI(t)
	var mem memory.Factory
	ctx := testkit.Context(t)
	raw, err := mem.Bind(ctx, memory.Addr("localhost:443"), conn.Properties{}) // no TLS: never answers
	require.NoError(t, err)
	defer raw.Close()

	t.Run("timeout", func(t *testing.T) {
		const timeout = 100 * time.Millisecond
		f := conn.Chain(&mem, tls.Layer(tls.Config{Client: p.ClientConfig(), HandshakeTimeout: timeout}))
		start := time.Now()
		c, err := f.Connect(ctx, raw.Addr(), conn.Properties{})
		elapsed := time.Since(start)
		assert.Nil(t, c)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "tls: handshake with localhost:443: not done after 100ms: ")
		assert.GreaterOrEqual(t, elapsed, timeout)
		assert.Less(t, elapsed, 2*time.Second)
	})

	t.Run("canceled", func(t *testing.T) {
		f := conn.Chain(&mem, tls.Layer(tls.Config{Client: p.ClientConfig(), HandshakeTimeout: -1}))
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := f.Connect(ctx, raw.Addr(), conn.Properties{})
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "tls: handshake with localhost:443: ")
	})

	// The raw server side sees each client abort with its error.
	for _, want := range []error{context.DeadlineExceeded, context.Canceled} {
		s, err := raw.Accept(ctx)
		require.NoError(t, err)
		sp, err := s.Pipe()
		require.NoError(t, err)
		_, err = sp.Input().Read(ctx)
		assert.ErrorIs(t, err, want)
		s.Abort(nil)
	}
}
