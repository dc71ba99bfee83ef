package pipe

import "context"

// ReadResult is what a Read returns: the buffered data and the state of the
// pipe when it was read.
type ReadResult struct {
	// Buffer holds every byte flushed and not yet consumed. It is valid
	// until the next AdvanceTo or Consume.
	Buffer Sequence
	// Canceled reports that CancelPendingRead interrupted the read.
	Canceled bool
	// Completed reports that the writer completed: no more data will come.
	Completed bool
}

// Reader is the reading side of a pipe. A Pipe implements it, and so do
// transports that read straight from their own memory.
//
// Every Read that returns a nil error must be followed by exactly one
// AdvanceTo (or Consume) before the next Read; a Read that returns an error
// holds no buffer. One Read may be in progress at a time.
type Reader interface {
	// Read waits until there are bytes the reader has not examined, the
	// writer completed, the read is canceled or ctx is done, and returns
	// all the unconsumed bytes. A done ctx yields ctx.Err(). Once the writer
	// completed with an error and every byte has been examined, Read returns
	// that error.
	Read(ctx context.Context) (ReadResult, error)

	// ReadAtLeast is Read that waits until at least n bytes are unconsumed
	// (or the writer completed, or the read is canceled). While it waits the
	// writer is not paused by backpressure, whatever the threshold.
	ReadAtLeast(ctx context.Context, n int) (ReadResult, error)

	// TryRead returns what Read would return if Read would not wait;
	// otherwise ok is false. A result with ok set and a nil error must be
	// advanced like a Read's.
	TryRead() (res ReadResult, ok bool, err error)

	// AdvanceTo hands back the buffer of the last Read: bytes before
	// consumed are released, and bytes before examined were looked at, so
	// that the next Read waits for new data if examined is the end of the
	// buffer. Both positions must come from that buffer, consumed <=
	// examined, and examined must not precede the examined position of the
	// previous AdvanceTo; misuse panics with a message saying which rule
	// was broken.
	AdvanceTo(consumed, examined Position)

	// Consume is AdvanceTo(consumed, consumed) except that examined never
	// moves backwards: a position before the previously examined one only
	// consumes.
	Consume(consumed Position)

	// CancelPendingRead makes the waiting Read return now, or if none is
	// waiting the next Read, with Canceled set.
	CancelPendingRead()

	// Complete tells the writer that the reader is done; err (nil for a
	// clean end) is reported to the writer's next Flush. Buffered memory is
	// released. Complete is idempotent.
	Complete(err error)
}

// pipeReader is the Pipe seen as its Reader.
type pipeReader Pipe

func (r *pipeReader) Read(ctx context.Context) (ReadResult, error) {
	return (*Pipe)(r).read(ctx, 0)
}

func (r *pipeReader) ReadAtLeast(ctx context.Context, n int) (ReadResult, error) {
	if n < 0 {
		panic("pipe: ReadAtLeast with a negative count")
	}
	return (*Pipe)(r).read(ctx, int64(n))
}

func (r *pipeReader) TryRead() (ReadResult, bool, error) {
	p := (*Pipe)(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.readStateErrLocked(); err != nil {
		return ReadResult{}, false, err
	}
	if !p.readyLocked(0) {
		return ReadResult{}, false, nil
	}
	res, err := p.resultLocked()
	return res, true, err
}

func (r *pipeReader) AdvanceTo(consumed, examined Position) {
	(*Pipe)(r).advance(consumed, examined, true)
}

func (r *pipeReader) Consume(consumed Position) {
	(*Pipe)(r).advance(consumed, consumed, false)
}

func (r *pipeReader) CancelPendingRead() {
	p := (*Pipe)(r)
	p.mu.Lock()
	p.readCanceled = true
	if p.readWaiting {
		wake(p.readWake)
	}
	p.mu.Unlock()
}

func (r *pipeReader) Complete(err error) {
	p := (*Pipe)(r)
	p.mu.Lock()
	if p.readerDone {
		p.mu.Unlock()
		return
	}
	p.readerDone, p.readerErr, p.reading = true, err, false
	var freed *segment
	if !p.writing {
		freed = p.c.detach() // while writing, the writer's next Flush discards
	}
	wake(p.readWake) // a Read waiting on another goroutine returns
	wake(p.flushWake)
	p.mu.Unlock()
	p.c.pool.release(freed)
}

func (p *Pipe) read(ctx context.Context, need int64) (ReadResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.readStateErrLocked(); err != nil {
		return ReadResult{}, err
	}
	for !p.readyLocked(need) {
		if err := ctx.Err(); err != nil {
			return ReadResult{}, err
		}
		p.readWaiting, p.readNeed = true, need
		if p.flushWaiting && !p.shouldWaitLocked(p.resume) {
			wake(p.flushWake) // ReadAtLeast lifts the pause
		}
		p.mu.Unlock()
		select {
		case <-p.readWake:
		case <-ctx.Done():
		}
		p.mu.Lock()
		p.readWaiting, p.readNeed = false, 0
		if err := p.readStateErrLocked(); err != nil {
			return ReadResult{}, err
		}
	}
	return p.resultLocked()
}

func (p *Pipe) readStateErrLocked() error {
	switch {
	case p.abortErr != nil:
		return p.abortErr
	case p.readerDone:
		return ErrReaderCompleted
	case p.reading || p.readWaiting:
		return ErrReadInProgress
	}
	return nil
}

// resultLocked builds the result of a read that is ready.
func (p *Pipe) resultLocked() (ReadResult, error) {
	res := ReadResult{Completed: p.writerDone}
	if p.readCanceled {
		p.readCanceled, res.Canceled = false, true
	} else if p.writerDone && p.writerErr != nil && p.c.unexamined() == 0 {
		return res, p.writerErr
	}
	res.Buffer = p.c.buffer()
	p.reading = true
	return res, nil
}

func (p *Pipe) advance(consumed, examined Position, strict bool) {
	p.mu.Lock()
	if !p.reading {
		p.mu.Unlock()
		panic("pipe: AdvanceTo without a buffer from Read: it must follow each successful Read exactly once")
	}
	freed, misuse := p.c.advance(consumed, examined, strict, p.writing)
	if misuse != "" {
		p.mu.Unlock()
		panic("pipe: AdvanceTo: " + misuse)
	}
	p.reading = false
	if p.flushWaiting && !p.shouldWaitLocked(p.resume) {
		wake(p.flushWake)
	}
	p.mu.Unlock()
	p.c.pool.release(freed)
}
