package protocol_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/reader"
)

// writeFlushed writes b to p and flushes it.
func writeFlushed(t *testing.T, p *pipe.Pipe, b string) {
	t.Helper()
	_, err := p.Writer().Write([]byte(b))
	require.NoError(t, err)
	_, err = p.Writer().Flush(context.Background())
	require.NoError(t, err)
}

// TryRead returns the messages already buffered, then ok false without
// waiting; the bytes that come later are found by the next TryRead.
func TestTryReadReturnsOnlyBufferedMessages(t *testing.T) {
	p := pipe.New(pipe.Options{})
	in := &countingReader{Reader: p.Reader()}
	r := protocol.NewReader[pipe.Sequence](in, tiny{}, protocol.ReaderOptions{})

	_, ok, err := r.TryRead()
	require.NoError(t, err)
	assert.False(t, ok, "nothing buffered")

	writeFlushed(t, p, "\x01a\x02bc\x03def\x04gh") // three messages and half of one
	m, err := r.Read(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, "a", m.String())
	r.Advance()
	for _, want := range []string{"bc", "def"} {
		m, ok, err := r.TryRead()
		require.NoError(t, err)
		require.True(t, ok, "%q is buffered", want)
		assert.Equal(t, want, m.String())
		r.Advance()
	}
	_, ok, err = r.TryRead()
	require.NoError(t, err)
	assert.False(t, ok, "only half of the fourth message is buffered")
	_, ok, err = r.TryRead()
	require.NoError(t, err)
	assert.False(t, ok, "asking again changes nothing")

	writeFlushed(t, p, "ij\x01k")
	m, ok, err = r.TryRead()
	require.NoError(t, err)
	require.True(t, ok, "the rest came in: TryRead takes it from the pipe")
	assert.Equal(t, "ghij", m.String())
	r.Advance()
	m, ok, err = r.TryRead()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "k", m.String())
	r.Advance()
	assert.Equal(t, 1, in.reads, "TryRead never called the pipe's Read")
	assert.Equal(t, int64(16), r.Offset())
}

// After TryRead found nothing, Read waits for new bytes and then returns
// the message they complete.
func TestReadWaitsAfterTryReadFoundNothing(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	writeFlushed(t, p, "\x03ab")
	_, ok, err := r.TryRead()
	require.NoError(t, err)
	require.False(t, ok)

	_, err = r.Read(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled, "Read would wait: the partial message was examined")

	var got string
	done := testkit.Async(func() {
		m, err := r.Read(testkit.Context(t))
		if assert.NoError(t, err) {
			got = m.String()
			r.Advance()
		}
	})
	testkit.RequireBlocked(t, done)
	writeFlushed(t, p, "c")
	testkit.RequireDone(t, done)
	assert.Equal(t, "abc", got)
}

// TryRead reports the end of the stream, a truncated message and a
// malformed one as Read does.
func TestTryReadErrorsAreReads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		want  error
	}{
		{"end", "\x01a", io.EOF},
		{"truncated", "\x01a\x05abc", io.ErrUnexpectedEOF},
		{"malformed", "\x01a\xFF", errBadLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pipe.New(pipe.Options{})
			p.Writer().Write([]byte(tc.input))
			p.Writer().Complete(nil)
			r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
			m, ok, err := r.TryRead()
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "a", m.String())
			r.Advance()
			_, ok, err = r.TryRead()
			assert.False(t, ok)
			assert.ErrorIs(t, err, tc.want)
			if tc.want != io.EOF {
				var perr *protocol.ParseError
				require.ErrorAs(t, err, &perr)
				assert.Equal(t, int64(2), perr.Offset)
			}
		})
	}
}

// A canceled pending read is reported by TryRead too, and the Reader goes
// on afterwards.
func TestTryReadReportsCancellation(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	p.Reader().CancelPendingRead()
	_, ok, err := r.TryRead()
	assert.False(t, ok)
	assert.ErrorIs(t, err, reader.ErrReadCanceled)

	writeFlushed(t, p, "\x02ok")
	m, ok, err := r.TryRead()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "ok", m.String())
	r.Advance()
}

func TestTryReadBeforeAdvancePanics(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	writeFlushed(t, p, "\x01a\x01b")
	_, ok, err := r.TryRead()
	require.NoError(t, err)
	require.True(t, ok)
	assert.PanicsWithValue(t, "protocol: Read before Advance of the previous message", func() { r.TryRead() })
}

// Reading a batch with Read, then TryRead until it finds nothing,
// allocates nothing.
func TestTryReadAllocatesNothing(t *testing.T) {
	if testkit.RaceEnabled {
		t.Skip("allocation counts are only meaningful without the race detector")
	}
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	ctx := context.Background()
	batch := []byte("\x03one\x03two\x05three\x04ha") // three messages and half of one
	rest := []byte("lf")
	cycle := func() {
		p.Writer().Write(batch)
		p.Writer().Flush(ctx)
		if _, err := r.Read(ctx); err != nil {
			panic(err)
		}
		r.Advance()
		for range 2 {
			if _, ok, err := r.TryRead(); !ok || err != nil {
				panic("TryRead of a buffered message")
			}
			r.Advance()
		}
		if _, ok, err := r.TryRead(); ok || err != nil {
			panic("TryRead of half a message")
		}
		p.Writer().Write(rest)
		p.Writer().Flush(ctx)
		if m, ok, err := r.TryRead(); !ok || err != nil || m.Len() != 4 {
			panic("TryRead of the completed message")
		}
		r.Advance()
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}

// A server answers a pipelined batch with one flush: the first request
// with Read, which waits, the others with TryRead, which does not; the
// replies are flushed when TryRead finds no further whole request.
func ExampleReader_TryRead() {
	ctx := context.Background()
	p := pipe.New(pipe.Options{})
	p.Writer().Write([]byte("\x03one\x03two\x05three\x04ha")) // three requests and half of one
	p.Writer().Flush(ctx)

	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	req, err := r.Read(ctx)
	for ok := err == nil; ok; req, ok, err = r.TryRead() {
		fmt.Println("answer", req.String())
		r.Advance()
	}
	fmt.Println("flush the replies; then wait in Read; err:", err)
	// Output:
	// answer one
	// answer two
	// answer three
	// flush the replies; then wait in Read; err: <nil>
}
