package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
)

// bigArray returns an array of n bulk strings of 12 bytes.
func bigArray(n int) []byte {
	return []byte(fmt.Sprintf("*%d\r\n", n) + strings.Repeat("$12\r\nlist-element\r\n", n))
}

// spanCounter is Codec.Parse counting its work: a stateless Parse starts
// at the first byte of buf every time and looks at every byte up to
// examined (an incomplete value is found so only at its end).
type spanCounter struct {
	c    Codec
	work int64
}

func (s *spanCounter) Parse(buf pipe.Sequence) (Value, pipe.Position, pipe.Position, error) {
	v, consumed, examined, err := s.c.Parse(buf)
	s.work += buf.Offset(examined)
	return v, consumed, examined, err
}

// readInChunks writes data to a pipe in chunks of size bytes, one flush
// each, and after each tries to read a value with a protocol.Reader over
// the pipe and mr, as a connection delivering the bytes in reads of that
// size would. It returns the one value read (its Data no longer valid), a
// copy of its Data, and the number of reads that found it incomplete.
func readInChunks(t *testing.T, mr protocol.MessageReader[Value], data []byte, size int) (v Value, payload []byte, waits int) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	r := protocol.NewReader[Value](p.Reader(), mr, protocol.ReaderOptions{MaxMessageSize: -1})
	w := p.Writer()
	ctx := testkit.Context(t)
	for i := 0; i < len(data); i += size {
		w.Write(data[i:min(i+size, len(data))])
		_, err := w.Flush(ctx)
		require.NoError(t, err)
		v, ok, err := r.TryRead()
		require.NoError(t, err)
		if !ok {
			require.Less(t, i+size, len(data), "incomplete with the whole value written")
			waits++
			continue
		}
		require.GreaterOrEqual(t, i+size, len(data), "whole before the last chunk")
		got := v.Data.Bytes()
		r.Advance()
		w.Complete(nil)
		_, err = r.Read(ctx)
		require.ErrorIs(t, err, io.EOF)
		p.Reader().Complete(nil)
		return v, got, waits
	}
	t.Fatal("no value read")
	return
}

// Reading an array of 200k elements arriving in 4 KiB reads through a
// protocol.Reader: the Decoder looks at each byte about once in all,
// where Codec.Parse, starting over on each read, looks at each about as
// many times as there are reads left.
func TestDecoderWorkIsLinear(t *testing.T) {
	n := 200_000
	if testing.Short() || testkit.RaceEnabled {
		n = 20_000
	}
	data := bigArray(n)
	size := int64(len(data))
	header := int64(len(fmt.Sprintf("*%d\r\n", n)))

	dec := NewDecoder(Codec{})
	v, got, waits := readInChunks(t, dec, data, 4096)
	require.Equal(t, Array, v.Kind)
	require.Equal(t, int64(n), v.Len)
	require.Equal(t, data[header:], got)
	require.Greater(t, waits, len(data)/4096-2, "one incomplete Parse per read")
	require.LessOrEqual(t, dec.scanned, 3*size, "Decoder: work linear in the size")
	require.GreaterOrEqual(t, dec.scanned, size-header, "Decoder: every byte looked at")

	codec := &spanCounter{}
	cv, cgot, cwaits := readInChunks(t, codec, data, 4096)
	require.Equal(t, v.Len, cv.Len)
	require.Equal(t, got, cgot)
	require.Equal(t, waits, cwaits)
	require.GreaterOrEqual(t, codec.work, int64(waits/4)*size, "Codec: work quadratic in the size")
	t.Logf("%d bytes in %d reads: Decoder looked at %d (%.2fx), Codec at %d (%.0fx)",
		size, waits+1, dec.scanned, float64(dec.scanned)/float64(size), codec.work, float64(codec.work)/float64(size))
}

// feed parses the prefixes of all (a growing buffer from its start) with
// d and with c, as a protocol.Reader would, the buffer growing by steps
// that next gives: every Parse must give what Codec.Parse gives.
func feed(t *testing.T, c Codec, d *Decoder, all pipe.Sequence, next func() int64, in string) {
	t.Helper()
	for start, end := int64(0), int64(0); end < all.Len(); {
		end = min(end+next(), all.Len())
		buf := all.Slice(start, end)
		for {
			v, consumed, examined, err := d.Parse(buf)
			want, wantConsumed, wantExamined, wantErr := c.Parse(buf)
			require.Equal(t, wantErr, err, "%q up to %d", in, end)
			require.Equal(t, wantConsumed, consumed, "%q up to %d", in, end)
			require.Equal(t, wantExamined, examined, "%q up to %d", in, end)
			require.True(t, v.Kind == want.Kind && v.Null == want.Null && v.Int == want.Int && v.Len == want.Len &&
				math.Float64bits(v.Float) == math.Float64bits(want.Float) && v.Data == want.Data,
				"the same Value, Data at the same positions: %q up to %d", in, end)
			if err != nil {
				if errors.Is(err, protocol.ErrIncomplete) {
					break
				}
				return
			}
			start += buf.Offset(consumed)
			buf = all.Slice(start, end)
		}
	}
}

// A Decoder fed growing buffers gives what Codec.Parse gives for each,
// for valid, malformed and randomly corrupted input in random segments,
// whatever the steps the buffer grows by, one byte included.
func TestDecoderMatchesCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	inputs := mixedInputs(rng)
	inputs = append(inputs,
		strings.Repeat("*1\r\n", 70)+":1\r\n",
		strings.Repeat("*2\r\n$1\r\na\r\n", 5)+"$1\r\nb\r\n"+strings.Repeat("+c\r\n", 5),
		"*3\r\n+"+strings.Repeat("long line ", 30)+"\r\n:1\r\n$300\r\n"+strings.Repeat("b", 300)+"\r\n",
		"%2\r\n+k\r\n*3\r\n:1\r\n:2\r\n:3\r\n+k2\r\n~2\r\n"+strings.Repeat("x", 200)+"\r\n",
		strings.Repeat("word ", 100)+"\r\n", strings.Repeat("w", MaxInlineLength+10),
		string(bigArray(50)))
	for _, in := range inputs {
		for _, c := range fastCodecs {
			steps := []int64{1, 3, 64, 0}
			if len(in) > 2000 {
				steps = []int64{997, 0} // Codec.Parse of each is quadratic
			}
			for _, step := range steps {
				all := pipe.SequenceOf(testkit.RandomParts(rng, []byte(in), 1+len(in)/8)...)
				next := func() int64 { return step }
				if step == 0 {
					next = func() int64 { return 1 + rng.Int64N(int64(len(in)/3+1)) }
				}
				feed(t, c, NewDecoder(c), all, next, in)
			}
		}
	}
}

// The Decoder never looks again at the bytes it validated: they are
// overwritten with junk after every Parse that found the value incomplete,
// and the value still reads whole, equal to what Codec.Parse reads from the
// intact bytes (which, given the junk, fails).
func TestDecoderNeverRereads(t *testing.T) {
	inputs := map[string][]byte{
		"array of bulks": bigArray(2000),
		"nested":         []byte("*2\r\n%300\r\n" + strings.Repeat("+key\r\n*3\r\n:1\r\n~1\r\n#t\r\n,2.5\r\n", 300) + "*1\r\n*1\r\n*1\r\n_\r\n"),
		"long lines":     []byte("*3\r\n+" + strings.Repeat("l", 20000) + "\r\n-" + strings.Repeat("e", 20000) + "\r\n(" + strings.Repeat("9", 20000) + "\r\n"),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			var c Codec
			want, wantAt, _, err := c.Parse(pipe.SequenceOf(data))
			require.NoError(t, err)
			require.Equal(t, int64(len(data)), pipe.SequenceOf(data).Offset(wantAt))

			mem := bytes.Clone(data)
			var parts [][]byte
			for i := 0; i < len(mem); i += 100 {
				parts = append(parts, mem[i:min(i+100, len(mem))])
			}
			all := pipe.SequenceOf(parts...)
			d := NewDecoder(c)
			junked := false
			for end := int64(1); ; end += 97 {
				end = min(end, all.Len())
				buf := all.Slice(0, end)
				v, consumed, _, err := d.Parse(buf)
				if errors.Is(err, protocol.ErrIncomplete) {
					require.Less(t, end, all.Len())
					for i := range d.off {
						mem[i] = 'X'
					}
					junked = junked || d.off > 0
					continue
				}
				require.NoError(t, err)
				require.Equal(t, all.Len(), buf.Offset(consumed))
				require.True(t, junked)
				_, _, _, err = c.Parse(buf)
				require.ErrorIs(t, err, ErrProtocol, "Codec.Parse reads the junk")
				copy(mem, data)
				require.Equal(t, want.String(), v.String())
				require.Equal(t, want.Len, v.Len)
				return
			}
		})
	}
}

// A bulk string, or a line, that arrives in many reads costs the Decoder
// no work until its end is in: it knows the length a bulk needs, and
// where a line's end was not found.
func TestDecoderWaitsForTheEnd(t *testing.T) {
	const n = 4 << 20
	// passes is the number of passes over the value: a bulk is walked once
	// it is whole; a line is searched for its end as it comes, then read.
	inputs := map[string]struct {
		c      Codec
		data   []byte
		passes int64
	}{
		"bulk":         {Codec{}, []byte(fmt.Sprintf("$%d\r\n%s\r\n", n, strings.Repeat("b", n))), 1},
		"nested bulk":  {Codec{}, []byte(fmt.Sprintf("*2\r\n:1\r\n$%d\r\n%s\r\n", n, strings.Repeat("b", n))), 1},
		"simple":       {Codec{}, []byte("+" + strings.Repeat("s", n) + "\r\n"), 2},
		"nested error": {Codec{}, []byte("*1\r\n*1\r\n-" + strings.Repeat("e", n) + "\r\n"), 2},
		"inline":       {Codec{Inline: true}, []byte(strings.Repeat("word ", MaxInlineLength/5) + "\r\n"), 2},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder(in.c)
			v, got, waits := readInChunks(t, d, in.data, 4096)
			want, _, _, err := in.c.Parse(pipe.SequenceOf(in.data))
			require.NoError(t, err)
			require.Equal(t, want.Kind, v.Kind)
			require.Equal(t, want.Data.Bytes(), got)
			require.Greater(t, waits, len(in.data)/4096-2)
			require.LessOrEqual(t, d.scanned, in.passes*int64(len(in.data))+8*4096) // and a few reads
			t.Logf("%d bytes in %d reads: Decoder looked at %d", len(in.data), waits+1, d.scanned)
		})
	}
}
