package pipe

import (
	"sync"
)

// Default option values.
const (
	DefaultMinimumSegmentSize    = 4096
	DefaultPauseWriterThreshold  = 64 << 10
	DefaultResumeWriterThreshold = DefaultPauseWriterThreshold / 2
)

// Options configure a Pipe. The zero value means the defaults.
type Options struct {
	// MinimumSegmentSize is the smallest segment the writer is given
	// (default 4096 bytes), rounded up to the pool's size classes (powers
	// of two from 512 bytes). Larger Buffer size hints get larger segments.
	MinimumSegmentSize int

	// PauseWriterThreshold is the number of unexamined bytes at which Flush
	// blocks (default 64 KiB). A negative value means never: the pipe is
	// unbounded.
	PauseWriterThreshold int64

	// ResumeWriterThreshold is the number of unexamined bytes below which a
	// blocked Flush returns (default half of PauseWriterThreshold). It must
	// not exceed PauseWriterThreshold.
	ResumeWriterThreshold int64

	// Pool supplies segment memory; nil means a pool shared by all pipes.
	Pool *Pool
}

// Pipe is an in-process, buffered byte pipe between one writer and one
// reader, which may run on different goroutines. The writer writes into
// pooled segments and flushes them to the reader; the reader sees the data
// as a Sequence, in place, and tells the pipe how much it consumed and how
// much it examined. Backpressure blocks Flush while too many bytes are
// unexamined. A Pipe holds no goroutine; an idle Pipe holds no segment.
//
// Create Pipes with New. A Pipe whose reader and writer have both completed
// may be Reset and used again.
type Pipe struct {
	mu sync.Mutex
	c  chain

	minSegment    int
	pause, resume int64

	// Writer-side state written only by the writer. writing is also read by
	// the reader under mu: while it is set the tail belongs to the writer.
	writing   bool
	unflushed int

	readWaiting   bool  // a Read is blocked
	readNeed      int64 // bytes the blocked Read needs (0: any new byte)
	reading       bool  // a Read returned a buffer not yet advanced
	readCanceled  bool
	flushWaiting  bool
	flushCanceled bool

	readerDone, writerDone bool
	readerErr, writerErr   error
	abortErr               error // set by Abort

	readWake, flushWake chan struct{} // capacity 1: a pending wake-up
}

// New returns a Pipe configured by opts. It panics if the thresholds are
// inconsistent (ResumeWriterThreshold above PauseWriterThreshold, or
// negative while the pipe is bounded).
func New(opts Options) *Pipe {
	p := &Pipe{
		minSegment: opts.MinimumSegmentSize,
		pause:      opts.PauseWriterThreshold,
		resume:     opts.ResumeWriterThreshold,
		readWake:   make(chan struct{}, 1),
		flushWake:  make(chan struct{}, 1),
	}
	p.c.pool = opts.Pool
	if p.c.pool == nil {
		p.c.pool = sharedPool
	}
	if p.minSegment <= 0 {
		p.minSegment = DefaultMinimumSegmentSize
	}
	switch {
	case p.pause == 0:
		p.pause = DefaultPauseWriterThreshold
	case p.pause < 0:
		p.pause, p.resume = -1, -1
	}
	if p.pause > 0 {
		if p.resume == 0 {
			p.resume = p.pause / 2
		}
		if p.resume < 0 || p.resume > p.pause {
			panic("pipe: ResumeWriterThreshold must be between 1 and PauseWriterThreshold")
		}
	}
	return p
}

// Reader returns the reading side of the pipe.
func (p *Pipe) Reader() Reader { return (*pipeReader)(p) }

// Writer returns the writing side of the pipe.
func (p *Pipe) Writer() Writer { return (*pipeWriter)(p) }

// Reset makes a Pipe whose reader and writer have both completed ready for
// use again, with the same options. It panics if either side has not
// completed, since the other side could still be using the pipe.
func (p *Pipe) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.readerDone || !p.writerDone {
		panic("pipe: Reset before both the reader and the writer completed")
	}
	p.c = chain{pool: p.c.pool}
	p.writing, p.unflushed = false, 0
	p.readWaiting, p.readNeed, p.reading, p.readCanceled = false, 0, false, false
	p.flushWaiting, p.flushCanceled = false, false
	p.readerDone, p.writerDone, p.readerErr, p.writerErr = false, false, nil, nil
	p.abortErr = nil
	drain(p.readWake)
	drain(p.flushWake)
}

// Abort fails the pipe for both sides with err (ErrAborted if nil): a
// pending Read or Flush returns err at once, and so does every later one,
// buffered bytes notwithstanding. Unlike Complete, which belongs to each
// side, Abort is safe from any goroutine at any time: it releases no
// memory (a buffer being read stays valid until AdvanceTo); memory returns
// to the pool once both sides complete, as they should on seeing err. The
// first Abort's error wins.
func (p *Pipe) Abort(err error) {
	if err == nil {
		err = ErrAborted
	}
	p.mu.Lock()
	if p.abortErr == nil {
		p.abortErr = err
	}
	wake(p.readWake)
	wake(p.flushWake)
	p.mu.Unlock()
}

// Buffered returns the number of flushed bytes the reader has not consumed.
func (p *Pipe) Buffered() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c.buffered()
}

// shouldWaitLocked reports whether a Flush must (keep) waiting for the
// reader: the unexamined bytes reached the threshold (pause to start
// waiting, resume to keep waiting), unless the reader is blocked in
// ReadAtLeast for more than is buffered, which lifts the pause.
func (p *Pipe) shouldWaitLocked(threshold int64) bool {
	if p.pause < 0 || p.c.unexamined() < threshold {
		return false
	}
	return !(p.readWaiting && p.c.buffered() < p.readNeed)
}

// readyLocked reports whether a Read needing need bytes (0: any byte not
// yet examined) can return without waiting.
func (p *Pipe) readyLocked(need int64) bool {
	if p.readCanceled || p.writerDone {
		return true
	}
	if need > 0 {
		return p.c.buffered() >= need
	}
	return p.c.unexamined() > 0
}

// wake hands a wake-up to a waiter on ch without blocking.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func drain(ch chan struct{}) {
	select {
	case <-ch:
	default:
	}
}
