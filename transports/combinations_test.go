// Package transports_test checks that the transports and layers compose:
// every combination that makes sense echoes data intact through both views.
package transports_test

import (
	"crypto/sha256"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/transports/compress"
	"github.com/f2bac256/bedrock/transports/logging"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/metrics"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/transports/tls"
	"github.com/f2bac256/bedrock/writer"
)

// leakOptions are goleak's options; platform files add the long-lived
// goroutines of their transports.
var leakOptions []goleak.Option

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, leakOptions...) }

// stack is a transport and the names of the layers on it.
type stack struct {
	name      string
	factory   conn.Factory
	addr      net.Addr
	halfClose bool
}

// base is a transport to build stacks on.
type base struct {
	name      string
	f         func() conn.Factory
	addr      net.Addr
	halfClose bool // can a peer half-close and still read?
}

// bases are the transports of the matrix; platform files add theirs.
var bases = []base{
	{"memory", func() conn.Factory { return &memory.Factory{} }, memory.Addr("localhost"), true},
	{"socket", func() conn.Factory { return &socket.Factory{} }, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, true},
}

// stacks returns every combination of a base transport with or without
// TLS, compression and the observing layers.
func stacks(t *testing.T) []stack {
	pki := testkit.NewPKI(t)
	type option struct {
		name  string
		layer conn.Layer
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	optional := [][]option{
		{{}, {"tls", tls.Layer(tls.Config{Client: pki.ClientConfig(), Server: pki.ServerConfig()})}},
		{{}, {"zstd", compress.Layer(compress.Config{Algorithm: compress.Zstd})}},
		{{}, {"metrics", metrics.Layer(nil)}},
		{{}, {"logging", logging.Layer(quiet, logging.Options{Trace: true})}},
	}
	var out []stack
	for _, b := range bases {
		// Every subset of the optional layers, in their order.
		for mask := range 1 << len(optional) {
			names := []string{b.name}
			var layers []conn.Layer
			for i, choices := range optional {
				o := choices[(mask>>i)&1]
				if o.layer != nil {
					names = append(names, o.name)
					layers = append(layers, o.layer)
				}
			}
			out = append(out, stack{strings.Join(names, "+"), conn.Chain(b.f(), layers...), b.addr, b.halfClose})
		}
	}
	return out
}

// TestLayerCombinationsEcho sends 10 MB (less under -race or -short)
// through every stack, client Stream view to server Pipe view and back,
// and checks what the metrics layer counted where it is present.
func TestLayerCombinationsEcho(t *testing.T) {
	size := 10 << 20
	if testing.Short() || testkit.RaceEnabled {
		size = 1 << 20
	}
	data := testkit.RandomBytes(size, 21)
	want := sha256.Sum256(data)
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := testkit.Context(t)
			l, err := s.factory.Bind(ctx, s.addr, conn.Properties{})
			require.NoError(t, err)
			defer l.Close()

			served := testkit.Async(func() {
				c, err := l.Accept(ctx)
				if err != nil {
					return
				}
				defer c.Close()
				p, err := c.Pipe()
				if err != nil {
					return
				}
				out := writer.Stream(p.Output())
				io.Copy(out, reader.Stream(p.Input()))
				out.Close()
			})
			c, err := s.factory.Connect(ctx, l.Addr(), conn.Properties{})
			require.NoError(t, err)
			defer c.Close()
			st, err := c.Stream()
			require.NoError(t, err)
			go func() {
				st.Write(data)
				if s.halfClose {
					st.(interface{ CloseWrite() error }).CloseWrite()
				}
			}()
			var got []byte
			if s.halfClose {
				got, err = io.ReadAll(st)
			} else {
				// The peer would close on a half-close: read exactly the echo.
				got = make([]byte, len(data))
				_, err = io.ReadFull(st, got)
				c.Close()
			}
			require.NoError(t, err)
			require.Equal(t, len(data), len(got))
			require.Equal(t, want, sha256.Sum256(got), "%s: the echo differs", s.name)
			testkit.RequireDone(t, served)
			if stats, ok := conn.Get[*metrics.ConnStats](c.Properties()); ok {
				require.Equal(t, int64(size), stats.BytesRead(), "metrics counts what was read")
				require.Equal(t, int64(size), stats.BytesWritten())
			} else {
				require.NotContains(t, s.name, "metrics")
			}
		})
	}
}

// TestViewsOnEveryStack checks the view rules on every stack, client and
// server side: the first view asked for wins, the other fails with
// conn.ErrViewTaken, the same view twice is the same object; and the
// transport's own properties reach the top of the stack.
func TestViewsOnEveryStack(t *testing.T) {
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := testkit.Context(t)
			l, err := s.factory.Bind(ctx, s.addr, conn.Properties{})
			require.NoError(t, err)
			defer l.Close()
			accepted := make(chan conn.Connection, 1)
			go func() {
				c, _ := l.Accept(ctx)
				accepted <- c
			}()
			client, err := s.factory.Connect(ctx, l.Addr(), conn.Properties{})
			require.NoError(t, err)
			server := <-accepted
			require.NotNil(t, server)

			s1, err := client.Stream()
			require.NoError(t, err)
			s2, err := client.Stream()
			require.NoError(t, err)
			require.True(t, s1 == s2, "the same Stream view twice") // some views are values
			_, err = client.Pipe()
			require.ErrorIs(t, err, conn.ErrViewTaken)

			p1, err := server.Pipe()
			require.NoError(t, err)
			p2, err := server.Pipe()
			require.NoError(t, err)
			require.True(t, p1 == p2, "the same Pipe view twice")
			_, err = server.Stream()
			require.ErrorIs(t, err, conn.ErrViewTaken)

			if strings.HasPrefix(s.name, "socket") { // netpoll exposes its own connection type
				_, ok := conn.Get[*net.TCPConn](client.Properties())
				require.True(t, ok, "the socket's property passes every layer")
			}
			require.NoError(t, client.Close())
			require.NoError(t, server.Close())
		})
	}
}
