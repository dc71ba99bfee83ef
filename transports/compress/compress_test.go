package compress_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/compress"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEchoStream(t *testing.T) {
	size := bulkSize()
	for _, alg := range algorithms {
		for _, data := range []struct {
			name  string
			bytes []byte
		}{{"compressible", compressible(size)}, {"random", testkit.RandomBytes(size, 1)}} {
			t.Run(alg.String()+"/"+data.name, func(t *testing.T) {
				t.Parallel()
				client, server := compressed(t, compress.Config{Algorithm: alg})
				c, s := streams(t, client, server)
				served := testkit.Async(func() {
					io.Copy(s, s)
					s.Close()
				})
				var written error
				wrote := testkit.Async(func() {
					_, written = c.Write(data.bytes) // one big Write
					halfClose(t, c)
				})
				got, err := readAll(t, c)
				require.NoError(t, err)
				testkit.RequireDone(t, wrote)
				testkit.RequireDone(t, served)
				require.NoError(t, written)
				require.Equal(t, len(data.bytes), len(got))
				require.True(t, bytes.Equal(data.bytes, got), "the echo differs")
			})
		}
	}
}

func TestEchoPipe(t *testing.T) {
	size := bulkSize()
	for _, alg := range algorithms {
		for _, data := range []struct {
			name  string
			bytes []byte
		}{{"compressible", compressible(size)}, {"random", testkit.RandomBytes(size, 2)}} {
			t.Run(alg.String()+"/"+data.name, func(t *testing.T) {
				t.Parallel()
				ctx := testkit.Context(t)
				client, server := compressed(t, compress.Config{Algorithm: alg})
				sp, err := server.Pipe()
				require.NoError(t, err)
				served := testkit.Async(func() {
					in, out := sp.Input(), sp.Output()
					for {
						res, err := in.Read(ctx)
						if err != nil {
							server.Abort(err)
							return
						}
						res.Buffer.WriteTo(out)
						in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
						if _, err := out.Flush(ctx); err != nil {
							server.Abort(err)
							return
						}
						if res.Completed {
							server.Close()
							return
						}
					}
				})
				cp, err := client.Pipe()
				require.NoError(t, err)
				var written error
				wrote := testkit.Async(func() {
					out := cp.Output()
					for rest := data.bytes; len(rest) > 0 && written == nil; {
						n := min(len(rest), 100_000)
						out.Write(rest[:n])
						_, written = out.Flush(ctx)
						rest = rest[n:]
					}
					out.Complete(nil) // half-closes
				})
				got := make([]byte, 0, len(data.bytes))
				in := cp.Input()
				for {
					res, err := in.Read(ctx)
					require.NoError(t, err)
					for part := range res.Buffer.All() {
						got = append(got, part...)
					}
					in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
					if res.Completed {
						break
					}
				}
				testkit.RequireDone(t, wrote)
				testkit.RequireDone(t, served)
				require.NoError(t, written)
				require.NoError(t, client.Close(), "nothing left to flush")
				require.Equal(t, len(data.bytes), len(got))
				require.True(t, bytes.Equal(data.bytes, got), "the echo differs")
			})
		}
	}
}

// Every Write reaches the peer before it returns: small requests and
// responses in lockstep never wait on a compressor's buffer.
func TestPingPong(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			t.Parallel()
			ctx := testkit.Context(t)
			client, server := compressed(t, compress.Config{Algorithm: alg})
			c, s := streams(t, client, server)
			var serveErr error
			served := testkit.Async(func() {
				req := make([]byte, 8)
				for {
					if _, serveErr = io.ReadFull(s, req); serveErr != nil {
						return
					}
					if _, serveErr = fmt.Fprintf(s, "pong%s", req[4:]); serveErr != nil {
						return
					}
				}
			})
			within(t, ctx, func() {
				resp := make([]byte, 8)
				for i := range 100 {
					if _, err := fmt.Fprintf(c, "ping%04d", i); !assert.NoError(t, err) {
						return
					}
					if _, err := io.ReadFull(c, resp); !assert.NoError(t, err) {
						return
					}
					if !assert.Equal(t, fmt.Sprintf("pong%04d", i), string(resp)) {
						return
					}
				}
			})
			require.NoError(t, c.Close())
			testkit.RequireDone(t, served)
			assert.ErrorIs(t, serveErr, io.EOF, "the server read the end, and no other error")
		})
	}
}

func TestStats(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			client, server := compressed(t, compress.Config{Algorithm: alg})
			cs, ok := conn.Get[*compress.Stats](client.Properties())
			require.True(t, ok, "the client exposes *compress.Stats")
			ss, ok := conn.Get[*compress.Stats](server.Properties())
			require.True(t, ok, "the server exposes *compress.Stats")
			assert.Equal(t, alg, cs.Algorithm())
			assert.Equal(t, alg, ss.Algorithm())
			c, s := streams(t, client, server)

			read, written := cs.Raw()
			assert.Zero(t, read+written)
			read, written = cs.Compressed()
			assert.Zero(t, read+written)

			const size = 1 << 20
			var got []byte
			var readErr error
			received := testkit.Async(func() { got, readErr = io.ReadAll(s) })
			n, err := c.Write(make([]byte, size))
			require.NoError(t, err)
			require.Equal(t, size, n)
			_, written = cs.Compressed()
			assert.Positive(t, written, "the Write was flushed, and the count is live")
			halfClose(t, c)
			testkit.RequireDone(t, received)
			require.NoError(t, readErr)
			require.Len(t, got, size)

			rawRead, rawWritten := cs.Raw()
			compRead, compWritten := cs.Compressed()
			assert.Equal(t, int64(size), rawWritten)
			assert.Less(t, compWritten, rawWritten/10, "zeros compress more than tenfold")
			assert.Zero(t, rawRead)
			assert.Zero(t, compRead)

			peerRawRead, peerRawWritten := ss.Raw()
			peerCompRead, peerCompWritten := ss.Compressed()
			assert.Equal(t, rawWritten, peerRawRead, "the server read what the client wrote")
			assert.Equal(t, compWritten, peerCompRead, "including the end of the stream")
			assert.Zero(t, peerRawWritten)
			assert.Zero(t, peerCompWritten)
		})
	}
}

// Two layers of compression over each other, and over a different
// algorithm, still echo; the upper Stats hide the lower ones, and the
// transport's properties pass through both.
func TestStacking(t *testing.T) {
	type marker struct{ name string }
	for _, pair := range [][2]compress.Algorithm{{compress.Zstd, compress.Zstd}, {compress.S2, compress.Gzip}, {compress.Gzip, compress.Zstd}} {
		t.Run(pair[0].String()+"+"+pair[1].String(), func(t *testing.T) {
			layers := []conn.Layer{
				compress.Layer(compress.Config{Algorithm: pair[0]}),
				compress.Layer(compress.Config{Algorithm: pair[1], Level: 1}),
			}
			client, server := connectProps(t, layers, layers, conn.With(conn.Properties{}, marker{"mine"}))
			m, ok := conn.Get[marker](client.Properties())
			require.True(t, ok)
			assert.Equal(t, "mine", m.name)
			stats, ok := conn.Get[*compress.Stats](client.Properties())
			require.True(t, ok)
			assert.Equal(t, pair[1], stats.Algorithm(), "the upper layer's Stats")

			c, s := streams(t, client, server)
			served := testkit.Async(func() {
				io.Copy(s, s)
				s.Close()
			})
			data := compressible(256 << 10)
			wrote := testkit.Async(func() {
				for rest := data; len(rest) > 0; rest = rest[min(len(rest), 1000):] {
					if _, err := c.Write(rest[:min(len(rest), 1000)]); err != nil {
						break
					}
				}
				halfClose(t, c)
			})
			got, err := readAll(t, c)
			require.NoError(t, err)
			testkit.RequireDone(t, wrote)
			testkit.RequireDone(t, served)
			require.True(t, bytes.Equal(data, got), "the echo differs")
			_, written := stats.Raw()
			assert.Equal(t, int64(len(data)), written)
		})
	}
}

func TestLevels(t *testing.T) {
	data := compressible(200 << 10)
	for _, cfg := range []compress.Config{
		{Algorithm: compress.Zstd, Level: 1}, {Algorithm: compress.Zstd, Level: 22},
		{Algorithm: compress.S2, Level: 2}, {Algorithm: compress.S2, Level: 3},
		{Algorithm: compress.Gzip, Level: -2}, {Algorithm: compress.Gzip, Level: 9},
	} {
		t.Run(fmt.Sprintf("%v/%d", cfg.Algorithm, cfg.Level), func(t *testing.T) {
			// Each side picks its level: the client's differs.
			client, server := connect(t,
				[]conn.Layer{compress.Layer(compress.Config{Algorithm: cfg.Algorithm})},
				[]conn.Layer{compress.Layer(cfg)})
			c, s := streams(t, client, server)
			wrote := testkit.Async(func() {
				s.Write(data)
				s.Close()
			})
			got, err := readAll(t, c)
			require.NoError(t, err)
			testkit.RequireDone(t, wrote)
			require.True(t, bytes.Equal(data, got))
		})
	}
}

func TestConfig(t *testing.T) {
	assert.Equal(t, "zstd", compress.Zstd.String())
	assert.Equal(t, "s2", compress.S2.String())
	assert.Equal(t, "gzip", compress.Gzip.String())
	assert.Equal(t, "Algorithm(7)", compress.Algorithm(7).String())
	assert.Equal(t, compress.Zstd, compress.Config{}.Algorithm, "the zero Config is zstd")

	for _, bad := range []compress.Config{
		{Algorithm: 7},
		{Algorithm: compress.Zstd, Level: 23}, {Algorithm: compress.Zstd, Level: -1},
		{Algorithm: compress.S2, Level: 4}, {Algorithm: compress.S2, Level: -1},
		{Algorithm: compress.Gzip, Level: 10}, {Algorithm: compress.Gzip, Level: -3},
	} {
		assert.Panics(t, func() { compress.Layer(bad) }, "%+v", bad)
	}
	assert.NotPanics(t, func() { compress.Layer(compress.Config{Algorithm: compress.Gzip, Level: -1}) })
}

// One Layer recycles the encoders and decoders of closed connections,
// including those a failure left in an error state: later connections
// start clean streams.
func TestReuse(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			layer := []conn.Layer{compress.Layer(compress.Config{Algorithm: alg})}
			for i := range 12 {
				if i%4 == 3 {
					// A raw client breaks the server's decoder.
					client, server := connect(t, nil, layer)
					c, s := streams(t, client, server)
					c.Write([]byte("junk, not a compressed stream"))
					_, err := s.Read(make([]byte, 10))
					var ce *compress.Error
					require.ErrorAs(t, err, &ce)
					s.Write([]byte("the server's encoder is in use"))
					server.Close()
					client.Close()
					continue
				}
				client, server := connect(t, layer, layer)
				c, s := streams(t, client, server)
				msg := fmt.Appendf(nil, "message %d: %s", i, compressible(1000+i))
				wrote := testkit.Async(func() {
					c.Write(msg)
					client.Close()
				})
				got, err := readAll(t, s)
				require.NoError(t, err)
				testkit.RequireDone(t, wrote)
				require.Equal(t, string(msg), string(got))
				require.NoError(t, server.Close())
			}
		})
	}
}
