package line_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/line"
	"github.com/f2bac256/bedrock/writer"
)

// parseResult is what one Parse returned, offsets instead of positions.
type parseResult struct {
	line               string
	consumed, examined int64
	err                error
}

func parse(t *testing.T, codec line.Codec, buf pipe.Sequence) parseResult {
	t.Helper()
	l, consumed, examined, err := codec.Parse(buf)
	r := parseResult{line: l.String(), consumed: buf.Offset(consumed), examined: buf.Offset(examined), err: err}
	require.LessOrEqual(t, r.consumed, r.examined)
	require.LessOrEqual(t, r.examined, buf.Len())
	return r
}

func TestParse(t *testing.T) {
	crlf := line.Codec{Delimiter: line.CRLF}
	tests := []struct {
		name  string
		codec line.Codec
		in    string
		line  string // the line, when one is found
		next  int64  // consumed, when one is found
		err   error  // else the error
	}{
		{"lf", line.Codec{}, "hello\nworld\n", "hello", 6, nil},
		{"lf empty line", line.Codec{}, "\nx", "", 1, nil},
		{"lf keeps cr", line.Codec{}, "hello\r\n", "hello\r", 7, nil},
		{"lf incomplete", line.Codec{}, "hello", "", 0, protocol.ErrIncomplete},
		{"lf empty buffer", line.Codec{}, "", "", 0, protocol.ErrIncomplete},
		{"crlf", crlf, "hello\r\nworld\r\n", "hello", 7, nil},
		{"crlf empty line", crlf, "\r\n", "", 2, nil},
		{"crlf bare lf is data", crlf, "a\nb\r\n", "a\nb", 5, nil},
		{"crlf bare cr is data", crlf, "a\rb\r\r\n", "a\rb\r", 6, nil},
		{"crlf cr at the end", crlf, "hello\r", "", 0, protocol.ErrIncomplete},
		{"crlf lf only", crlf, "hello\n", "", 0, protocol.ErrIncomplete},
		{"lf at the limit", line.Codec{MaxLength: 5}, "hello\nmore bytes after", "hello", 6, nil},
		{"lf limit not yet shown", line.Codec{MaxLength: 5}, "hello", "", 0, protocol.ErrIncomplete},
		{"lf over the limit", line.Codec{MaxLength: 5}, "hello!", "", 0, protocol.ErrMessageTooLarge},
		{"lf whole line over the limit", line.Codec{MaxLength: 5}, "hello!\n", "", 0, protocol.ErrMessageTooLarge},
		{"crlf at the limit", line.Codec{Delimiter: line.CRLF, MaxLength: 5}, "hello\r\nmore", "hello", 7, nil},
		{"crlf limit and cr", line.Codec{Delimiter: line.CRLF, MaxLength: 5}, "hello\r", "", 0, protocol.ErrIncomplete},
		{"crlf over the limit", line.Codec{Delimiter: line.CRLF, MaxLength: 5}, "hello!", "", 0, protocol.ErrMessageTooLarge},
		{"crlf over the limit with cr", line.Codec{Delimiter: line.CRLF, MaxLength: 5}, "hello\r\r", "", 0, protocol.ErrMessageTooLarge},
		{"crlf whole line over the limit", line.Codec{Delimiter: line.CRLF, MaxLength: 5}, "hello!\r\n", "", 0, protocol.ErrMessageTooLarge},
		{"no limit", line.Codec{MaxLength: -1}, strings.Repeat("x", 1000), "", 0, protocol.ErrIncomplete},
		{"invalid delimiter", line.Codec{Delimiter: 7}, "x\n", "", 0, line.ErrInvalidDelimiter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			rng := rand.New(rand.NewPCG(1, 2))
			// One segment, one byte per segment, and random cuts: the same
			// answer.
			splits := [][][]byte{{data}, testkit.PartsAt(data, byteCuts(len(data)))}
			for range 20 {
				splits = append(splits, testkit.RandomParts(rng, data, 5))
			}
			for _, parts := range splits {
				buf := pipe.SequenceOf(parts...)
				r := parse(t, tt.codec, buf)
				if tt.err != nil {
					require.ErrorIs(t, r.err, tt.err, "%q", parts)
					assert.Equal(t, int64(0), r.consumed)
					assert.Equal(t, buf.Len(), r.examined, "examined is the end of the buffer")
					continue
				}
				require.NoError(t, r.err, "%q", parts)
				assert.Equal(t, tt.line, r.line, "%q", parts)
				assert.Equal(t, tt.next, r.consumed, "%q", parts)
				assert.Equal(t, tt.next, r.examined, "%q", parts)
			}
		})
	}
}

// byteCuts cuts n bytes into one-byte parts.
func byteCuts(n int) []int {
	cuts := make([]int, n+1)
	for i := range cuts {
		cuts[i] = i
	}
	return cuts
}

// The line is reported too large as soon as MaxLength+len(delimiter) bytes
// without a delimiter are buffered, and never before it is certain.
func TestTooLargeAsSoonAsShown(t *testing.T) {
	const max = 10
	for _, d := range []line.Delimiter{line.LF, line.CRLF} {
		codec := line.Codec{Delimiter: d, MaxLength: max}
		dlen := len(d.Bytes())
		for _, fill := range []byte{'x', '\r'} {
			data := bytes.Repeat([]byte{fill}, 3*max)
			for n := range len(data) {
				r := parse(t, codec, pipe.SequenceOf(data[:n]))
				switch {
				case n >= max+dlen:
					require.ErrorIs(t, r.err, protocol.ErrMessageTooLarge, "%v %d bytes of %q", d, n, fill)
					assert.Contains(t, r.err.Error(), "line over 10 bytes")
				case n == max+1 && fill == 'x':
					// Even for CRLF the line is certainly too long.
					require.ErrorIs(t, r.err, protocol.ErrMessageTooLarge, "%v %d bytes of %q", d, n, fill)
				default:
					require.ErrorIs(t, r.err, protocol.ErrIncomplete, "%v %d bytes of %q", d, n, fill)
				}
			}
		}
	}
}

// joinLines returns lines, each followed by d.
func joinLines(lines [][]byte, d line.Delimiter) []byte {
	var b []byte
	for _, l := range lines {
		b = append(append(b, l...), d.Bytes()...)
	}
	return b
}

// randomLines returns n random lines that hold no delimiter d, some
// longer than a segment.
func randomLines(rng *rand.Rand, n int, d line.Delimiter) [][]byte {
	lines := make([][]byte, n)
	for i := range lines {
		l := testkit.RandomData(rng, 5000, []byte("ab \r\n"), []byte("GET /x HTTP/1.1"), nil)
		if d == line.LF {
			l = bytes.ReplaceAll(l, []byte("\n"), []byte("."))
		} else {
			for bytes.Contains(l, []byte("\r\n")) {
				l = bytes.ReplaceAll(l, []byte("\r\n"), []byte("\n\r"))
			}
		}
		lines[i] = l
	}
	return lines
}

// parseAll parses every line of buf in turn, then reports the error of what
// is left.
func parseAll(t *testing.T, codec line.Codec, buf pipe.Sequence) (lines []string, rest int64, err error) {
	for {
		l, consumed, _, err := codec.Parse(buf)
		if err != nil {
			return lines, buf.Len(), err
		}
		require.Positive(t, buf.Offset(consumed), "a line consumes its delimiter")
		lines = append(lines, l.String())
		buf = buf.SliceFrom(consumed)
	}
}

// The same lines whatever the segmentation of the buffer.
func TestSameLinesWhateverTheSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, d := range []line.Delimiter{line.LF, line.CRLF} {
		codec := line.Codec{Delimiter: d}
		for range 200 {
			lines := randomLines(rng, 1+rng.IntN(20), d)
			data := joinLines(lines, d)
			data = append(data, testkit.RandomData(rng, 10, []byte("x\r"))...) // an incomplete tail
			want, wantRest, wantErr := parseAll(t, codec, pipe.SequenceOf(data))
			require.ErrorIs(t, wantErr, protocol.ErrIncomplete)
			require.Len(t, want, len(lines))
			for i := range lines {
				require.Equal(t, string(lines[i]), want[i])
			}
			for range 5 {
				parts := testkit.RandomParts(rng, data, 16)
				for i, p := range parts {
					parts[i] = testkit.Guard(p, 2)
				}
				got, rest, err := parseAll(t, codec, pipe.SequenceOf(parts...))
				require.Equal(t, want, got)
				require.Equal(t, wantRest, rest)
				require.ErrorIs(t, err, wantErr)
			}
		}
	}
}

// feed writes data to p in random chunk sizes, flushing each, then
// completes the writer.
func feed(p *pipe.Pipe, data []byte, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	w := p.Writer()
	for b := data; len(b) > 0; {
		n := min(len(b), 1+rng.IntN(300))
		w.Write(b[:n])
		if res, err := w.Flush(context.Background()); err != nil || res.Completed {
			break
		}
		b = b[n:]
	}
	w.Complete(nil)
}

// Lines read with protocol.Reader over a real Pipe fed in random chunks.
func TestReaderOverPipe(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []line.Delimiter{line.LF, line.CRLF} {
		codec := line.Codec{Delimiter: d}
		lines := randomLines(rng, 2000, d)
		data := joinLines(lines, d)
		p := pipe.New(pipe.Options{MinimumSegmentSize: 512})
		go feed(p, data, 7)
		r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{})
		for i := range lines {
			m, err := r.Read(testkit.Context(t))
			require.NoError(t, err)
			require.Equal(t, string(lines[i]), m.String(), "line %d", i)
			r.Advance()
		}
		_, err := r.Read(testkit.Context(t))
		assert.ErrorIs(t, err, io.EOF)
		assert.Equal(t, int64(len(data)), r.Offset())
	}
}

// countingReader counts the reads of the pipe below it.
type countingReader struct {
	pipe.Reader
	reads int
}

func (c *countingReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	c.reads++
	return c.Reader.Read(ctx)
}

// A buffer of many lines is parsed with one read of the pipe.
func TestManyLinesFromOneRead(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	var want []string
	for i := range 100 {
		want = append(want, strings.Repeat("x", i))
		p.Writer().Write([]byte(want[i] + "\r\n"))
	}
	p.Writer().Complete(nil)
	in := &countingReader{Reader: p.Reader()}
	r := protocol.NewReader[pipe.Sequence](in, line.Codec{Delimiter: line.CRLF}, protocol.ReaderOptions{})
	for i := range want {
		m, err := r.Read(testkit.Context(t))
		require.NoError(t, err)
		assert.Equal(t, want[i], m.String())
		r.Advance()
	}
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, 1, in.reads)
}

// A stream that ends inside a line is io.ErrUnexpectedEOF at that line's
// offset; with CRLF, a "\n" alone does not end it.
func TestTruncatedLineIsUnexpectedEOF(t *testing.T) {
	for _, tt := range []struct {
		codec line.Codec
		in    string
	}{
		{line.Codec{}, "one\ntwo\nthr"},
		{line.Codec{Delimiter: line.CRLF}, "one\r\ntwo\r\nthree\n"},
		{line.Codec{Delimiter: line.CRLF}, "one\r\ntwo\r\nthree\r"},
	} {
		p := pipe.New(pipe.Options{})
		go feed(p, []byte(tt.in), 1)
		r := protocol.NewReader[pipe.Sequence](p.Reader(), tt.codec, protocol.ReaderOptions{})
		for _, want := range []string{"one", "two"} {
			m, err := r.Read(testkit.Context(t))
			require.NoError(t, err)
			assert.Equal(t, want, m.String())
			r.Advance()
		}
		_, err := r.Read(testkit.Context(t))
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "%q", tt.in)
		var perr *protocol.ParseError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, int64(strings.Index(tt.in, "thr")), perr.Offset, "the offset of the truncated line")
	}
}

// A line too long is a *protocol.ParseError at the line's offset, reported
// once MaxLength+len(delimiter) bytes of it are buffered, before the rest of
// it is even written.
func TestTooLongLineCarriesItsOffset(t *testing.T) {
	const max = 1000
	for _, d := range []line.Delimiter{line.LF, line.CRLF} {
		codec := line.Codec{Delimiter: d, MaxLength: max}
		p := pipe.New(pipe.Options{})
		head := joinLines([][]byte{[]byte("ok"), bytes.Repeat([]byte("y"), max)}, d)
		sent := make(chan int, 1)
		go func() {
			w := p.Writer()
			w.Write(head)
			total := 0
			for total < 1<<20 { // a line that never ends
				w.Write(bytes.Repeat([]byte("z"), 100))
				if res, err := w.Flush(context.Background()); err != nil || res.Completed {
					break // the reader gave up
				}
				total += 100
			}
			sent <- total
			w.Complete(nil)
		}()
		r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{})
		for _, want := range []int{2, max} {
			m, err := r.Read(testkit.Context(t))
			require.NoError(t, err)
			assert.Equal(t, int64(want), m.Len())
			r.Advance()
		}
		_, err := r.Read(testkit.Context(t))
		require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
		var perr *protocol.ParseError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, int64(len(head)), perr.Offset)
		p.Reader().Complete(err)
		assert.Less(t, <-sent, 1<<20, "the reader gave up long before the end")
	}
}

func TestWriteMessageRejects(t *testing.T) {
	tests := []struct {
		codec line.Codec
		line  string
		err   error
	}{
		{line.Codec{}, "a\nb", line.ErrDelimiterInLine},
		{line.Codec{}, "\n", line.ErrDelimiterInLine},
		{line.Codec{Delimiter: line.CRLF}, "a\r\nb", line.ErrDelimiterInLine},
		{line.Codec{MaxLength: 3}, "abcd", protocol.ErrMessageTooLarge},
		{line.Codec{Delimiter: line.CRLF, MaxLength: 3}, "abcd", protocol.ErrMessageTooLarge},
		{line.Codec{Delimiter: 2}, "abc", line.ErrInvalidDelimiter},
	}
	for _, tt := range tests {
		p := pipe.New(pipe.Options{})
		w := writer.NewCursor(p.Writer())
		err := tt.codec.WriteMessage([]byte(tt.line), &w)
		assert.ErrorIs(t, err, tt.err, "%q", tt.line)
		assert.Equal(t, 0, w.Buffered(), "nothing written for %q", tt.line)
	}
	// What is accepted: bare "\n" and "\r" with CRLF, "\r" with LF, a line
	// of exactly MaxLength bytes, the empty line.
	for _, tt := range []struct {
		codec line.Codec
		line  string
		out   string
	}{
		{line.Codec{Delimiter: line.CRLF}, "a\nb\r", "a\nb\r\r\n"},
		{line.Codec{}, "a\rb", "a\rb\n"},
		{line.Codec{MaxLength: 3}, "abc", "abc\n"},
		{line.Codec{Delimiter: line.CRLF}, "", "\r\n"},
	} {
		p := pipe.New(pipe.Options{})
		w := writer.NewCursor(p.Writer())
		require.NoError(t, tt.codec.WriteMessage([]byte(tt.line), &w))
		w.Commit()
		p.Writer().Complete(nil)
		res, err := p.Reader().Read(testkit.Context(t))
		require.NoError(t, err)
		assert.Equal(t, tt.out, res.Buffer.String())
		l, _, _, err := tt.codec.Parse(res.Buffer)
		require.NoError(t, err)
		assert.Equal(t, tt.line, l.String())
		p.Reader().Consume(res.Buffer.End())
	}
}

// Random lines written with protocol.Writer come back the same from
// protocol.Reader.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, d := range []line.Delimiter{line.LF, line.CRLF} {
		codec := line.Codec{Delimiter: d, MaxLength: 5000}
		lines := randomLines(rng, 1000, d)
		want := slices.Clone(lines)
		p := pipe.New(pipe.Options{MinimumSegmentSize: 512})
		go func() {
			w := protocol.NewWriter[[]byte](p.Writer(), codec)
			for len(lines) > 0 {
				n := min(len(lines), 1+rng.IntN(10))
				if err := w.WriteMany(context.Background(), lines[:n]...); err != nil {
					break
				}
				lines = lines[n:]
			}
			p.Writer().Complete(nil)
		}()
		r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{})
		for i := range want {
			m, err := r.Read(testkit.Context(t))
			require.NoError(t, err)
			require.Equal(t, string(want[i]), m.String(), "line %d", i)
			r.Advance()
		}
		_, err := r.Read(testkit.Context(t))
		assert.ErrorIs(t, err, io.EOF)
	}
}

func TestDelimiter(t *testing.T) {
	assert.Equal(t, "LF", line.LF.String())
	assert.Equal(t, "CRLF", line.CRLF.String())
	assert.Equal(t, "Delimiter(9)", line.Delimiter(9).String())
	assert.Equal(t, []byte("\n"), line.LF.Bytes())
	assert.Equal(t, []byte("\r\n"), line.CRLF.Bytes())
	assert.Nil(t, line.Delimiter(9).Bytes())
	assert.Equal(t, line.LF, line.Codec{}.Delimiter, "the zero Codec reads LF lines")
}
