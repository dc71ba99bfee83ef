package protocol_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// tiny is a test codec: a length byte, then that many bytes. A length of
// 0xFF is malformed.
type tiny struct{}

var errBadLength = errors.New("tiny: length 0xFF")

func (tiny) Parse(buf pipe.Sequence) (pipe.Sequence, pipe.Position, pipe.Position, error) {
	c := reader.NewCursor(buf)
	n, err := c.ReadByte()
	if err != nil {
		return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	if n == 0xFF {
		return pipe.Sequence{}, buf.Start(), buf.End(), errBadLength
	}
	body, ok := c.ReadN(int64(n))
	if !ok {
		return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	return body, c.Position(), c.Position(), nil
}

func (tiny) WriteMessage(msg []byte, w *writer.Cursor) error {
	if len(msg) >= 0xFF {
		return fmt.Errorf("tiny: %d bytes: %w", len(msg), protocol.ErrMessageTooLarge)
	}
	w.WriteByte(byte(len(msg)))
	w.Write(msg)
	return nil
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

// countingWriter counts the flushes of the pipe below it.
type countingWriter struct {
	pipe.Writer
	mu      sync.Mutex
	flushes int
}

func (c *countingWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	c.mu.Lock()
	c.flushes++
	c.mu.Unlock()
	return c.Writer.Flush(ctx)
}

func message(i int) []byte { return []byte(fmt.Sprintf("message %d", i)) }

func TestManyMessagesFromOneRead(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := protocol.NewWriter[[]byte](p.Writer(), tiny{})
	msgs := make([][]byte, 100)
	for i := range msgs {
		msgs[i] = message(i)
	}
	require.NoError(t, w.WriteMany(testkit.Context(t), msgs...))
	p.Writer().Complete(nil)

	in := &countingReader{Reader: p.Reader()}
	r := protocol.NewReader[pipe.Sequence](in, tiny{}, protocol.ReaderOptions{})
	for i := range msgs {
		m, err := r.Read(testkit.Context(t))
		require.NoError(t, err)
		assert.Equal(t, string(msgs[i]), m.String())
		r.Advance()
	}
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, 1, in.reads, "one pipe read for a buffer of 100 messages")
}

func TestMessagesAcrossRandomChunks(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 512})
	var stream bytes.Buffer
	for i := range 2000 {
		m := message(i)
		stream.WriteByte(byte(len(m)))
		stream.Write(m)
	}
	data := stream.Bytes()
	go func() {
		w := p.Writer()
		for b := data; len(b) > 0; {
			n := min(len(b), 1+len(b)%37)
			w.Write(b[:n])
			w.Flush(context.Background())
			b = b[n:]
		}
		w.Complete(nil)
	}()
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	for i := range 2000 {
		m, err := r.Read(testkit.Context(t))
		require.NoError(t, err)
		require.Equal(t, string(message(i)), m.String())
		r.Advance()
	}
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, int64(len(data)), r.Offset())
}

func TestTruncatedStreamIsUnexpectedEOF(t *testing.T) {
	p := pipe.New(pipe.Options{})
	p.Writer().Write([]byte("\x02ok\x05hal")) // a whole message, then half of one
	p.Writer().Complete(nil)
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	m, err := r.Read(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, "ok", m.String())
	r.Advance()
	_, err = r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	var perr *protocol.ParseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, int64(3), perr.Offset, "the truncated message starts after the first")
}

func TestMalformedMessageCarriesItsOffset(t *testing.T) {
	p := pipe.New(pipe.Options{})
	p.Writer().Write([]byte("\x01a\x02bc\xFFjunk"))
	p.Writer().Complete(nil)
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	for range 2 {
		_, err := r.Read(testkit.Context(t))
		require.NoError(t, err)
		r.Advance()
	}
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, errBadLength)
	var perr *protocol.ParseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, int64(5), perr.Offset)
	assert.Contains(t, err.Error(), "offset 5")
}

// never is a codec that never finds a whole message: it only looks.
type never struct{}

func (never) Parse(buf pipe.Sequence) (pipe.Sequence, pipe.Position, pipe.Position, error) {
	return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
}

func TestMessageTooLargeBeforeBufferingMuchMore(t *testing.T) {
	const max, chunk = 1000, 100
	p := pipe.New(pipe.Options{})
	sent := make(chan int, 1)
	go func() {
		w := p.Writer()
		total := 0
		for total < 1<<20 { // a message that never ends
			w.Write(make([]byte, chunk))
			if res, err := w.Flush(context.Background()); err != nil || res.Completed {
				break // the reader gave up
			}
			total += chunk
		}
		sent <- total
		w.Complete(nil)
	}()
	r := protocol.NewReader[pipe.Sequence](p.Reader(), never{}, protocol.ReaderOptions{MaxMessageSize: max})
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, protocol.ErrMessageTooLarge)
	p.Reader().Complete(err)
	assert.Less(t, <-sent, 1<<20, "the reader gave up long before the end")
}

func TestReadHonoursContextAndCancellation(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	_, err := r.Read(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled)

	p.Writer().Write([]byte("\x05par")) // incomplete
	p.Writer().Flush(context.Background())
	p.Reader().CancelPendingRead()
	_, err = r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, reader.ErrReadCanceled)

	p.Writer().Write([]byte("ts"))
	p.Writer().Flush(context.Background())
	m, err := r.Read(testkit.Context(t))
	require.NoError(t, err, "the reader goes on after a cancellation")
	assert.Equal(t, "parts", m.String())
	r.Advance()
}

func TestMisusePanics(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	assert.PanicsWithValue(t, "protocol: Advance without a message from Read", r.Advance)
	p.Writer().Write([]byte("\x01a\x01b"))
	p.Writer().Flush(context.Background())
	_, err := r.Read(testkit.Context(t))
	require.NoError(t, err)
	assert.PanicsWithValue(t, "protocol: Read before Advance of the previous message", func() { r.Read(context.Background()) })
}

func TestWriterIsSafeForConcurrentUse(t *testing.T) {
	p := pipe.New(pipe.Options{})
	out := &countingWriter{Writer: p.Writer()}
	w := protocol.NewWriter[[]byte](out, tiny{})
	const writers, each = 10, 100
	go func() {
		var wg sync.WaitGroup
		for g := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := w.Write(context.Background(), message(g*each+i)); err != nil {
						panic(err)
					}
				}
			}()
		}
		wg.Wait()
		p.Writer().Complete(nil)
	}()

	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	seen := map[string]bool{}
	for {
		m, err := r.Read(testkit.Context(t))
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "no message was interleaved with another")
		seen[m.String()] = true
		r.Advance()
	}
	assert.Len(t, seen, writers*each)
	assert.Equal(t, writers*each, out.flushes, "one flush per Write")
}

func TestWriterErrors(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w := protocol.NewWriter[[]byte](p.Writer(), tiny{})
	err := w.Write(testkit.Context(t), make([]byte, 300))
	assert.ErrorIs(t, err, protocol.ErrMessageTooLarge, "the codec's error")

	p.Reader().Complete(nil)
	err = w.Write(testkit.Context(t), []byte("anyone?"))
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

// shy finds no whole message and reports examining less each time.
type shy struct{ calls int }

func (s *shy) Parse(buf pipe.Sequence) (pipe.Sequence, pipe.Position, pipe.Position, error) {
	s.calls++
	if s.calls == 1 {
		return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	return pipe.Sequence{}, buf.Start(), buf.Start(), protocol.ErrIncomplete
}

func TestCodecExaminingLessIsHarmless(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), &shy{}, protocol.ReaderOptions{})
	p.Writer().Write([]byte("abc"))
	p.Writer().Flush(context.Background())
	go func() {
		p.Writer().Write([]byte("def"))
		p.Writer().Flush(context.Background())
		p.Writer().Complete(nil)
	}()
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "no panic; the stream ends without a message")
}
