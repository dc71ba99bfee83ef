package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/f2bac256/bedrock/pipe"
)

// Options configure ToIO. The zero value means the defaults.
type Options struct {
	// MinimumSegmentSize is the smallest piece of memory Buffer hands out
	// (default 4096 bytes, pipe.DefaultMinimumSegmentSize).
	MinimumSegmentSize int

	// Pool supplies the memory; nil means the pipe package's shared pool.
	Pool *pipe.Pool

	// CloseOnComplete closes the destination, if it is an io.Closer, when
	// the writer completes.
	CloseOnComplete bool
}

// deadliner is what a net.Conn offers to interrupt a blocked write.
type deadliner interface {
	SetWriteDeadline(t time.Time) error
}

// longAgo is a write deadline in the past: it makes a blocked write return.
var longAgo = time.Unix(1, 0)

// ToIO returns a pipe.Writer that writes to dst (a net.Conn, a file, a TLS
// conn, a compressor): the counterpart of .NET's StreamPipeWriter. Buffer,
// Advance and Write fill pooled memory, as much as the caller commits (there
// is no backpressure but dst's own); nothing reaches dst until Flush, which
// writes everything committed so far with one call:
//
//   - bytes in one segment: one dst.Write, straight from the segment;
//   - bytes spanning segments, dst a *net.TCPConn or *net.UnixConn: one
//     gather write (writev) straight from the segments;
//   - bytes spanning segments, any other dst: one dst.Write of a pooled
//     buffer they are gathered into (flushes above 4 MiB get a buffer of
//     their own), so that a TLS conn seals them in one run of records and a
//     compressor gets one block.
//
// A ctx that is done before Flush starts writing makes it return ctx.Err()
// without writing. When dst has a SetWriteDeadline method (a net.Conn), a
// ctx done during the write, CancelPendingFlush and Complete interrupt the
// write by moving the write deadline into the past, and the deadline is
// cleared afterwards: ToIO owns dst's write deadline. The bytes an
// interrupted write did not get out stay buffered for the next Flush
// (UnflushedBytes counts every committed byte not yet written to dst). A ctx
// that can be canceled costs one context.AfterFunc per distinct context,
// not per Flush; context.Background() costs nothing.
//
// Any other write error ends the writer: that Flush and every later one
// return it wrapped ("writer: flush: ...", errors.Is finds the cause), and
// bytes committed after it are dropped at each Flush. FlushResult.Completed
// is never set: dst has no reader that could say it is done.
//
// Complete(nil) writes the committed bytes not written yet (best effort: not
// after a write error, and not when Complete had to interrupt a Flush);
// Complete with a non-nil error drops them, since the stream ended
// abnormally. Then the memory goes back to the pool and, with
// CloseOnComplete, dst is closed: with CloseWithError(err) when err is not
// nil and dst has that method (an *io.PipeWriter), with Close otherwise.
//
// Buffer, Advance, Write, Flush and Complete belong to one goroutine at a
// time. CancelPendingFlush may be called from any goroutine, and so may
// Complete while a Flush is in progress: it interrupts that Flush, which
// returns pipe.ErrWriterCompleted, and waits for it to return. Buffer,
// Advance and Flush allocate nothing in the steady state.
func ToIO(dst io.Writer, opts Options) pipe.Writer {
	t := &ioWriter{
		dst:   dst,
		close: opts.CloseOnComplete,
		pool:  opts.Pool,
		p: pipe.New(pipe.Options{
			MinimumSegmentSize:   opts.MinimumSegmentSize,
			PauseWriterThreshold: -1,
			Pool:                 opts.Pool,
		}),
	}
	t.pw, t.pr = t.p.Writer(), t.p.Reader()
	t.dl, _ = dst.(deadliner)
	switch dst.(type) {
	case *net.TCPConn, *net.UnixConn:
		t.gather = true // net.Buffers writes these with writev
	}
	t.cond.L = &t.mu
	return t
}

// ioWriter is the pipe.Writer of ToIO: an unbounded pipe whose reader side
// is drained by Flush into dst.
type ioWriter struct {
	pool   *pipe.Pool // scratch memory to gather segments (nil: shared)
	dst    io.Writer
	dl     deadliner // dst, if it can interrupt a write
	gather bool      // dst writes net.Buffers with one writev
	close  bool      // CloseOnComplete

	p  *pipe.Pipe
	pw pipe.Writer
	pr pipe.Reader

	held    pipe.Sequence // the buffer being written, read from pr
	holding bool          // held must be handed back with AdvanceTo
	bufs    net.Buffers   // reused for writev; WriteTo consumes its header
	iov     [][]byte      // the backing array of bufs

	mu          sync.Mutex
	cond        sync.Cond       // signalled when a Flush ends
	flushing    bool            // a Flush is writing; only its goroutine uses the pipe
	watched     <-chan struct{} // Done of the ctx whose cancellation is registered
	unwatch     func() bool     // drops that registration
	interrupted bool            // the write deadline was moved into the past
	canceled    bool            // CancelPendingFlush for the current or next Flush
	completing  bool            // Complete interrupted the current Flush
	completed   bool
	err         error // the sticky, wrapped write error
}

func (t *ioWriter) Buffer(sizeHint int) []byte { return t.pw.Buffer(sizeHint) }

func (t *ioWriter) Advance(n int) { t.pw.Advance(n) }

func (t *ioWriter) Write(b []byte) (int, error) { return t.pw.Write(b) }

// UnflushedBytes returns the bytes committed and not yet written to dst,
// including those a canceled or interrupted Flush left buffered.
func (t *ioWriter) UnflushedBytes() int {
	return t.pw.UnflushedBytes() + int(t.p.Buffered())
}

func (t *ioWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	t.mu.Lock()
	switch {
	case t.completed:
		t.mu.Unlock()
		return pipe.FlushResult{}, pipe.ErrWriterCompleted
	case t.flushing:
		t.mu.Unlock()
		return pipe.FlushResult{}, pipe.ErrFlushInProgress
	}
	// The pipe never blocks, so it may be used under mu; here that keeps
	// a Complete on another goroutine from completing it meanwhile.
	if err := t.err; err != nil {
		t.commit()
		t.drop()
		t.mu.Unlock()
		return pipe.FlushResult{}, err
	}
	if t.canceled {
		t.canceled = false
		t.commit()
		t.mu.Unlock()
		return pipe.FlushResult{Canceled: true}, nil
	}
	if err := ctx.Err(); err != nil {
		t.mu.Unlock()
		return pipe.FlushResult{}, err
	}
	t.beginLocked()
	if done := ctx.Done(); t.dl != nil && done != nil && done != t.watched {
		// One registration per context, not per Flush: a connection's
		// writer is flushed with the same context again and again.
		t.stopWatchingLocked()
		t.watched, t.unwatch = done, context.AfterFunc(ctx, t.ctxDone)
	}
	t.mu.Unlock()

	t.commit()
	n, werr := t.writeOut()

	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.endFlushLocked()
	canceled := t.canceled
	t.canceled = false
	if werr != nil && t.interrupted && errors.Is(werr, os.ErrDeadlineExceeded) {
		// Our own deadline cut the write short: the stream is intact, the
		// unwritten bytes stay buffered.
		t.advance(n, false)
		switch {
		case t.completing:
			return pipe.FlushResult{}, pipe.ErrWriterCompleted
		case canceled:
			return pipe.FlushResult{Canceled: true}, nil
		}
		if err := ctx.Err(); err != nil {
			return pipe.FlushResult{}, err
		}
		// Unreachable in practice: nothing else interrupts a write.
		return pipe.FlushResult{Canceled: true}, nil
	}
	if werr != nil {
		t.err = fmt.Errorf("writer: flush: %w", werr)
		t.advance(n, true)
		return pipe.FlushResult{}, t.err
	}
	t.advance(n, false)
	if t.completing {
		return pipe.FlushResult{}, pipe.ErrWriterCompleted
	}
	return pipe.FlushResult{Canceled: canceled}, nil
}

// beginLocked starts a write to dst.
func (t *ioWriter) beginLocked() {
	t.flushing = true
}

// stopWatchingLocked drops the registration of a ctx's cancellation.
func (t *ioWriter) stopWatchingLocked() {
	if t.unwatch != nil {
		t.unwatch()
		t.watched, t.unwatch = nil, nil
	}
}

// endFlushLocked ends the Flush in progress: it clears a deadline that
// interrupted it and wakes a Complete waiting for it.
func (t *ioWriter) endFlushLocked() {
	if t.interrupted {
		t.interrupted = false
		t.dl.SetWriteDeadline(time.Time{})
	}
	t.flushing = false
	t.cond.Broadcast()
}

// ctxDone cuts short the write in progress when the registered ctx is
// done. A later Flush sees the ctx done before it writes; a registration
// that fires late, after Flush moved to another ctx, costs that Flush a
// Canceled result at most.
func (t *ioWriter) ctxDone() {
	t.mu.Lock()
	t.interruptLocked()
	t.mu.Unlock()
}

// interruptLocked cuts short the write in progress, if any, and reports
// whether there was one and it can be interrupted.
func (t *ioWriter) interruptLocked() bool {
	if !t.flushing || t.dl == nil {
		return false
	}
	if !t.interrupted {
		t.interrupted = true
		t.dl.SetWriteDeadline(longAgo)
	}
	return true
}

// CancelPendingFlush makes the Flush in progress return with Canceled set,
// interrupting its write when dst has SetWriteDeadline; when no Flush is in
// progress, the next Flush returns Canceled without writing and the bytes
// stay buffered.
func (t *ioWriter) CancelPendingFlush() {
	t.mu.Lock()
	t.canceled = true
	t.interruptLocked()
	t.mu.Unlock()
}

func (t *ioWriter) Complete(err error) {
	t.mu.Lock()
	if t.completed {
		t.mu.Unlock()
		return
	}
	t.completed = true
	t.stopWatchingLocked()
	write := err == nil && t.err == nil
	if t.flushing {
		// A Flush on another goroutine: cut it short and wait until it no
		// longer touches the pipe.
		write = false
		t.completing = true
		t.interruptLocked()
		for t.flushing {
			t.cond.Wait()
		}
	}
	if write {
		t.beginLocked() // CancelPendingFlush may interrupt this write
	}
	t.mu.Unlock()

	if write {
		t.commit()
		n, werr := t.writeOut()
		t.advance(n, werr != nil)
		t.mu.Lock()
		t.endFlushLocked()
		t.mu.Unlock()
	}
	t.pw.Complete(err)
	t.pr.Complete(err)

	if t.close {
		if cw, ok := t.dst.(interface{ CloseWithError(error) error }); ok && err != nil {
			cw.CloseWithError(err)
		} else if c, ok := t.dst.(io.Closer); ok {
			c.Close()
		}
	}
}

// commit makes the committed bytes readable from the internal pipe; it never
// waits, the pipe being unbounded.
func (t *ioWriter) commit() {
	t.pw.Flush(context.Background())
}

// drop discards every buffered byte.
func (t *ioWriter) drop() {
	if res, ok, err := t.pr.TryRead(); ok && err == nil {
		t.pr.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
}

// writeOut reads every buffered byte from the internal pipe and writes it
// to dst in one call, returning how many bytes it wrote. The buffer stays
// held until advance hands it back.
func (t *ioWriter) writeOut() (int64, error) {
	res, ok, err := t.pr.TryRead()
	if !ok || err != nil {
		return 0, nil // nothing buffered
	}
	t.held, t.holding = res.Buffer, true
	s := res.Buffer
	switch {
	case s.IsEmpty():
		return 0, nil
	case s.IsSingleSegment():
		return writeAll(t.dst, s.First())
	case t.gather:
		return t.writev(s)
	}
	// One Write: gather the segments into one pooled buffer.
	b := t.pool.Get(int(s.Len()))
	s.CopyTo(b)
	n, err := writeAll(t.dst, b[:s.Len()])
	t.pool.Put(b)
	return n, err
}

// advance hands back the buffer writeOut held: the n bytes written are
// consumed, or with all set every byte is (dropped after a write error).
func (t *ioWriter) advance(n int64, all bool) {
	if !t.holding {
		return
	}
	s := t.held
	t.held, t.holding = pipe.Sequence{}, false
	p := s.End()
	if !all {
		p = s.PositionAt(n)
	}
	t.pr.AdvanceTo(p, p)
}

// writev writes the segments of s with one gather write.
func (t *ioWriter) writev(s pipe.Sequence) (int64, error) {
	t.iov = t.iov[:0]
	for p := s.Start(); ; {
		var b []byte
		if b, p = s.Segment(p); len(b) == 0 {
			break
		}
		t.iov = append(t.iov, b)
	}
	t.bufs = t.iov
	n, err := t.bufs.WriteTo(t.dst)
	clear(t.iov) // hold no reference to pipe memory
	t.bufs = nil
	return n, err
}

// writeAll writes b with one Write, reporting a short write as an error.
func writeAll(w io.Writer, b []byte) (int64, error) {
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return int64(n), err
}
