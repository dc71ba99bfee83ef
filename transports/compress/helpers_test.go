package compress_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/compress"
	"github.com/f2bac256/bedrock/transports/memory"
)

var algorithms = []compress.Algorithm{compress.Zstd, compress.S2, compress.Gzip}

// bulkSize is the size of the echo tests: 10 MB, 1 MB with -short or
// -race.
func bulkSize() int {
	if testing.Short() || testkit.RaceEnabled {
		return 1 << 20
	}
	return 10 << 20
}

// compressible returns n bytes of text that compresses well but not
// trivially.
func compressible(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d: the quick brown fox jumps over the lazy dog %x\n", i, i*i)
	}
	return b.Bytes()[:n]
}

// connect binds a listener on a fresh memory transport wrapped by
// serverLayers, connects to it through clientLayers and returns both ends,
// closed at tb's cleanup.
func connect(tb testing.TB, clientLayers, serverLayers []conn.Layer) (client, server conn.Connection) {
	tb.Helper()
	return connectProps(tb, clientLayers, serverLayers, conn.Properties{})
}

func connectProps(tb testing.TB, clientLayers, serverLayers []conn.Layer, props conn.Properties) (client, server conn.Connection) {
	tb.Helper()
	ctx := testkit.Context(tb)
	mf := &memory.Factory{}
	l, err := conn.Chain(mf, serverLayers...).Bind(ctx, memory.Addr("server"), conn.Properties{})
	require.NoError(tb, err)
	tb.Cleanup(func() { l.Close() })
	client, err = conn.Chain(mf, clientLayers...).Connect(ctx, l.Addr(), props)
	require.NoError(tb, err)
	tb.Cleanup(func() { client.Close() })
	server, err = l.Accept(ctx)
	require.NoError(tb, err)
	tb.Cleanup(func() { server.Close() })
	return client, server
}

// compressed connects two ends both compressed with cfg.
func compressed(tb testing.TB, cfg compress.Config) (client, server conn.Connection) {
	tb.Helper()
	layer := []conn.Layer{compress.Layer(cfg)}
	return connect(tb, layer, layer)
}

// streams returns the Stream views of both ends, with deadlines bounding
// the test.
func streams(tb testing.TB, client, server conn.Connection) (c, s net.Conn) {
	tb.Helper()
	c, err := client.Stream()
	require.NoError(tb, err)
	s, err = server.Stream()
	require.NoError(tb, err)
	testkit.SetDeadlines(tb, testkit.Wait, c, s)
	return c, s
}

// encode compresses msg with the library directly, as a peer without the
// layer would, in the layer's format (S2 blocks of 64 KiB at most).
func encode(tb testing.TB, alg compress.Algorithm, msg []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch alg {
	case compress.Zstd:
		enc, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		require.NoError(tb, err)
		w = enc
	case compress.S2:
		w = s2.NewWriter(&buf, s2.WriterConcurrency(1), s2.WriterBlockSize(64<<10))
	case compress.Gzip:
		w = gzip.NewWriter(&buf)
	}
	_, err := w.Write(msg)
	require.NoError(tb, err)
	require.NoError(tb, w.Close())
	return buf.Bytes()
}

// readAll reads r to its end, bounded by Wait.
func readAll(tb testing.TB, r io.Reader) ([]byte, error) {
	tb.Helper()
	var got []byte
	var err error
	testkit.RequireDone(tb, testkit.Async(func() { got, err = io.ReadAll(r) }))
	return got, err
}

// halfClose half-closes c, which must be able to.
func halfClose(tb testing.TB, c net.Conn) {
	tb.Helper()
	hc, ok := c.(interface{ CloseWrite() error })
	require.True(tb, ok, "%T has no CloseWrite", c)
	require.NoError(tb, hc.CloseWrite())
}

// within runs f on its own goroutine and fails tb unless it returns before
// ctx is done.
func within(tb testing.TB, ctx context.Context, f func()) {
	tb.Helper()
	select {
	case <-testkit.Async(f):
	case <-ctx.Done():
		tb.Fatal("timed out: deadlock?")
	}
}
