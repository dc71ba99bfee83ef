package resp_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// A Decoder behind a protocol.Reader, the bytes arriving in random chunks
// from another goroutine, reads what Codec.Parse reads from one segment:
// the same values, and the same error, offset included.
func TestDecoderReadsAsCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	examples, _ := allExamples()
	big := "*1000\r\n" + strings.Repeat("$12\r\nlist-element\r\n", 999) + "%1\r\n+k\r\n~2\r\n+" + strings.Repeat("v", 5000) + "\r\n:1\r\n"
	inputs := []struct {
		name string
		c    resp.Codec
		in   string
	}{
		{"examples", resp.Codec{Inline: true}, string(examples)},
		{"big", resp.Codec{}, strings.Repeat(big, 3)},
		{"inline", resp.Codec{Inline: true}, "PING\r\n" + strings.Repeat("x ", 20000) + "\nGET k\r\n"},
		{"malformed late", resp.Codec{}, big + "*1000\r\n" + strings.Repeat("$12\r\nlist-element\r\n", 800) + "?\r\n" + strings.Repeat(":1\r\n", 199)},
		{"bad line late", resp.Codec{}, big + "*2\r\n+" + strings.Repeat("l", 9000) + "\n\r\n:1\r\n"},
		{"too deep late", resp.Codec{MaxDepth: 3}, big + "*2\r\n" + strings.Repeat("*1\r\n*1\r\n", 300) + ":1\r\n"},
		{"bulk too long late", resp.Codec{MaxBulkLength: 100}, "*3\r\n" + strings.Repeat("$100\r\n"+strings.Repeat("b", 100)+"\r\n", 2) + "$101\r\n"},
		{"inline too long", resp.Codec{Inline: true}, "PING\r\n" + strings.Repeat("x", resp.MaxInlineLength+100)},
		{"cut short", resp.Codec{}, big[:len(big)-1]},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			want, wantErr := readAll(t, codectest.Feed(t, rng, []byte(in.in)), in.c)
			if in.name == "examples" || in.name == "big" || in.name == "inline" {
				require.NoError(t, wantErr)
			} else {
				require.Error(t, wantErr)
			}
			for range 3 {
				got, err := readAll(t, codectest.Feed(t, rng, []byte(in.in)), resp.NewDecoder(in.c))
				require.Equal(t, want, got)
				if wantErr == nil {
					require.NoError(t, err)
					continue
				}
				require.EqualError(t, err, wantErr.Error())
			}
		})
	}
}

// A Decoder resumes only the buffer it stopped in, grown: anything else
// starts over, and gives what Codec.Parse gives.
func TestDecoderStartsOver(t *testing.T) {
	in := []byte("*3\r\n$3\r\nfoo\r\n:42\r\n+bar\r\n")
	all := pipe.SequenceOf(in[:5], in[5:13], in[13:])
	var d resp.Decoder // the zero Decoder reads as the zero Codec
	incomplete := func(buf pipe.Sequence) {
		t.Helper()
		_, consumed, examined, err := d.Parse(buf)
		require.ErrorIs(t, err, protocol.ErrIncomplete)
		require.Equal(t, buf.Start(), consumed)
		require.Equal(t, buf.End(), examined)
	}
	whole := func(buf pipe.Sequence) {
		t.Helper()
		v, consumed, _, err := d.Parse(buf)
		require.NoError(t, err)
		require.Equal(t, `*[$"foo" :42 +bar]`, v.String())
		require.Equal(t, int64(len(in)), buf.Offset(consumed))
	}

	incomplete(all.Slice(0, 15))
	incomplete(all.Slice(0, 15)) // the same buffer again
	incomplete(all.Slice(0, 10)) // shorter: over again
	whole(all)

	incomplete(all.Slice(0, 15))
	whole(pipe.SequenceOf(in)) // another buffer

	incomplete(all.Slice(0, 15))
	copy(in, "*2\r\n:1\r\n:2\r\n:3\r\n") // not the same stream: Reset
	d.Reset()
	v, consumed, _, err := d.Parse(all)
	require.NoError(t, err)
	require.Equal(t, "*[:1 :2]", v.String())
	require.Equal(t, int64(12), all.Offset(consumed))

	// A bulk as long as MaxBulkLength allows: waiting for it does not
	// overflow.
	d = *resp.NewDecoder(resp.Codec{MaxBulkLength: math.MaxInt64})
	huge := pipe.SequenceOf([]byte("*2\r\n$9223372036854775806\r\nabc"))
	for n := int64(1); n <= huge.Len(); n++ {
		incomplete(huge.Slice(0, n))
	}
}

// A value read in pieces by a Decoder: Parse reports it incomplete until
// the last piece is in, each time looking only at the bytes that came.
func ExampleDecoder() {
	ctx := context.Background()
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[resp.Value](p.Reader(), resp.NewDecoder(resp.Codec{}), protocol.ReaderOptions{})
	for _, piece := range []string{"*3\r\n$3\r\nfoo\r\n:4", "2\r\n%1\r\n+ke", "y\r\n#t\r\n"} {
		p.Writer().Write([]byte(piece))
		if _, err := p.Writer().Flush(ctx); err != nil {
			fmt.Println(err)
			return
		}
		v, ok, err := r.TryRead()
		switch {
		case err != nil:
			fmt.Println(err)
			return
		case !ok:
			fmt.Println("incomplete")
			continue
		}
		fmt.Println(v)
		r.Advance()
	}
	// Output:
	// incomplete
	// incomplete
	// *[$"foo" :42 %[+key #t]]
}
