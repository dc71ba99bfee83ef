package pipe_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
)

func writeFlush(t *testing.T, w pipe.Writer, s string) pipe.FlushResult {
	t.Helper()
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	res, err := w.Flush(testkit.Context(t))
	require.NoError(t, err)
	return res
}

func read(t *testing.T, r pipe.Reader) pipe.ReadResult {
	t.Helper()
	res, err := r.Read(testkit.Context(t))
	require.NoError(t, err)
	return res
}

func TestReadSeesOnlyFlushedData(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()

	_, err := w.Write([]byte("hello"))
	require.NoError(t, err)
	assert.Equal(t, 5, w.UnflushedBytes())
	_, ok, err := r.TryRead()
	require.NoError(t, err)
	assert.False(t, ok, "unflushed bytes must not be readable")

	_, err = w.Flush(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, 0, w.UnflushedBytes())
	res := read(t, r)
	assert.Equal(t, "hello", res.Buffer.String())
	assert.False(t, res.Completed)
	assert.False(t, res.Canceled)
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestBufferAdvance(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 16})
	w, r := p.Writer(), p.Reader()

	buf := w.Buffer(0)
	require.NotEmpty(t, buf, "Buffer(0) returns at least one byte")
	buf = w.Buffer(100)
	require.GreaterOrEqual(t, len(buf), 100, "Buffer honours the size hint")
	copy(buf, "abc")
	w.Advance(3)
	buf = w.Buffer(5)
	copy(buf, "defgh")
	w.Advance(5)
	_, err := w.Flush(testkit.Context(t))
	require.NoError(t, err)
	res := read(t, r)
	assert.Equal(t, "abcdefgh", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestWriteSpansSegments(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 16, PauseWriterThreshold: -1})
	w, r := p.Writer(), p.Reader()
	data := make([]byte, 10000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	n, err := w.Write(data[:10])
	require.NoError(t, err)
	require.Equal(t, 10, n)
	n, err = w.Write(data[10:])
	require.NoError(t, err)
	require.Equal(t, len(data)-10, n)
	_, err = w.Flush(testkit.Context(t))
	require.NoError(t, err)
	res := read(t, r)
	assert.Equal(t, data, res.Buffer.Bytes())
	assert.False(t, res.Buffer.IsSingleSegment(), "the first Write filled a small segment")
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestExaminedToEndWaitsForNewData(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	writeFlush(t, w, "partial")

	res := read(t, r)
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End()) // need more

	_, ok, err := r.TryRead()
	require.NoError(t, err)
	assert.False(t, ok, "everything was examined: nothing new to read")
	_, err = r.Read(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled, "Read must wait for new data")

	var got pipe.ReadResult
	done := testkit.Async(func() { got, err = r.Read(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	writeFlush(t, w, " message")
	testkit.RequireDone(t, done)
	require.NoError(t, err)
	assert.Equal(t, "partial message", got.Buffer.String(), "unconsumed bytes are returned again with the new ones")
	r.AdvanceTo(got.Buffer.End(), got.Buffer.End())
}

func TestExaminedShortOfEndReturnsAtOnce(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	writeFlush(t, w, "one;two;")

	res := read(t, r)
	first := res.Buffer.PositionAt(4)
	r.AdvanceTo(first, first)

	res, err := r.Read(testkit.Canceled()) // must not need to wait
	require.NoError(t, err)
	assert.Equal(t, "two;", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestConsumeKeepsExamined(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	writeFlush(t, w, "abcdef")

	res := read(t, r)
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End())
	writeFlush(t, w, "gh")
	res = read(t, r)
	// Consume before the previously examined position: only consumes,
	// unlike AdvanceTo, which would panic.
	r.Consume(res.Buffer.PositionAt(2))
	res = read(t, r)
	assert.Equal(t, "cdefgh", res.Buffer.String())
	r.Consume(res.Buffer.End())
	_, err := r.Read(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled, "everything was consumed")
}

func TestWriterCompleteDeliversRemainingData(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	_, err := w.Write([]byte("tail"))
	require.NoError(t, err)
	w.Complete(nil) // commits unflushed bytes

	res := read(t, r)
	assert.True(t, res.Completed)
	assert.Equal(t, "tail", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())

	res = read(t, r)
	assert.True(t, res.Completed)
	assert.True(t, res.Buffer.IsEmpty())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())

	_, err = w.Write([]byte("x"))
	assert.ErrorIs(t, err, pipe.ErrWriterCompleted)
	_, err = w.Flush(testkit.Context(t))
	assert.ErrorIs(t, err, pipe.ErrWriterCompleted)
	assert.Panics(t, func() { w.Buffer(1) })
	w.Complete(errors.New("ignored")) // idempotent
}

func TestWriterErrorSurfacesAfterRemainingData(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	boom := errors.New("boom")
	writeFlush(t, w, "ab")
	w.Complete(boom)

	res, err := r.Read(testkit.Context(t))
	require.NoError(t, err, "the data comes first")
	assert.True(t, res.Completed)
	assert.Equal(t, "ab", res.Buffer.String())
	r.AdvanceTo(res.Buffer.PositionAt(1), res.Buffer.PositionAt(1))

	res, err = r.Read(testkit.Context(t))
	require.NoError(t, err, "one byte is still unexamined")
	assert.Equal(t, "b", res.Buffer.String())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End()) // examined, not consumed

	res, err = r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, boom)
	assert.True(t, res.Completed)
	_, err = r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, boom, "the error is sticky; no AdvanceTo after an error")
}

func TestReaderCompleteReachesFlush(t *testing.T) {
	for _, readerErr := range []error{nil, errors.New("parse failed")} {
		p := pipe.New(pipe.Options{})
		w, r := p.Writer(), p.Reader()
		r.Complete(readerErr)

		_, err := w.Write([]byte("ignored"))
		require.NoError(t, err)
		res, err := w.Flush(testkit.Context(t))
		assert.True(t, res.Completed)
		if readerErr == nil {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, readerErr)
		}
		_, err = r.Read(testkit.Context(t))
		assert.ErrorIs(t, err, pipe.ErrReaderCompleted)
		assert.Zero(t, p.Buffered(), "flushed bytes nobody will read are dropped")
	}
}

func TestReaderCompleteUnblocksFlush(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 10})
	w, r := p.Writer(), p.Reader()
	_, err := w.Write(make([]byte, 10))
	require.NoError(t, err)
	var res pipe.FlushResult
	done := testkit.Async(func() { res, err = w.Flush(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	gone := errors.New("gone")
	r.Complete(gone)
	testkit.RequireDone(t, done)
	assert.True(t, res.Completed)
	assert.ErrorIs(t, err, gone)
}

func TestCancelPendingRead(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()

	var res pipe.ReadResult
	var err error
	done := testkit.Async(func() { res, err = r.Read(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	r.CancelPendingRead()
	testkit.RequireDone(t, done)
	require.NoError(t, err)
	assert.True(t, res.Canceled)
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End())

	// With no Read pending, the next Read is canceled, once.
	writeFlush(t, w, "x")
	r.CancelPendingRead()
	res = read(t, r)
	assert.True(t, res.Canceled)
	assert.Equal(t, "x", res.Buffer.String(), "a canceled read still returns the buffer")
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.Start())
	res = read(t, r)
	assert.False(t, res.Canceled)
	assert.Equal(t, "x", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestCancelPendingFlush(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 4})
	w, r := p.Writer(), p.Reader()
	_, err := w.Write([]byte("full"))
	require.NoError(t, err)

	var res pipe.FlushResult
	done := testkit.Async(func() { res, err = w.Flush(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	w.CancelPendingFlush()
	testkit.RequireDone(t, done)
	require.NoError(t, err)
	assert.True(t, res.Canceled)
	assert.Equal(t, int64(4), p.Buffered(), "a canceled flush still flushed")

	// With no Flush pending, the next Flush is canceled, once.
	w.CancelPendingFlush()
	res, err = w.Flush(testkit.Canceled())
	require.NoError(t, err)
	assert.True(t, res.Canceled)
	_, err = w.Flush(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled, "still over the threshold")

	got := read(t, r)
	assert.Equal(t, "full", got.Buffer.String())
	r.AdvanceTo(got.Buffer.End(), got.Buffer.End())
}

func TestContextCancelsBlockedCalls(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 4})
	w, r := p.Writer(), p.Reader()

	ctx, cancel := context.WithCancel(context.Background())
	var err error
	done := testkit.Async(func() { _, err = r.Read(ctx) })
	testkit.RequireBlocked(t, done)
	cancel()
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, err, context.Canceled)

	_, err = w.Write([]byte("data"))
	require.NoError(t, err)
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = w.Flush(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	res := read(t, r) // the Read that failed needs no AdvanceTo
	assert.Equal(t, "data", res.Buffer.String(), "data of a failed Flush stays flushed")
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestOneReadAndOneFlushInFlight(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 1})
	w, r := p.Writer(), p.Reader()

	done := testkit.Async(func() { r.Read(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	_, err := r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, pipe.ErrReadInProgress, "a second concurrent Read")
	_, _, err = r.TryRead()
	assert.ErrorIs(t, err, pipe.ErrReadInProgress)

	_, err = w.Write([]byte("x"))
	require.NoError(t, err)
	var flushErr error
	flushed := testkit.Async(func() { _, flushErr = w.Flush(testkit.Context(t)) })
	testkit.RequireDone(t, done) // the Read got the byte and holds the buffer
	testkit.RequireBlocked(t, flushed)
	_, err = w.Flush(testkit.Context(t))
	assert.ErrorIs(t, err, pipe.ErrFlushInProgress, "a second concurrent Flush")

	_, err = r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, pipe.ErrReadInProgress, "Read before AdvanceTo of the previous one")

	w.Complete(nil)
	testkit.RequireDone(t, flushed)
	assert.ErrorIs(t, flushErr, pipe.ErrWriterCompleted)
}

func TestBackpressurePausesAndResumes(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 100, ResumeWriterThreshold: 50})
	w, r := p.Writer(), p.Reader()
	ctx := testkit.Context(t)

	_, err := w.Write(make([]byte, 99))
	require.NoError(t, err)
	_, err = w.Flush(testkit.Canceled())
	require.NoError(t, err, "99 unexamined bytes: below the pause threshold")

	_, err = w.Write(make([]byte, 1))
	require.NoError(t, err)
	var flushErr error
	done := testkit.Async(func() { _, flushErr = w.Flush(ctx) })
	testkit.RequireBlocked(t, done)

	// 100 unexamined bytes. Examining 40 leaves 60, not below 50: still paused.
	res := read(t, r)
	require.Equal(t, int64(100), res.Buffer.Len())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.PositionAt(40))
	testkit.RequireBlocked(t, done)

	// Examining 51 leaves 49 unexamined (nothing consumed): resumed.
	res = read(t, r)
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.PositionAt(51))
	testkit.RequireDone(t, done)
	require.NoError(t, flushErr)
	assert.Equal(t, int64(100), p.Buffered(), "backpressure counts unexamined, not unconsumed bytes")
}

func TestReadAtLeastLiftsThePause(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 100})
	w, r := p.Writer(), p.Reader()
	ctx := testkit.Context(t)

	_, err := w.Write(make([]byte, 100))
	require.NoError(t, err)
	var flushErr error
	flushed := testkit.Async(func() { _, flushErr = w.Flush(ctx) })
	testkit.RequireBlocked(t, flushed)

	var res pipe.ReadResult
	var readErr error
	got := testkit.Async(func() { res, readErr = r.ReadAtLeast(ctx, 150) })
	testkit.RequireDone(t, flushed) // the reader needs more than is buffered
	require.NoError(t, flushErr)
	testkit.RequireBlocked(t, got)

	// 160 bytes satisfy the reader; 160 unexamined bytes pause the writer
	// again until the reader examines them.
	_, err = w.Write(make([]byte, 60))
	require.NoError(t, err)
	flushed = testkit.Async(func() { _, flushErr = w.Flush(ctx) })
	testkit.RequireDone(t, got)
	require.NoError(t, readErr)
	assert.Equal(t, int64(160), res.Buffer.Len())
	testkit.RequireBlocked(t, flushed)
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	testkit.RequireDone(t, flushed)
	require.NoError(t, flushErr)

	// ReadAtLeast returns short when the writer completes.
	writeFlush(t, w, "abc")
	w.Complete(nil)
	res, err = r.ReadAtLeast(ctx, 10)
	require.NoError(t, err)
	assert.True(t, res.Completed)
	assert.Equal(t, "abc", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestUnboundedNeverPauses(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := p.Writer()
	for range 64 {
		_, err := w.Write(make([]byte, 64<<10))
		require.NoError(t, err)
		_, err = w.Flush(testkit.Canceled())
		require.NoError(t, err)
	}
	assert.Equal(t, int64(64*64<<10), p.Buffered())
}

func TestOptionsValidation(t *testing.T) {
	assert.Panics(t, func() { pipe.New(pipe.Options{PauseWriterThreshold: 10, ResumeWriterThreshold: 11}) })
	assert.Panics(t, func() { pipe.New(pipe.Options{PauseWriterThreshold: 10, ResumeWriterThreshold: -1}) })
	assert.NotPanics(t, func() { pipe.New(pipe.Options{PauseWriterThreshold: 10, ResumeWriterThreshold: 10}) })
}

func TestMisusePanicsClearly(t *testing.T) {
	newPipe := func(t *testing.T) (pipe.Writer, pipe.Reader) {
		p := pipe.New(pipe.Options{MinimumSegmentSize: 8})
		return p.Writer(), p.Reader()
	}
	t.Run("AdvanceTo without Read", func(t *testing.T) {
		_, r := newPipe(t)
		assert.PanicsWithValue(t, "pipe: AdvanceTo without a buffer from Read: it must follow each successful Read exactly once",
			func() { r.AdvanceTo(pipe.Position{}, pipe.Position{}) })
	})
	t.Run("position from an older buffer", func(t *testing.T) {
		w, r := newPipe(t)
		writeFlush(t, w, "0123456789abcdef")
		old := read(t, r)
		r.AdvanceTo(old.Buffer.PositionAt(12), old.Buffer.PositionAt(12))
		res := read(t, r)
		assertPanicMentions(t, "older buffer", func() { r.AdvanceTo(old.Buffer.PositionAt(3), res.Buffer.End()) })
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End()) // the failed call changed nothing
	})
	t.Run("position past the buffer", func(t *testing.T) {
		w, r := newPipe(t)
		writeFlush(t, w, "abc")
		res := read(t, r)
		writeFlush(t, w, "def")
		other := pipe.SequenceOf([]byte("0123456789"))
		assertPanicMentions(t, "past the end", func() { r.AdvanceTo(res.Buffer.Start(), other.End()) })
	})
	t.Run("examined before consumed", func(t *testing.T) {
		w, r := newPipe(t)
		writeFlush(t, w, "abcdef")
		res := read(t, r)
		assertPanicMentions(t, "examined position precedes the consumed", func() {
			r.AdvanceTo(res.Buffer.PositionAt(4), res.Buffer.PositionAt(2))
		})
	})
	t.Run("examined moving backwards", func(t *testing.T) {
		w, r := newPipe(t)
		writeFlush(t, w, "abcdef")
		res := read(t, r)
		r.AdvanceTo(res.Buffer.Start(), res.Buffer.PositionAt(5))
		res = read(t, r)
		assertPanicMentions(t, "previously examined", func() {
			r.AdvanceTo(res.Buffer.PositionAt(1), res.Buffer.PositionAt(2))
		})
	})
	t.Run("Advance past Buffer", func(t *testing.T) {
		w, _ := newPipe(t)
		buf := w.Buffer(4)
		assertPanicMentions(t, "past the end of the memory returned by Buffer", func() { w.Advance(len(buf) + 1) })
		assertPanicMentions(t, "Advance(-1)", func() { w.Advance(-1) })
	})
	t.Run("Advance without Buffer", func(t *testing.T) {
		w, _ := newPipe(t)
		assertPanicMentions(t, "past the end", func() { w.Advance(1) })
	})
	t.Run("negative hints", func(t *testing.T) {
		w, r := newPipe(t)
		assert.Panics(t, func() { w.Buffer(-1) })
		assert.Panics(t, func() { r.ReadAtLeast(context.Background(), -1) })
	})
	t.Run("Reset before completion", func(t *testing.T) {
		p := pipe.New(pipe.Options{})
		assertPanicMentions(t, "Reset before both", p.Reset)
		p.Writer().Complete(nil)
		assertPanicMentions(t, "Reset before both", p.Reset)
		p.Reader().Complete(nil)
		assert.NotPanics(t, p.Reset)
	})
}

func assertPanicMentions(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		v := recover()
		require.NotNil(t, v, "want a panic mentioning %q", want)
		assert.Contains(t, v, want)
		assert.Contains(t, v, "pipe: ")
	}()
	f()
}

func TestReset(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	writeFlush(t, w, "first life")
	w.CancelPendingFlush()
	r.CancelPendingRead()
	w.Complete(errors.New("old error"))
	r.Complete(nil)
	p.Reset()

	assert.Zero(t, p.Buffered())
	res, err := w.Flush(testkit.Canceled())
	require.NoError(t, err)
	assert.False(t, res.Canceled, "cancellation does not survive Reset")
	writeFlush(t, w, "second")
	got := read(t, r)
	assert.Equal(t, "second", got.Buffer.String())
	assert.False(t, got.Canceled)
	assert.False(t, got.Completed)
	r.AdvanceTo(got.Buffer.End(), got.Buffer.End())
}

func TestAbortFailsBothSidesFromAnyGoroutine(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 4})
	w, r := p.Writer(), p.Reader()
	_, err := w.Write([]byte("full"))
	require.NoError(t, err)
	var flushErr error
	flushed := testkit.Async(func() { _, flushErr = w.Flush(testkit.Context(t)) })
	testkit.RequireBlocked(t, flushed)

	res := read(t, r) // a buffer held across the Abort stays valid
	gone := errors.New("peer vanished")
	p.Abort(gone)
	testkit.RequireDone(t, flushed)
	assert.ErrorIs(t, flushErr, gone)
	assert.Equal(t, "full", res.Buffer.String())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.Start())

	_, err = r.Read(testkit.Context(t))
	assert.ErrorIs(t, err, gone, "buffered bytes notwithstanding")
	_, err = w.Flush(testkit.Context(t))
	assert.ErrorIs(t, err, gone)
	p.Abort(errors.New("second")) // the first error wins
	_, _, err = r.TryRead()
	assert.ErrorIs(t, err, gone)

	// A Read waiting on another goroutine is woken.
	q := pipe.New(pipe.Options{})
	var readErr error
	done := testkit.Async(func() { _, readErr = q.Reader().Read(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	q.Abort(nil)
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, readErr, pipe.ErrAborted)

	w.Complete(nil)
	r.Complete(nil)
	p.Reset()
	writeFlush(t, w, "new") // under the 4-byte threshold
	assert.Equal(t, "new", read(t, r).Buffer.String(), "Reset clears the abort")
}
