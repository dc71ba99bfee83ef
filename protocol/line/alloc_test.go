//go:build !race

// Allocation counts of pooled code are only meaningful without the race
// detector.

package line_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/line"
	"github.com/f2bac256/bedrock/writer"
)

// Parse allocates nothing, for a whole line, an incomplete one and a line
// whose delimiter straddles segments, with more bytes buffered than
// MaxLength or not. (Only the error of a line too long allocates.)
func TestParseAllocatesNothing(t *testing.T) {
	for _, codec := range []line.Codec{{}, {Delimiter: line.CRLF}, {Delimiter: line.CRLF, MaxLength: 8}} {
		bufs := []pipe.Sequence{
			pipe.SequenceOf([]byte("a line\r\nnext")),
			pipe.SequenceOf([]byte("a li"), []byte("ne\r"), []byte("\nnext")),
			pipe.SequenceOf([]byte("no delimiter\r")),
			pipe.SequenceOf(testkit.RandomBytes(100, 1)),
		}
		for _, buf := range bufs {
			if _, _, _, err := codec.Parse(buf); err != nil && !errors.Is(err, protocol.ErrIncomplete) {
				continue
			}
			assert.Equal(t, 0.0, testing.AllocsPerRun(1000, func() {
				_, _, _, _ = codec.Parse(buf)
			}), "%v %q", codec, buf.String())
		}
	}
}

// WriteMessage allocates nothing.
func TestWriteMessageAllocatesNothing(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	msg := []byte("a line of text")
	for _, codec := range []line.Codec{{}, {Delimiter: line.CRLF}} {
		assert.Equal(t, 0.0, testing.AllocsPerRun(1000, func() {
			if err := codec.WriteMessage(msg, &w); err != nil {
				panic(err)
			}
			w.Commit()
			if _, err := p.Writer().Flush(context.Background()); err != nil {
				panic(err)
			}
			res, ok, err := p.Reader().TryRead()
			if !ok || err != nil {
				panic("read back")
			}
			p.Reader().Consume(res.Buffer.End())
		}))
	}
}

// Writing lines and reading them back through protocol.Writer and
// protocol.Reader allocates nothing.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	for _, codec := range []line.Codec{{}, {Delimiter: line.CRLF}} {
		p := pipe.New(pipe.Options{})
		w := protocol.NewWriter[[]byte](p.Writer(), codec)
		r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{})
		ctx := context.Background()
		msgs := [][]byte{[]byte("GET key"), []byte("SET key value")}
		cycle := func() {
			if err := w.WriteMany(ctx, msgs...); err != nil {
				panic(err)
			}
			for _, want := range msgs {
				m, err := r.Read(ctx)
				if err != nil || m.Len() != int64(len(want)) {
					panic("read back")
				}
				r.Advance()
			}
		}
		cycle()
		assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle), "%v", codec.Delimiter)
	}
}
