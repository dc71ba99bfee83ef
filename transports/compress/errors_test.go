package compress_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/compress"
)

// rawPeer connects a raw client (no layer) to a server compressed with
// alg, and returns their streams.
func rawPeer(t *testing.T, alg compress.Algorithm) (raw, server net.Conn) {
	t.Helper()
	client, srv := connect(t, nil, []conn.Layer{compress.Layer(compress.Config{Algorithm: alg})})
	return streams(t, client, srv)
}

// readErr reads s until an error, bounded by Wait, and returns what it
// read and the error.
func readErr(t *testing.T, s net.Conn) ([]byte, error) {
	t.Helper()
	var got bytes.Buffer
	var err error
	testkit.RequireDone(t, testkit.Async(func() {
		buf := make([]byte, 4096)
		for {
			var n int
			n, err = s.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}))
	return got.Bytes(), err
}

// requireCompressError checks that err is the layer's own error for alg.
func requireCompressError(t *testing.T, alg compress.Algorithm, err error) *compress.Error {
	t.Helper()
	var ce *compress.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, alg, ce.Algorithm)
	assert.Equal(t, "read", ce.Op)
	assert.True(t, strings.HasPrefix(err.Error(), "compress: "+alg.String()+": read: "), err.Error())
	assert.NotErrorIs(t, err, io.EOF)
	return ce
}

// Junk below the layer is an error from Read at once: the raw peer keeps
// its connection open, so no end of stream helps.
func TestCorruptHeader(t *testing.T) {
	wants := map[compress.Algorithm]error{
		compress.Zstd: zstd.ErrMagicMismatch,
		compress.S2:   s2.ErrCorrupt,
		compress.Gzip: gzip.ErrHeader,
	}
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			raw, s := rawPeer(t, alg)
			_, err := raw.Write([]byte("GARBAGE: this is not a compressed stream at all\n"))
			require.NoError(t, err)
			got, err := readErr(t, s)
			assert.Empty(t, got)
			requireCompressError(t, alg, err)
			assert.ErrorIs(t, err, wants[alg])

			_, again := s.Read(make([]byte, 10))
			assert.Equal(t, err, again, "the error is final")
		})
	}
}

// A valid start followed by junk: the valid part arrives, then an error.
func TestCorruptMiddle(t *testing.T) {
	msg := []byte(strings.Repeat("valid data before the junk. ", 100))
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			raw, s := rawPeer(t, alg)
			full := encode(t, alg, msg)
			// Keep the header, then damage everything after it.
			bad := bytes.Clone(full)
			for i := 20; i < len(bad); i++ {
				bad[i] ^= 0x5a
			}
			_, err := raw.Write(bad)
			require.NoError(t, err)
			halfClose(t, raw) // a decoder waiting for a long block ends
			got, err := readErr(t, s)
			requireCompressError(t, alg, err)
			assert.True(t, bytes.HasPrefix(msg, got), "whatever was delivered is a prefix of the message")
			if alg == compress.Gzip {
				var corrupt flate.CorruptInputError
				if !errors.As(err, &corrupt) {
					assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
				}
			}
		})
	}
}

// A stream cut inside a block is an error, not a clean end.
func TestTruncated(t *testing.T) {
	msg := testkit.RandomBytes(20_000, 3) // one block, whatever the algorithm
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			raw, s := rawPeer(t, alg)
			full := encode(t, alg, msg)
			_, err := raw.Write(full[:len(full)/2])
			require.NoError(t, err)
			halfClose(t, raw)
			got, err := readErr(t, s)
			ce := requireCompressError(t, alg, err)
			t.Logf("%d bytes, then %v (%T)", len(got), err, ce.Err)
			assert.True(t, bytes.HasPrefix(msg, got))
			assert.Less(t, len(got), len(msg))
		})
	}
}

// The whole stream sent by a raw peer with the library itself decodes: the
// wire format is the algorithm's standard one.
func TestInteroperates(t *testing.T) {
	msg := compressible(300 << 10)
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			raw, s := rawPeer(t, alg)
			wrote := testkit.Async(func() {
				raw.Write(encode(t, alg, msg))
				halfClose(t, raw)
			})
			got, err := readAll(t, s)
			testkit.RequireDone(t, wrote)
			require.NoError(t, err)
			require.True(t, bytes.Equal(msg, got))
		})
	}
}

func TestCloseWriteThenClose(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			client, server := compressed(t, compress.Config{Algorithm: alg})
			c, s := streams(t, client, server)
			_, err := c.Write([]byte("hello"))
			require.NoError(t, err)
			halfClose(t, c)
			halfClose(t, c) // a second CloseWrite does nothing
			_, err = c.Write([]byte("more"))
			assert.ErrorIs(t, err, io.ErrClosedPipe)

			got, err := readAll(t, s)
			require.NoError(t, err, "the server reads everything, then io.EOF")
			assert.Equal(t, "hello", string(got))
			n, err := s.Read(make([]byte, 1))
			assert.Zero(t, n)
			assert.Equal(t, io.EOF, err, "io.EOF itself, and again")

			// The other direction still works.
			_, err = s.Write([]byte("goodbye"))
			require.NoError(t, err)
			require.NoError(t, s.Close())
			got, err = readAll(t, c)
			require.NoError(t, err)
			assert.Equal(t, "goodbye", string(got))

			require.NoError(t, c.Close())
			assert.ErrorIs(t, c.Close(), net.ErrClosed)
			_, err = c.Read(make([]byte, 1))
			assert.ErrorIs(t, err, net.ErrClosed)
			_, err = c.Write([]byte("x"))
			assert.ErrorIs(t, err, net.ErrClosed)
		})
	}
}

func TestCloseEndsTheStream(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			client, server := compressed(t, compress.Config{Algorithm: alg})
			c, s := streams(t, client, server)
			data := compressible(100 << 10)
			wrote := testkit.Async(func() {
				c.Write(data)
				require.NoError(t, client.Close())
			})
			got, err := readAll(t, s)
			testkit.RequireDone(t, wrote)
			require.NoError(t, err)
			require.True(t, bytes.Equal(data, got))
		})
	}
}

// A connection closed before any Write sends nothing: the peer reads
// io.EOF at once, and nothing was compressed.
func TestCloseUnused(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			client, server := compressed(t, compress.Config{Algorithm: alg})
			c, s := streams(t, client, server)
			require.NoError(t, c.Close())
			got, err := readAll(t, s)
			require.NoError(t, err)
			assert.Empty(t, got)
			stats, _ := conn.Get[*compress.Stats](server.Properties())
			read, _ := stats.Compressed()
			assert.Zero(t, read)
		})
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	client, server := compressed(t, compress.Config{})
	c, _ := streams(t, client, server)
	var err error
	done := testkit.Async(func() { _, err = c.Read(make([]byte, 10)) })
	testkit.RequireBlocked(t, done)
	require.NoError(t, c.Close())
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, err, net.ErrClosed)
}

// A Write the peer does not read blocks (the transport's backpressure);
// Close from another goroutine interrupts it instead of waiting.
func TestCloseUnblocksWrite(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			client, server := compressed(t, compress.Config{Algorithm: alg})
			c, _ := streams(t, client, server)
			var err error
			done := testkit.Async(func() { _, err = c.Write(testkit.RandomBytes(4<<20, 4)) })
			testkit.RequireBlocked(t, done)
			testkit.RequireDone(t, testkit.Async(func() { c.Close() }))
			testkit.RequireDone(t, done)
			assert.ErrorIs(t, err, net.ErrClosed)
		})
	}
}

func TestAbortReachesThePeer(t *testing.T) {
	cause := errors.New("gave up")
	client, server := compressed(t, compress.Config{Algorithm: compress.S2})
	c, s := streams(t, client, server)
	_, err := c.Write([]byte("partial"))
	require.NoError(t, err)
	client.Abort(cause)
	got, err := readErr(t, s)
	assert.ErrorIs(t, err, cause, "the peer sees the abort, not a clean end")
	assert.NotErrorIs(t, err, io.EOF)
	var ce *compress.Error
	assert.False(t, errors.As(err, &ce), "the transport's error passes as it is")
	assert.LessOrEqual(t, len(got), len("partial"))
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed)
}

// Deadlines are the lower connection's: an expired one fails Read with a
// timeout, as the transport reports it, and ends reading.
func TestReadDeadline(t *testing.T) {
	client, server := compressed(t, compress.Config{})
	c, s := streams(t, client, server)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	var timeout error
	testkit.RequireDone(t, testkit.Async(func() { _, timeout = c.Read(make([]byte, 10)) }))
	require.ErrorIs(t, timeout, os.ErrDeadlineExceeded)
	var ne net.Error
	require.ErrorAs(t, timeout, &ne)
	assert.True(t, ne.Timeout())

	require.NoError(t, c.SetReadDeadline(time.Time{}))
	_, err := s.Write([]byte("late"))
	require.NoError(t, err)
	_, again := c.Read(make([]byte, 10))
	assert.Equal(t, timeout, again, "a deadline ends reading")
}

func TestWriteDeadline(t *testing.T) {
	client, server := compressed(t, compress.Config{Algorithm: compress.Gzip})
	c, _ := streams(t, client, server)
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(20*time.Millisecond)))
	var err error
	testkit.RequireDone(t, testkit.Async(func() { _, err = c.Write(testkit.RandomBytes(4<<20, 5)) }))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "nobody reads: the deadline stops the Write")
	_, again := c.Write([]byte("x"))
	assert.Equal(t, err, again, "a failed Write ends writing")
}
