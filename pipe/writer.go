package pipe

import (
	"context"
	"fmt"
)

// FlushResult is what a Flush returns.
type FlushResult struct {
	// Canceled reports that CancelPendingFlush interrupted the flush.
	Canceled bool
	// Completed reports that the reader completed: nothing written from now
	// on will be read.
	Completed bool
}

// Writer is the writing side of a pipe. A Pipe implements it, and so do
// transports that write straight from their own memory.
//
// The writer fills memory from Buffer, commits it with Advance, and makes it
// visible to the reader with Flush. One Flush may be in progress at a time.
type Writer interface {
	// Buffer returns writable memory of at least max(sizeHint, 1) bytes. It
	// stays valid until the next Advance, Write, Flush or Complete. Buffer
	// panics after Complete or for a negative sizeHint.
	Buffer(sizeHint int) []byte

	// Advance commits n bytes written into the memory from Buffer. It panics
	// if n is negative or more than that memory holds.
	Advance(n int)

	// Write copies b into the pipe's memory without flushing it. It fails
	// only after Complete. Write implements io.Writer.
	Write(b []byte) (int, error)

	// Flush makes the committed bytes visible to the reader, then waits
	// while the reader has too many bytes unexamined (backpressure). A
	// done ctx yields ctx.Err() (the bytes stay flushed). When the reader
	// completed, the result is Completed and the error is the one the
	// reader completed with.
	Flush(ctx context.Context) (FlushResult, error)

	// UnflushedBytes returns the number of bytes committed since the last
	// Flush.
	UnflushedBytes() int

	// CancelPendingFlush makes the waiting Flush return now, or if none is
	// waiting the next one, with Canceled set.
	CancelPendingFlush()

	// Complete tells the reader that no more data will come: committed
	// bytes are flushed, and err (nil for a clean end) is what the reader's
	// Read returns once it has examined everything. Complete is idempotent.
	Complete(err error)
}

// pipeWriter is the Pipe seen as its Writer.
type pipeWriter Pipe

func (w *pipeWriter) Buffer(sizeHint int) []byte {
	if w.writing {
		if t := w.c.tail; len(t.buf)-t.w >= max(sizeHint, 1) {
			return t.buf[t.w:]
		}
	}
	return (*Pipe)(w).grow(sizeHint)
}

// grow returns writable memory of at least sizeHint bytes, linking a new
// segment if the tail lacks room. It marks the writer as writing, which
// stops the reader from releasing the tail.
func (p *Pipe) grow(sizeHint int) []byte {
	if sizeHint < 0 {
		panic("pipe: Buffer with a negative size hint")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.writerDone {
		panic("pipe: Buffer after the writer completed")
	}
	p.writing = true
	return p.c.available(max(sizeHint, 1), p.minSegment)
}

func (w *pipeWriter) Advance(n int) {
	if n == 0 {
		return
	}
	// Only while writing does the tail belong to the writer; otherwise the
	// reader may be releasing it.
	if n < 0 || !w.writing || n > len(w.c.tail.buf)-w.c.tail.w {
		panic(fmt.Sprintf("pipe: Advance(%d) past the end of the memory returned by Buffer", n))
	}
	t := w.c.tail
	t.w += n
	w.unflushed += n
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	if w.writerDone {
		return 0, ErrWriterCompleted
	}
	n := len(b)
	for len(b) > 0 {
		var buf []byte
		if w.writing && w.c.tail.w < len(w.c.tail.buf) {
			buf = w.c.tail.buf[w.c.tail.w:]
		} else {
			buf = (*Pipe)(w).grow(min(len(b), 1<<maxClassShift))
		}
		m := copy(buf, b)
		w.Advance(m)
		b = b[m:]
	}
	return n, nil
}

func (w *pipeWriter) UnflushedBytes() int { return w.unflushed }

func (w *pipeWriter) Flush(ctx context.Context) (FlushResult, error) {
	p := (*Pipe)(w)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.writerDone:
		return FlushResult{}, ErrWriterCompleted
	case p.abortErr != nil:
		return FlushResult{}, p.abortErr
	case p.flushWaiting:
		return FlushResult{}, ErrFlushInProgress
	}
	p.c.commit()
	p.unflushed, p.writing = 0, false
	if p.readWaiting && p.readyLocked(p.readNeed) {
		wake(p.readWake)
	}
	for threshold := p.pause; ; threshold = p.resume {
		if p.readerDone {
			// Nobody will read what was flushed: drop it.
			freed := p.c.detach()
			p.mu.Unlock()
			p.c.pool.release(freed)
			p.mu.Lock()
			return FlushResult{Completed: true}, p.readerErr
		}
		if p.flushCanceled {
			p.flushCanceled = false
			return FlushResult{Canceled: true}, nil
		}
		if !p.shouldWaitLocked(threshold) {
			return FlushResult{}, nil
		}
		if err := ctx.Err(); err != nil {
			return FlushResult{}, err
		}
		p.flushWaiting = true
		p.mu.Unlock()
		select {
		case <-p.flushWake:
		case <-ctx.Done():
		}
		p.mu.Lock()
		p.flushWaiting = false
		if p.writerDone {
			return FlushResult{}, ErrWriterCompleted
		}
		if p.abortErr != nil {
			return FlushResult{}, p.abortErr
		}
	}
}

func (w *pipeWriter) CancelPendingFlush() {
	p := (*Pipe)(w)
	p.mu.Lock()
	p.flushCanceled = true
	if p.flushWaiting {
		wake(p.flushWake)
	}
	p.mu.Unlock()
}

func (w *pipeWriter) Complete(err error) {
	p := (*Pipe)(w)
	p.mu.Lock()
	if p.writerDone {
		p.mu.Unlock()
		return
	}
	p.c.commit()
	p.unflushed, p.writing = 0, false
	p.writerDone, p.writerErr = true, err
	var freed *segment
	if p.readerDone {
		freed = p.c.detach()
	}
	wake(p.readWake)
	wake(p.flushWake) // a Flush waiting on another goroutine returns
	p.mu.Unlock()
	p.c.pool.release(freed)
}
