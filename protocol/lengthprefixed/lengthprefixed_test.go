package lengthprefixed_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/lengthprefixed"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

var allHeaders = []lengthprefixed.Header{
	lengthprefixed.Uint8, lengthprefixed.Uint16BE, lengthprefixed.Uint16LE,
	lengthprefixed.Uint32BE, lengthprefixed.Uint32LE, lengthprefixed.Uint64BE,
	lengthprefixed.Uint64LE, lengthprefixed.Uvarint,
}

// headerSize is the size of a fixed header, 0 for Uvarint.
func headerSize(h lengthprefixed.Header) int {
	switch h {
	case lengthprefixed.Uint8:
		return 1
	case lengthprefixed.Uint16BE, lengthprefixed.Uint16LE:
		return 2
	case lengthprefixed.Uint32BE, lengthprefixed.Uint32LE:
		return 4
	case lengthprefixed.Uint64BE, lengthprefixed.Uint64LE:
		return 8
	}
	return 0
}

// appendHeader is the reference encoder of a declared length, independent
// of the codec.
func appendHeader(b []byte, h lengthprefixed.Header, d uint64) []byte {
	switch h {
	case lengthprefixed.Uint8:
		return append(b, byte(d))
	case lengthprefixed.Uint16BE:
		return binary.BigEndian.AppendUint16(b, uint16(d))
	case lengthprefixed.Uint16LE:
		return binary.LittleEndian.AppendUint16(b, uint16(d))
	case lengthprefixed.Uint32BE:
		return binary.BigEndian.AppendUint32(b, uint32(d))
	case lengthprefixed.Uint32LE:
		return binary.LittleEndian.AppendUint32(b, uint32(d))
	case lengthprefixed.Uint64BE:
		return binary.BigEndian.AppendUint64(b, d)
	case lengthprefixed.Uint64LE:
		return binary.LittleEndian.AppendUint64(b, d)
	}
	return binary.AppendUvarint(b, d)
}

// encode frames bodies by hand, the way the codec c should.
func encode(c lengthprefixed.Codec, bodies ...[]byte) []byte {
	var b []byte
	for _, body := range bodies {
		b = appendHeader(b, c.Header, uint64(int64(len(body))-c.Adjust))
		b = append(b, body...)
	}
	return b
}

// randomBodies returns n bodies that c can frame.
func randomBodies(rng *rand.Rand, c lengthprefixed.Codec, n int) [][]byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		for {
			b := testkit.RandomData(rng, 300)
			if d := int64(len(b)) - c.Adjust; d >= 0 && d <= c.Header.MaxLength() {
				bodies[i] = b
				break
			}
		}
	}
	return bodies
}

// codecs returns the codecs under test: each header, with and without an
// adjustment counting the header.
func codecs() []lengthprefixed.Codec {
	var cs []lengthprefixed.Codec
	for _, h := range allHeaders {
		cs = append(cs, lengthprefixed.Codec{Header: h})
		if n := headerSize(h); n > 0 {
			cs = append(cs, lengthprefixed.Codec{Header: h, Adjust: -int64(n)})
		}
		cs = append(cs, lengthprefixed.Codec{Header: h, Adjust: 3})
	}
	return cs
}

func name(c lengthprefixed.Codec) string { return fmt.Sprintf("%v%+d", c.Header, c.Adjust) }

// readAll reads every message with a protocol.Reader until an error, and
// returns copies of the bodies and that error (nil for io.EOF).
func readAll(t *testing.T, in pipe.Reader, c lengthprefixed.Codec) ([][]byte, error) {
	r := protocol.NewReader[pipe.Sequence](in, c, protocol.ReaderOptions{})
	ctx := testkit.Context(t)
	var got [][]byte
	for {
		body, err := r.Read(ctx)
		if err != nil {
			in.Complete(nil)
			if err == io.EOF {
				err = nil
			}
			return got, err
		}
		got = append(got, body.Bytes())
		r.Advance()
	}
}

// parseAll parses s with c directly, checking the positions, and returns
// the bodies and the error ending the parse (nil when s is consumed,
// protocol.ErrIncomplete when it ends inside a message).
func parseAll(t *testing.T, c lengthprefixed.Codec, s pipe.Sequence) ([]string, error) {
	var got []string
	for !s.IsEmpty() {
		body, consumed, examined, err := c.Parse(s)
		require.LessOrEqual(t, s.Offset(consumed), s.Offset(examined))
		require.LessOrEqual(t, s.Offset(examined), s.Len())
		if err != nil {
			if errors.Is(err, protocol.ErrIncomplete) {
				require.Equal(t, s.Len(), s.Offset(examined))
			}
			return got, err
		}
		require.Positive(t, s.Offset(consumed))
		got = append(got, body.String())
		s = s.SliceFrom(consumed)
	}
	return got, nil
}

func TestReadFromPipe(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range codecs() {
		t.Run(name(c), func(t *testing.T) {
			for range 20 {
				bodies := randomBodies(rng, c, 1+rng.IntN(30))
				got, err := readAll(t, codectest.Feed(t, rng, encode(c, bodies...)), c)
				require.NoError(t, err)
				require.Equal(t, bodies, fixNil(got, bodies))
			}
		})
	}
}

// fixNil makes empty bodies of got match those of want (nil or empty).
func fixNil(got, want [][]byte) [][]byte {
	for i := range got {
		if i < len(want) && len(got[i]) == 0 && len(want[i]) == 0 {
			got[i] = want[i]
		}
	}
	return got
}

// countingReader counts the Reads of a pipe.Reader.
type countingReader struct {
	pipe.Reader
	reads int
}

func (r *countingReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	r.reads++
	return r.Reader.Read(ctx)
}

func TestManyMessagesOneRead(t *testing.T) {
	c := lengthprefixed.Codec{Header: lengthprefixed.Uint32BE, Adjust: -4}
	bodies := randomBodies(rand.New(rand.NewPCG(3, 4)), c, 200)
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := p.Writer()
	w.Write(encode(c, bodies...))
	w.Complete(nil)
	in := &countingReader{Reader: p.Reader()}
	got, err := readAll(t, in, c)
	require.NoError(t, err)
	require.Equal(t, bodies, fixNil(got, bodies))
	assert.Equal(t, 1, in.reads, "every message parsed from the one buffer")
}

func TestSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range codecs() {
		t.Run(name(c), func(t *testing.T) {
			for i := range 50 {
				data := encode(c, randomBodies(rng, c, 1+rng.IntN(10))...)
				if i%3 == 1 {
					data = data[:rng.IntN(len(data))] // truncated
				} else if i%3 == 2 {
					data = append(data, testkit.RandomData(rng, 20)...) // trailing junk
				}
				want, wantErr := parseAll(t, c, pipe.SequenceOf(data))
				for range 5 {
					parts := testkit.RandomParts(rng, data, 12)
					for j, p := range parts {
						parts[j] = testkit.Guard(p, 3)
					}
					got, err := parseAll(t, c, pipe.SequenceOf(parts...))
					require.Equal(t, want, got)
					if wantErr == nil {
						require.NoError(t, err)
					} else {
						require.EqualError(t, err, wantErr.Error())
					}
				}
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range codecs() {
		t.Run(name(c), func(t *testing.T) {
			bodies := randomBodies(rng, c, 3)
			bodies[2] = []byte("last body") // never empty: cut it
			whole := encode(c, bodies...)
			start := len(encode(c, bodies[:2]...))
			for _, cut := range []int{start + 1, len(whole) - 1} {
				got, err := readAll(t, codectest.Feed(t, rng, whole[:cut]), c)
				require.Equal(t, bodies[:2], fixNil(got, bodies))
				var pe *protocol.ParseError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, int64(start), pe.Offset)
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ok := []byte("ok")
	overlong := []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}
	tests := []struct {
		name  string
		codec lengthprefixed.Codec
		bad   []byte
		want  error
	}{
		{"negative", lengthprefixed.Codec{Header: lengthprefixed.Uint32BE, Adjust: -4}, []byte{0, 0, 0, 3}, lengthprefixed.ErrBadLength},
		{"negative uint8", lengthprefixed.Codec{Header: lengthprefixed.Uint8, Adjust: -1}, []byte{0}, lengthprefixed.ErrBadLength},
		{"overlong uvarint", lengthprefixed.Codec{Header: lengthprefixed.Uvarint}, overlong, reader.ErrOverflow},
		{"too large", lengthprefixed.Codec{Header: lengthprefixed.Uint16LE, MaxLength: 100}, []byte{101, 0}, protocol.ErrMessageTooLarge},
		{"too large uint64", lengthprefixed.Codec{Header: lengthprefixed.Uint64BE}, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}, protocol.ErrMessageTooLarge},
		{"too large adjusted", lengthprefixed.Codec{Header: lengthprefixed.Uint64BE, Adjust: 1, MaxLength: -1}, binary.BigEndian.AppendUint64(nil, math.MaxInt64), protocol.ErrMessageTooLarge},
		{"default limit", lengthprefixed.Codec{Header: lengthprefixed.Uint32LE}, binary.LittleEndian.AppendUint32(nil, protocol.DefaultMaxMessageSize+1), protocol.ErrMessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := encode(tt.codec, ok, ok)
			got, err := readAll(t, codectest.Feed(t, rng, append(append(good, tt.bad...), 1, 2, 3)), tt.codec)
			require.Equal(t, [][]byte{ok, ok}, got)
			var pe *protocol.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, int64(len(good)), pe.Offset)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// A header declaring too large a body fails at once: the body is never
// waited for.
func TestTooLargeBeforeBody(t *testing.T) {
	c := lengthprefixed.Codec{Header: lengthprefixed.Uint32BE, MaxLength: 1 << 10}
	p := pipe.New(pipe.Options{})
	w := p.Writer()
	w.Write(binary.BigEndian.AppendUint32(nil, 1<<20))
	_, err := w.Flush(testkit.Context(t))
	require.NoError(t, err)
	r := protocol.NewReader[pipe.Sequence](p.Reader(), c, protocol.ReaderOptions{MaxMessageSize: -1})
	_, err = r.Read(testkit.Context(t))
	require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
	var pe *protocol.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Zero(t, pe.Offset)
}

// A negative MaxLength means no limit of the codec's own.
func TestNoLimit(t *testing.T) {
	c := lengthprefixed.Codec{Header: lengthprefixed.Uvarint, MaxLength: -1}
	body := make([]byte, protocol.DefaultMaxMessageSize+10)
	s := pipe.SequenceOf(encode(c, body))
	got, consumed, _, err := c.Parse(s)
	require.NoError(t, err)
	assert.Equal(t, int64(len(body)), got.Len())
	assert.Equal(t, s.End(), consumed)
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range codecs() {
		t.Run(name(c), func(t *testing.T) {
			bodies := randomBodies(rng, c, 100)
			p := pipe.New(pipe.Options{})
			done := testkit.Async(func() {
				w := protocol.NewWriter[[]byte](p.Writer(), c)
				ctx := testkit.Context(t)
				for i := 0; i < len(bodies); {
					n := min(1+rng.IntN(5), len(bodies)-i)
					if n == 1 {
						assert.NoError(t, w.Write(ctx, bodies[i]))
					} else {
						assert.NoError(t, w.WriteMany(ctx, bodies[i:i+n]...))
					}
					i += n
				}
				p.Writer().Complete(nil)
			})
			got, err := readAll(t, p.Reader(), c)
			testkit.RequireDone(t, done)
			require.NoError(t, err)
			require.Equal(t, bodies, fixNil(got, bodies))
		})
	}
}

// What WriteMessage writes is what the reference encoder writes.
func TestWriteMessageBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, c := range codecs() {
		bodies := randomBodies(rng, c, 10)
		p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
		cur := writer.NewCursor(p.Writer())
		for _, b := range bodies {
			require.NoError(t, c.WriteMessage(b, &cur))
		}
		cur.Commit()
		p.Writer().Complete(nil)
		res, err := p.Reader().Read(testkit.Context(t))
		require.NoError(t, err)
		assert.Equal(t, encode(c, bodies...), res.Buffer.Bytes(), name(c))
		p.Reader().Complete(nil)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name  string
		codec lengthprefixed.Codec
		body  int
		want  error
	}{
		{"uint8 overflow", lengthprefixed.Codec{Header: lengthprefixed.Uint8}, 256, lengthprefixed.ErrBadLength},
		{"uint16 overflow", lengthprefixed.Codec{Header: lengthprefixed.Uint16BE, Adjust: -2}, 65534, lengthprefixed.ErrBadLength},
		{"negative", lengthprefixed.Codec{Header: lengthprefixed.Uint32LE, Adjust: 5}, 4, lengthprefixed.ErrBadLength},
		{"adjust overflow", lengthprefixed.Codec{Header: lengthprefixed.Uvarint, Adjust: math.MinInt64}, 1, lengthprefixed.ErrBadLength},
		{"over MaxLength", lengthprefixed.Codec{Header: lengthprefixed.Uint32BE, MaxLength: 10}, 11, protocol.ErrMessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pipe.New(pipe.Options{})
			w := protocol.NewWriter[[]byte](p.Writer(), tt.codec)
			ctx := testkit.Context(t)
			require.ErrorIs(t, w.Write(ctx, make([]byte, tt.body)), tt.want)
			p.Writer().Complete(nil)
			res, err := p.Reader().Read(ctx)
			require.NoError(t, err)
			assert.True(t, res.Buffer.IsEmpty(), "nothing written for the refused body")
		})
	}
}

func TestHeader(t *testing.T) {
	assert.Equal(t, "Uint32BE", lengthprefixed.Uint32BE.String())
	assert.Equal(t, "Header(9)", lengthprefixed.Header(9).String())
	assert.Equal(t, int64(255), lengthprefixed.Uint8.MaxLength())
	assert.Equal(t, int64(math.MaxUint32), lengthprefixed.Uint32LE.MaxLength())
	assert.Equal(t, int64(math.MaxInt64), lengthprefixed.Uvarint.MaxLength())
	assert.Panics(t, func() { lengthprefixed.Header(9).MaxLength() })
	assert.Panics(t, func() { lengthprefixed.Codec{Header: 9}.Parse(pipe.SequenceOf([]byte{1})) })
}
