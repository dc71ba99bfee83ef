package pipe_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
)

// wait bounds every blocking call of a test: a hang fails instead of
// stalling the run.
const wait = 10 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// canceled is a context that is already done: a call given it returns
// ctx.Err() exactly when it would have to wait, which tests whether a call
// would block without timing anything.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func writeFlush(t *testing.T, w pipe.Writer, s string) pipe.FlushResult {
	t.Helper()
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	res, err := w.Flush(testCtx(t))
	require.NoError(t, err)
	return res
}

func read(t *testing.T, r pipe.Reader) pipe.ReadResult {
	t.Helper()
	res, err := r.Read(testCtx(t))
	require.NoError(t, err)
	return res
}

// async runs f on its own goroutine and returns a channel closed when it
// returns.
func async(f func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return done
}

func requireDone(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("blocked call did not return")
	}
}

// requireBlocked checks that done stays open for a little while. It can
// only fail when the call returned, so a slow machine cannot fail it.
func requireBlocked(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
		t.Fatal("call returned, want it blocked")
	case <-time.After(20 * time.Millisecond):
	}
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

	_, err = w.Flush(testCtx(t))
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
	_, err := w.Flush(testCtx(t))
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
	_, err = w.Flush(testCtx(t))
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
	_, err = r.Read(canceled())
	assert.ErrorIs(t, err, context.Canceled, "Read must wait for new data")

	var got pipe.ReadResult
	done := async(func() { got, err = r.Read(testCtx(t)) })
	requireBlocked(t, done)
	writeFlush(t, w, " message")
	requireDone(t, done)
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

	res, err := r.Read(canceled()) // must not need to wait
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
	_, err := r.Read(canceled())
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
	_, err = w.Flush(testCtx(t))
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

	res, err := r.Read(testCtx(t))
	require.NoError(t, err, "the data comes first")
	assert.True(t, res.Completed)
	assert.Equal(t, "ab", res.Buffer.String())
	r.AdvanceTo(res.Buffer.PositionAt(1), res.Buffer.PositionAt(1))

	res, err = r.Read(testCtx(t))
	require.NoError(t, err, "one byte is still unexamined")
	assert.Equal(t, "b", res.Buffer.String())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.End()) // examined, not consumed

	res, err = r.Read(testCtx(t))
	assert.ErrorIs(t, err, boom)
	assert.True(t, res.Completed)
	_, err = r.Read(testCtx(t))
	assert.ErrorIs(t, err, boom, "the error is sticky; no AdvanceTo after an error")
}

func TestReaderCompleteReachesFlush(t *testing.T) {
	for _, readerErr := range []error{nil, errors.New("parse failed")} {
		p := pipe.New(pipe.Options{})
		w, r := p.Writer(), p.Reader()
		r.Complete(readerErr)

		_, err := w.Write([]byte("ignored"))
		require.NoError(t, err)
		res, err := w.Flush(testCtx(t))
		assert.True(t, res.Completed)
		if readerErr == nil {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, readerErr)
		}
		_, err = r.Read(testCtx(t))
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
	done := async(func() { res, err = w.Flush(testCtx(t)) })
	requireBlocked(t, done)
	gone := errors.New("gone")
	r.Complete(gone)
	requireDone(t, done)
	assert.True(t, res.Completed)
	assert.ErrorIs(t, err, gone)
}

func TestCancelPendingRead(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()

	var res pipe.ReadResult
	var err error
	done := async(func() { res, err = r.Read(testCtx(t)) })
	requireBlocked(t, done)
	r.CancelPendingRead()
	requireDone(t, done)
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
	done := async(func() { res, err = w.Flush(testCtx(t)) })
	requireBlocked(t, done)
	w.CancelPendingFlush()
	requireDone(t, done)
	require.NoError(t, err)
	assert.True(t, res.Canceled)
	assert.Equal(t, int64(4), p.Buffered(), "a canceled flush still flushed")

	// With no Flush pending, the next Flush is canceled, once.
	w.CancelPendingFlush()
	res, err = w.Flush(canceled())
	require.NoError(t, err)
	assert.True(t, res.Canceled)
	_, err = w.Flush(canceled())
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
	done := async(func() { _, err = r.Read(ctx) })
	requireBlocked(t, done)
	cancel()
	requireDone(t, done)
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

	done := async(func() { r.Read(testCtx(t)) })
	requireBlocked(t, done)
	_, err := r.Read(testCtx(t))
	assert.ErrorIs(t, err, pipe.ErrReadInProgress, "a second concurrent Read")
	_, _, err = r.TryRead()
	assert.ErrorIs(t, err, pipe.ErrReadInProgress)

	_, err = w.Write([]byte("x"))
	require.NoError(t, err)
	var flushErr error
	flushed := async(func() { _, flushErr = w.Flush(testCtx(t)) })
	requireDone(t, done) // the Read got the byte and holds the buffer
	requireBlocked(t, flushed)
	_, err = w.Flush(testCtx(t))
	assert.ErrorIs(t, err, pipe.ErrFlushInProgress, "a second concurrent Flush")

	_, err = r.Read(testCtx(t))
	assert.ErrorIs(t, err, pipe.ErrReadInProgress, "Read before AdvanceTo of the previous one")

	w.Complete(nil)
	requireDone(t, flushed)
	assert.ErrorIs(t, flushErr, pipe.ErrWriterCompleted)
}

func TestBackpressurePausesAndResumes(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 100, ResumeWriterThreshold: 50})
	w, r := p.Writer(), p.Reader()
	ctx := testCtx(t)

	_, err := w.Write(make([]byte, 99))
	require.NoError(t, err)
	_, err = w.Flush(canceled())
	require.NoError(t, err, "99 unexamined bytes: below the pause threshold")

	_, err = w.Write(make([]byte, 1))
	require.NoError(t, err)
	var flushErr error
	done := async(func() { _, flushErr = w.Flush(ctx) })
	requireBlocked(t, done)

	// 100 unexamined bytes. Examining 40 leaves 60, not below 50: still paused.
	res := read(t, r)
	require.Equal(t, int64(100), res.Buffer.Len())
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.PositionAt(40))
	requireBlocked(t, done)

	// Examining 51 leaves 49 unexamined (nothing consumed): resumed.
	res = read(t, r)
	r.AdvanceTo(res.Buffer.Start(), res.Buffer.PositionAt(51))
	requireDone(t, done)
	require.NoError(t, flushErr)
	assert.Equal(t, int64(100), p.Buffered(), "backpressure counts unexamined, not unconsumed bytes")
}

func TestReadAtLeastLiftsThePause(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: 100})
	w, r := p.Writer(), p.Reader()
	ctx := testCtx(t)

	_, err := w.Write(make([]byte, 100))
	require.NoError(t, err)
	var flushErr error
	flushed := async(func() { _, flushErr = w.Flush(ctx) })
	requireBlocked(t, flushed)

	var res pipe.ReadResult
	var readErr error
	got := async(func() { res, readErr = r.ReadAtLeast(ctx, 150) })
	requireDone(t, flushed) // the reader needs more than is buffered
	require.NoError(t, flushErr)
	requireBlocked(t, got)

	// 160 bytes satisfy the reader; 160 unexamined bytes pause the writer
	// again until the reader examines them.
	_, err = w.Write(make([]byte, 60))
	require.NoError(t, err)
	flushed = async(func() { _, flushErr = w.Flush(ctx) })
	requireDone(t, got)
	require.NoError(t, readErr)
	assert.Equal(t, int64(160), res.Buffer.Len())
	requireBlocked(t, flushed)
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	requireDone(t, flushed)
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
		_, err = w.Flush(canceled())
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
	res, err := w.Flush(canceled())
	require.NoError(t, err)
	assert.False(t, res.Canceled, "cancellation does not survive Reset")
	writeFlush(t, w, "second")
	got := read(t, r)
	assert.Equal(t, "second", got.Buffer.String())
	assert.False(t, got.Canceled)
	assert.False(t, got.Completed)
	r.AdvanceTo(got.Buffer.End(), got.Buffer.End())
}
