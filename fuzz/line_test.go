package fuzz_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/line"
	"github.com/f2bac256/bedrock/writer"
)

// FuzzLine parses the data of the input with a line.Codec from one segment
// and from segments cut where the input says, checks every Parse against a
// reference model on the flat data (bytes.Index), and round-trips lines
// made from the data through protocol.Writer and protocol.Reader.
//
// The input is two control bytes followed by the data: input[0] picks the
// delimiter (bit 0: CRLF) and MaxLength (bits 1-7: 0 the default, 1 no
// limit, else 0..125); input[1] seeds the cuts.
func FuzzLine(f *testing.F) {
	seeds := [][]byte{
		nil,
		{0},
		lineSeed(line.LF, 0, 3, "hello\nworld\n"),
		lineSeed(line.CRLF, 0, 7, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\nbody"),
		lineSeed(line.CRLF, 12, 1, "PING\r\n*1\r\n$4\r\nPING\r\nbare\nlf\r\nand cr\r"),
		lineSeed(line.LF, 8, 200, "short\nthis line is too long\nx"),
		lineSeed(line.CRLF, 5, 9, "12345\r\n123456\r\n"),
		lineSeed(line.LF, -1, 42, `{"a":1}`+"\n"+`{"b":[2,3]}`+"\n"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		codec, seed, data := decodeLineInput(input)
		want := lineModel(codec, data)

		// One segment, then segments cut at edges derived from the input,
		// each part in its own allocation with junk after it.
		got := lineParseAll(t, codec, pipe.SequenceOf(data))
		require.Equal(t, want, got, "one segment")
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(len(data))))
		parts := testkit.RandomParts(rng, data, 16)
		for i, p := range parts {
			parts[i] = testkit.Guard(p, 2)
		}
		got = lineParseAll(t, codec, pipe.SequenceOf(parts...))
		require.Equal(t, want, got, "parts %q", parts)

		lineRoundTrip(t, codec, data, rng)
	})
}

// lineSeed encodes an input for FuzzLine; max is MaxLength (0 the default,
// negative no limit, else at most 125).
func lineSeed(d line.Delimiter, max int, cutSeed byte, data string) []byte {
	c := byte(d)
	switch {
	case max < 0:
		c |= 1 << 1
	case max > 0:
		c |= byte(max+2) << 1
	}
	return append([]byte{c, cutSeed}, data...)
}

func decodeLineInput(input []byte) (codec line.Codec, seed byte, data []byte) {
	if len(input) > 0 {
		codec.Delimiter = line.Delimiter(input[0] & 1)
		switch m := int64(input[0] >> 1); m {
		case 0:
		case 1:
			codec.MaxLength = -1
		default:
			codec.MaxLength = m - 2
			if codec.MaxLength == 0 {
				codec.MaxLength = -1 // 0 would mean the default: no limit instead
			}
		}
	}
	if len(input) > 1 {
		seed = input[1]
	}
	if len(input) > 2 {
		data = input[2:]
	}
	return codec, seed, data
}

// lineResults is every line parsed from a buffer in turn, and how parsing
// the rest ended: incomplete or too large, with the bytes left.
type lineResults struct {
	Lines    []string
	Rest     int64
	TooLarge bool
}

// lineModel parses data with bytes.Index.
func lineModel(codec line.Codec, data []byte) lineResults {
	delim := codec.Delimiter.Bytes()
	max := codec.MaxLength
	if max == 0 {
		max = protocol.DefaultMaxMessageSize
	}
	res := lineResults{Lines: []string{}}
	for {
		i := bytes.Index(data, delim)
		if i >= 0 && (max < 0 || int64(i) <= max) {
			res.Lines = append(res.Lines, string(data[:i]))
			data = data[i+len(delim):]
			continue
		}
		res.Rest = int64(len(data))
		least := len(data) // the least length of the line under way
		if codec.Delimiter == line.CRLF && bytes.HasSuffix(data, []byte("\r")) {
			least--
		}
		res.TooLarge = i >= 0 || max >= 0 && int64(least) > max
		return res
	}
}

// lineParseAll parses buf line after line with codec, with the position
// checks of codectest.ParseAll, each line ending just before consumed.
func lineParseAll(t *testing.T, codec line.Codec, buf pipe.Sequence) lineResults {
	res := lineResults{Lines: []string{}}
	delim := codec.Delimiter.Bytes()
	dlen := int64(len(delim))
	rest := buf
	_, err := codectest.ParseAll[pipe.Sequence](t, codec, buf, func(l pipe.Sequence, size int64) {
		require.Equal(t, l.Len()+dlen, size, "consumed is just past the delimiter")
		require.Equal(t, string(delim), rest.Slice(size-dlen, size).String())
		res.Lines = append(res.Lines, l.String())
		rest = rest.Slice(size, rest.Len())
	})
	switch {
	case err == nil, errors.Is(err, protocol.ErrIncomplete):
	case errors.Is(err, protocol.ErrMessageTooLarge):
		res.TooLarge = true
	default:
		t.Fatalf("unexpected error %v", err)
	}
	res.Rest = rest.Len()
	return res
}

// lineRoundTrip makes lines from data (cut at its spaces, delimiters
// removed, cut to MaxLength), writes them with protocol.Writer into a pipe
// and reads them back with protocol.Reader.
func lineRoundTrip(t *testing.T, codec line.Codec, data []byte, rng *rand.Rand) {
	delim := codec.Delimiter.Bytes()
	var lines [][]byte
	scratch := pipe.New(pipe.Options{})
	for _, l := range bytes.Split(data, []byte(" ")) {
		if l2 := lineSanitize(codec, l); !bytes.Equal(l, l2) {
			// The raw line holds the delimiter or is too long: rejected,
			// and nothing written.
			cur := writer.NewCursor(scratch.Writer())
			require.Error(t, codec.WriteMessage(l, &cur))
			require.Zero(t, cur.Buffered())
			l = l2
		}
		lines = append(lines, l)
	}
	if len(data) == 0 {
		lines = nil
	}
	p := pipe.New(pipe.Options{MinimumSegmentSize: 512, PauseWriterThreshold: -1})
	w := protocol.NewWriter[[]byte](p.Writer(), codec)
	for rest := lines; len(rest) > 0; {
		n := 1 + rng.IntN(len(rest))
		require.NoError(t, w.WriteMany(context.Background(), rest[:n]...))
		rest = rest[n:]
	}
	p.Writer().Complete(nil)
	r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{MaxMessageSize: -1})
	for i, want := range lines {
		m, err := r.Read(context.Background())
		require.NoError(t, err, "line %d", i)
		require.Equal(t, string(want), m.String(), "line %d", i)
		r.Advance()
	}
	_, err := r.Read(context.Background())
	require.ErrorIs(t, err, io.EOF)
	var total int64
	for _, l := range lines {
		total += int64(len(l) + len(delim))
	}
	require.Equal(t, total, r.Offset())
}

// lineSanitize returns l without its delimiters and no longer than
// MaxLength.
func lineSanitize(codec line.Codec, l []byte) []byte {
	if codec.Delimiter == line.LF {
		l = bytes.ReplaceAll(l, []byte("\n"), nil)
	} else {
		for bytes.Contains(l, []byte("\r\n")) {
			l = bytes.ReplaceAll(l, []byte("\r\n"), []byte("\r"))
		}
	}
	if codec.MaxLength > 0 && int64(len(l)) > codec.MaxLength {
		l = l[:codec.MaxLength]
	}
	return l
}
