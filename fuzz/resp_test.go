package fuzz_test

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
	"github.com/f2bac256/bedrock/writer"
)

// FuzzRESP parses the data with a resp.Codec from one segment and from
// segments cut where the input says, checking the positions Parse returns
// and that both parses agree, feeds it in random chunks to a resp.Decoder,
// which must give what Codec.Parse gives for each buffer, writes every
// value parsed back with
// Codec.WriteMessage and parses it again, and writes values generated from
// the data with the Append functions and reads them back.
//
// The input is two control bytes followed by cut offsets and the data:
// input[0] picks Inline (bit 0), MaxDepth (bits 1-2) and MaxBulkLength
// (bits 3-4), input[1] the number of cuts (0..15), then one byte per cut,
// scaled to the data.
func FuzzRESP(f *testing.F) {
	seeds := [][]byte{
		nil,
		{0, 0},
		respSeed(0, []byte{10, 100, 200}, "+OK\r\n-ERR unknown command 'foo'\r\n:1000\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"),
		respSeed(0, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
			"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n=15\r\ntxt:Some string\r\n_\r\n#t\r\n,inf\r\n,-inf\r\n,nan\r\n,1.23\r\n(3492890328409238509324850943850943825024385\r\n!21\r\nSYNTAX invalid syntax\r\n"),
		respSeed(0, []byte{50, 150}, "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n>4\r\n+pubsub\r\n+message\r\n+somechannel\r\n+this is the message\r\n~2\r\n+a\r\n+b\r\n"),
		respSeed(1, []byte{30, 90}, "PING\r\nSET key value\nGET key\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nEXI"),
		respSeed(1<<1|1<<3, []byte{128}, "*1\r\n*1\r\n*1\r\n:1\r\n$5\r\nhello\r\n"),
		respSeed(0, nil, ":9223372036854775808\r\n"),
		respSeed(0, []byte{4}, "$3\r\nabcd\r\n"),
		// Long lines and bulks inside aggregates, which a Decoder waits for.
		respSeed(0, []byte{7, 77}, "*3\r\n+"+strings.Repeat("line ", 40)+"\r\n$100\r\n"+strings.Repeat("b", 100)+"\r\n%1\r\n~1\r\n:1\r\n*1\r\n_\r\n"),
		respSeed(1, []byte{3}, strings.Repeat("word ", 60)+"\r\nPING\r\n"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		codec, data, cuts := decodeRESPInput(input)
		want, wantErr := parseRESP(t, codec, pipe.SequenceOf(data))

		got, err := parseRESP(t, codec, codectest.Split(data, cuts))
		codectest.RequireSameOutcome(t, want, wantErr, got, err)

		respDecoderChunks(t, codec, data, cuts)

		respRoundTrip(t, data)
	})
}

// respDecoderChunks feeds data, cut where the input says, to a
// resp.Decoder as a protocol.Reader would: a buffer that grows by random
// chunks from the same start until a value is whole, then the rest after
// it. Every Parse must give what Codec.Parse gives for the same buffer:
// the same value, positions and error.
func respDecoderChunks(t *testing.T, codec resp.Codec, data []byte, cuts []int) {
	all := codectest.Split(data, cuts)
	rng := rand.New(rand.NewPCG(uint64(len(data)), uint64(len(cuts))<<32|uint64(crc32.ChecksumIEEE(data))))
	dec := resp.NewDecoder(codec)
	for start, end := int64(0), int64(0); ; {
		if rng.IntN(4) == 0 {
			end = min(end+1, all.Len()) // byte by byte, at times
		} else {
			end = min(end+1+rng.Int64N(1+all.Len()/4), all.Len())
		}
		buf := all.Slice(start, end)
		for {
			v, consumed, examined, err := dec.Parse(buf)
			wv, wconsumed, wexamined, werr := codec.Parse(buf)
			require.Equal(t, werr, err)
			require.True(t, consumed == wconsumed, "consumed at %d, Codec at %d", buf.Offset(consumed), buf.Offset(wconsumed))
			require.True(t, examined == wexamined, "examined at %d, Codec at %d", buf.Offset(examined), buf.Offset(wexamined))
			require.Equal(t, wv.String(), v.String())
			require.True(t, sameValue(wv, v), "the same Value: %+v and %+v", wv, v)
			if err != nil {
				if errors.Is(err, protocol.ErrIncomplete) && end < all.Len() {
					break // more bytes
				}
				return
			}
			start += buf.Offset(consumed)
			buf = all.Slice(start, end)
			if buf.IsEmpty() && end == all.Len() {
				return
			}
		}
	}
}

// sameValue reports whether a and b are the same value of the same
// memory: positions equal, NaN equal to NaN.
func sameValue(a, b resp.Value) bool {
	return a.Kind == b.Kind && a.Null == b.Null && a.Int == b.Int && a.Len == b.Len &&
		math.Float64bits(a.Float) == math.Float64bits(b.Float) && a.Data == b.Data
}

// respSeed encodes an input for FuzzRESP.
func respSeed(codec byte, cuts []byte, data string) []byte {
	b := append([]byte{codec, byte(len(cuts))}, cuts...)
	return append(b, data...)
}

// decodeRESPInput returns the codec, the data and the sorted cut offsets
// an input describes.
func decodeRESPInput(input []byte) (resp.Codec, []byte, []int) {
	var ctl [2]byte
	n := copy(ctl[:], input)
	input = input[n:]
	codec := resp.Codec{
		Inline:        ctl[0]&1 != 0,
		MaxDepth:      [...]int{0, 1, 3, 8}[ctl[0]>>1&3],
		MaxBulkLength: [...]int64{0, 4, 64, 1 << 20}[ctl[0]>>3&3],
	}
	data, cuts := codectest.SplitInput(input, int(ctl[1]%16))
	return codec, data, cuts
}

// parseRESP parses s with the position checks of codectest.ParseAll,
// checks that every value written back with WriteMessage parses again the
// same, and returns the values rendered.
func parseRESP(t *testing.T, c resp.Codec, s pipe.Sequence) ([]string, error) {
	var got []string
	_, err := codectest.ParseAll[resp.Value](t, c, s, func(v resp.Value, size int64) {
		require.LessOrEqual(t, v.Data.Len(), size)
		r := v.String()
		got = append(got, r)

		// Written back, it reads the same.
		p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
		w := writer.NewCursor(p.Writer())
		require.NoError(t, c.WriteMessage(v, &w))
		w.Commit()
		p.Writer().Complete(nil)
		res, ok, err := p.Reader().TryRead()
		require.True(t, ok)
		require.NoError(t, err)
		again, _, _, err := c.Parse(res.Buffer)
		require.NoError(t, err)
		require.Equal(t, r, again.String())
	})
	return got, err
}

// respGen writes values with the Append functions as the bytes of its data
// say, and renders them as resp.Value.String does.
type respGen struct{ data []byte }

func (g *respGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

// bytes takes up to n bytes (n from the data).
func (g *respGen) bytes() []byte {
	n := min(int(g.byte()%32), len(g.data))
	b := g.data[:n]
	g.data = g.data[n:]
	return b
}

// value writes one value with w and returns its rendering.
func (g *respGen) value(w *writer.Cursor, depth int) string {
	kind := g.byte() % 19
	if depth >= 3 && kind >= 12 {
		kind %= 12
	}
	switch kind {
	case 0:
		s := string(g.bytes())
		resp.AppendSimple(w, s)
		return "+" + strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	case 1:
		s := string(g.bytes())
		resp.AppendError(w, s)
		return "-" + strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	case 2:
		var n int64
		for range 8 {
			n = n<<8 | int64(g.byte())
		}
		n >>= g.byte() % 64
		resp.AppendInt(w, n)
		return fmt.Sprintf(":%d", n)
	case 3:
		b := g.bytes()
		resp.AppendBulk(w, b)
		return fmt.Sprintf("$%q", b)
	case 4:
		resp.AppendNull(w)
		return "$nil"
	case 5:
		resp.AppendNull3(w)
		return "_"
	case 6:
		b := g.byte()&1 != 0
		resp.AppendBool(w, b)
		if b {
			return "#t"
		}
		return "#f"
	case 7:
		var u uint64
		for range 8 {
			u = u<<8 | uint64(g.byte())
		}
		f := math.Float64frombits(u)
		resp.AppendDouble(w, f)
		return "," + strconv.FormatFloat(f, 'g', -1, 64)
	case 8:
		s := strconv.FormatInt(int64(g.byte())-128, 10) + strings.Repeat("9", int(g.byte()%40))
		resp.AppendBigNumber(w, s)
		return "(" + s
	case 9:
		s := string(g.bytes())
		resp.AppendBulkError(w, s)
		return fmt.Sprintf("!%q", s)
	case 10:
		s := string(g.bytes())
		resp.AppendVerbatim(w, "mkd", s)
		return fmt.Sprintf("=mkd:%q", s)
	case 11:
		resp.AppendNullArray(w)
		return "*nil"
	}
	n := int(g.byte() % 4)
	elems := n
	var kindName string // the type byte String shows
	switch kind {
	case 12, 13:
		resp.AppendArrayHeader(w, n)
		kindName = "*"
	case 14:
		resp.AppendMapHeader(w, n)
		kindName, elems = "%", 2*n
	case 15:
		resp.AppendSetHeader(w, n)
		kindName = "~"
	case 16:
		resp.AppendAttributeHeader(w, n)
		kindName, elems = "|", 2*n
	default:
		resp.AppendPushHeader(w, n)
		kindName = ">"
	}
	var b strings.Builder
	b.WriteString(kindName + "[")
	for i := range elems {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.value(w, depth+1))
	}
	b.WriteByte(']')
	return b.String()
}

// respAppender is a MessageWriter of the values of a respGen: each message
// writes the next value.
type respAppender struct {
	g    *respGen
	want *[]string
}

func (a respAppender) WriteMessage(_ struct{}, w *writer.Cursor) error {
	*a.want = append(*a.want, a.g.value(w, 0))
	return nil
}

// respRoundTrip writes values generated from data through a
// protocol.Writer and reads them back through a protocol.Reader.
func respRoundTrip(t *testing.T, data []byte) {
	var want []string
	g := &respGen{data: data}
	msgs := make([]struct{}, 1+len(data)/8)
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	ctx := testkit.Context(t)
	require.NoError(t, protocol.NewWriter[struct{}](p.Writer(), respAppender{g, &want}).WriteMany(ctx, msgs...))
	p.Writer().Complete(nil)
	r := protocol.NewReader[resp.Value](p.Reader(), resp.Codec{}, protocol.ReaderOptions{MaxMessageSize: -1})
	for i := 0; ; i++ {
		v, err := r.Read(ctx)
		if err == io.EOF {
			require.Equal(t, len(want), i)
			break
		}
		require.NoError(t, err)
		require.Less(t, i, len(want))
		require.Equal(t, want[i], v.String())
		r.Advance()
	}
	p.Reader().Complete(nil)
}
