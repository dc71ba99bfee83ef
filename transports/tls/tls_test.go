package tls_test

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/tls"
)

// view is one way of using a connection: echo serves it, roundTrip sends
// data through it to an echo and returns what came back.
type view struct {
	name      string
	echo      func(ctx context.Context, c conn.Connection) error
	roundTrip func(ctx context.Context, c conn.Connection, data []byte) ([]byte, error)
}

var views = []view{
	{"stream", streamEcho, streamRoundTrip},
	{"pipe", pipeEcho, pipeRoundTrip},
}

func streamEcho(_ context.Context, c conn.Connection) error {
	s, err := c.Stream()
	if err != nil {
		return err
	}
	if _, err := io.CopyBuffer(s, s, make([]byte, 32<<10)); err != nil {
		return err
	}
	return c.Close()
}

func pipeEcho(ctx context.Context, c conn.Connection) error {
	p, err := c.Pipe()
	if err != nil {
		return err
	}
	in, out := p.Input(), p.Output()
	for {
		res, err := in.Read(ctx)
		if err != nil {
			return err
		}
		if _, err := res.Buffer.WriteTo(out); err != nil {
			return err
		}
		in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if _, err := out.Flush(ctx); err != nil {
			return err
		}
		if res.Completed {
			return c.Close()
		}
	}
}

func streamRoundTrip(_ context.Context, c conn.Connection, data []byte) ([]byte, error) {
	s, err := c.Stream()
	if err != nil {
		return nil, err
	}
	var werr error
	wrote := testkit.Async(func() {
		if _, werr = s.Write(data); werr == nil {
			werr = s.(*stdtls.Conn).CloseWrite()
		}
	})
	got, err := io.ReadAll(s)
	<-wrote
	return got, errors.Join(err, werr, c.Close())
}

func pipeRoundTrip(ctx context.Context, c conn.Connection, data []byte) ([]byte, error) {
	p, err := c.Pipe()
	if err != nil {
		return nil, err
	}
	var werr error
	wrote := testkit.Async(func() {
		out := p.Output()
		for rest := data; len(rest) > 0 && werr == nil; {
			n := min(len(rest), 64<<10)
			out.Write(rest[:n])
			rest = rest[n:]
			_, werr = out.Flush(ctx)
		}
		out.Complete(werr)
	})
	in := p.Input()
	got := make([]byte, 0, len(data))
	for {
		res, err := in.Read(ctx)
		if err != nil {
			<-wrote
			return got, fmt.Errorf("read after %d bytes: %w (write: %v)", len(got), err, werr)
		}
		for seg := range res.Buffer.All() {
			got = append(got, seg...)
		}
		in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if res.Completed {
			break
		}
	}
	<-wrote
	if werr != nil {
		return got, fmt.Errorf("write: %w", werr)
	}
	// The output was completed above: Close has nothing left to flush.
	if err := c.Close(); err != nil {
		return got, fmt.Errorf("close: %w", err)
	}
	return got, nil
}

func TestEchoThroughEitherView(t *testing.T) {
	size := 10 << 20
	if testing.Short() {
		size = 1 << 20
	}
	data := testkit.RandomBytes(size, 1)
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, tls.Layer(tls.Config{Client: p.ClientConfig(), Server: p.ServerConfig()}))
	l := bind(t, f, memory.Addr("localhost:443"), conn.Properties{})
	for _, cv := range views {
		for _, sv := range views {
			t.Run("client "+cv.name+"/server "+sv.name, func(t *testing.T) {
				ctx := testkit.Context(t)
				client, server := pair(t, f, l, conn.Properties{})
				var serveErr error
				served := testkit.Async(func() { serveErr = sv.echo(ctx, server) })
				got, err := cv.roundTrip(ctx, client, data)
				require.NoError(t, err)
				require.Equal(t, len(data), len(got))
				assert.True(t, bytes.Equal(data, got), "the echo differs from what was sent")
				testkit.RequireDone(t, served)
				require.NoError(t, serveErr)
			})
		}
	}
}

func TestConnectionStateOnBothSides(t *testing.T) {
	p := testkit.NewPKI(t)
	var mem memory.Factory
	f := conn.Chain(&mem, tls.Layer(tls.Config{
		Client: p.ClientConfig("h2", "bedrock/1"),
		Server: p.ServerConfig("bedrock/1", "http/1.1"),
	}))
	l := bind(t, f, memory.Addr("localhost:443"), conn.Properties{})
	client, server := pair(t, f, l, conn.Properties{})

	for side, c := range map[string]conn.Connection{"client": client, "server": server} {
		state, ok := conn.Get[*stdtls.ConnectionState](c.Properties())
		require.True(t, ok, side)
		assert.True(t, state.HandshakeComplete, side)
		assert.Equal(t, "bedrock/1", state.NegotiatedProtocol, side)
		assert.Equal(t, uint16(stdtls.VersionTLS13), state.Version, side)
		s, err := c.Stream()
		require.NoError(t, err)
		assert.IsType(t, &stdtls.Conn{}, s, "%s: the native view is the *tls.Conn", side)
	}
	state, _ := conn.Get[*stdtls.ConnectionState](client.Properties())
	require.NotEmpty(t, state.PeerCertificates)
	assert.Equal(t, p.Server.Certificate[0], state.PeerCertificates[0].Raw, "the client saw the server's certificate")
	assert.NotEmpty(t, state.VerifiedChains, "and verified it")
	state, _ = conn.Get[*stdtls.ConnectionState](server.Properties())
	assert.Equal(t, "localhost", state.ServerName, "the client sent the dialed host as SNI")
	assert.Equal(t, memory.Addr("localhost:443"), client.RemoteAddr())
	assert.Equal(t, client.LocalAddr(), server.RemoteAddr())

	// Without a protocol in common, none is negotiated.
	var mem2 memory.Factory
	f = conn.Chain(&mem2, tls.Layer(tls.Config{Client: p.ClientConfig(), Server: p.ServerConfig("bedrock/1")}))
	l = bind(t, f, memory.Addr("localhost:443"), conn.Properties{})
	client, _ = pair(t, f, l, conn.Properties{})
	state, ok := conn.Get[*stdtls.ConnectionState](client.Properties())
	require.True(t, ok)
	assert.Empty(t, state.NegotiatedProtocol)
}

func TestServerNameDefaultsToTheDialedHost(t *testing.T) {
	p := testkit.NewPKI(t)
	for _, tc := range []struct {
		addr   string
		client *stdtls.Config
		sni    string // what the server sees, if the handshake succeeds
		bad    bool   // the certificate is not valid for the name
	}{
		{addr: "localhost:443", sni: "localhost"},
		{addr: "localhost", sni: "localhost"},
		{addr: "127.0.0.1:853", sni: ""}, // an IP: verified, not sent as SNI
		{addr: "example.com:443", bad: true},
		{addr: "example.com:443", client: &stdtls.Config{RootCAs: p.Roots, ServerName: "localhost"}, sni: "localhost"},
		{addr: "example.com:443", client: &stdtls.Config{InsecureSkipVerify: true}, sni: ""},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			var mem memory.Factory
			cfg := tc.client
			if cfg == nil {
				cfg = p.ClientConfig()
			}
			serverName := cfg.ServerName
			f := conn.Chain(&mem, tls.Layer(tls.Config{Client: cfg, Server: p.ServerConfig()}))
			l := bind(t, f, memory.Addr(tc.addr), conn.Properties{})
			d := dial(t, f, l, l.Addr(), conn.Properties{})
			if tc.bad {
				var hostErr x509.HostnameError
				require.ErrorAs(t, d.clientErr, &hostErr)
				assert.Equal(t, "example.com", hostErr.Host)
				var filterErr *conn.FilterError
				assert.ErrorAs(t, d.serverErr, &filterErr)
				return
			}
			require.NoError(t, d.clientErr)
			require.NoError(t, d.serverErr)
			state, _ := conn.Get[*stdtls.ConnectionState](d.server.Properties())
			assert.Equal(t, tc.sni, state.ServerName)
			assert.Equal(t, serverName, cfg.ServerName, "the layer does not change the caller's config")
		})
	}
}
