//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/f2bac256/bedrock/pipe"
)

// output is the connection's pipe.Writer: an unbounded internal pipe that
// Flush drains into netpoll's output buffer and sends.
type output struct {
	s      *npConn
	p      *pipe.Pipe
	pw     pipe.Writer
	pr     pipe.Reader
	mu     sync.Mutex
	cond   sync.Cond
	busy   bool // a Flush or Complete is sending; only it uses the pipe
	cancel bool // CancelPendingFlush for the current or next Flush
	done   bool // Complete was called
	err    error
	iov    []syscall.Iovec // send's scratch
}

func (o *output) init(s *npConn) {
	o.s = s
	o.p = pipe.New(pipe.Options{PauseWriterThreshold: -1})
	o.pw, o.pr = o.p.Writer(), o.p.Reader()
	o.cond.L = &o.mu
}

func (o *output) Buffer(sizeHint int) []byte  { return o.pw.Buffer(sizeHint) }
func (o *output) Advance(n int)               { o.pw.Advance(n) }
func (o *output) Write(b []byte) (int, error) { return o.pw.Write(b) }

func (o *output) UnflushedBytes() int {
	return o.pw.UnflushedBytes() + int(o.p.Buffered())
}

// Flush sends every committed byte with one netpoll flush, waiting until
// the kernel took them: a slow peer blocks it.
func (o *output) Flush(ctx context.Context) (pipe.FlushResult, error) {
	o.mu.Lock()
	switch {
	case o.done:
		o.mu.Unlock()
		return pipe.FlushResult{}, pipe.ErrWriterCompleted
	case o.busy:
		o.mu.Unlock()
		return pipe.FlushResult{}, pipe.ErrFlushInProgress
	case o.err != nil:
		o.mu.Unlock()
		return pipe.FlushResult{}, o.err
	case o.cancel:
		o.cancel = false
		o.mu.Unlock()
		return pipe.FlushResult{Canceled: true}, nil
	}
	if err := ctx.Err(); err != nil {
		o.mu.Unlock()
		return pipe.FlushResult{}, err
	}
	o.busy = true
	o.mu.Unlock()

	err := o.send()

	o.mu.Lock()
	defer o.mu.Unlock()
	o.busy = false
	o.cond.Broadcast()
	canceled := o.cancel
	o.cancel = false
	if err != nil {
		if o.err == nil {
			o.err = err
		}
		return pipe.FlushResult{}, o.err
	}
	if o.done {
		return pipe.FlushResult{}, pipe.ErrWriterCompleted
	}
	return pipe.FlushResult{Canceled: canceled}, nil
}

// send writes the committed bytes to the socket, and what it did not take
// at once through netpoll's output buffer, waiting until the kernel took
// them. Only the goroutine that set busy calls it.
func (o *output) send() (err error) {
	o.pw.Flush(context.Background()) // never waits: the pipe is unbounded
	res, ok, rerr := o.pr.TryRead()
	if !ok || rerr != nil {
		return nil
	}
	seq := res.Buffer
	defer o.pr.AdvanceTo(seq.End(), seq.End())
	if seq.IsEmpty() {
		return nil
	}
	s := o.s
	// First the pipe's memory straight to the socket, one writev, no copy:
	// usually the kernel takes it all. The write holds fdMu, not mu, so
	// that bytes arriving meanwhile are taken without waiting for it;
	// onClose waits for fdMu before netpoll closes the socket: fd is the
	// connection's.
	s.fdMu.Lock()
	if err := s.sendableErr(); err != nil {
		s.fdMu.Unlock()
		return err
	}
	if s.fd >= 0 {
		n, err := writev(s.fd, seq, &o.iov)
		if err != nil {
			s.fdMu.Unlock()
			return fmt.Errorf("netpoll: flush: %w", err)
		}
		seq = seq.SliceFrom(seq.PositionAt(n))
	}
	s.fdMu.Unlock()
	if seq.IsEmpty() {
		return nil
	}
	s.mu.Lock()
	if err := s.sendableErrLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	// The rest waits for the socket to drain: netpoll's output buffer and
	// Flush do that. netpoll frees its buffers in its close callback, which
	// waits for mu: they cannot go away during the copy.
	w := s.nc.Writer()
	buf, merr := w.Malloc(int(seq.Len()))
	if merr == nil {
		seq.CopyTo(buf)
	}
	s.mu.Unlock()
	if merr != nil {
		return fmt.Errorf("netpoll: flush: %w", merr)
	}
	defer func() {
		if r := recover(); r != nil { // netpoll racing its own close
			err = fmt.Errorf("netpoll: flush: %w (%v)", errClosed, r)
		}
	}()
	if ferr := w.Flush(); ferr != nil {
		s.mu.Lock()
		if s.abortErr != nil {
			ferr = s.abortErr
		}
		s.mu.Unlock()
		return fmt.Errorf("netpoll: flush: %w", ferr)
	}
	return nil
}

// CancelPendingFlush makes the next Flush return Canceled without sending,
// or the Flush in progress return Canceled once netpoll sent its bytes.
func (o *output) CancelPendingFlush() {
	o.mu.Lock()
	o.cancel = true
	o.mu.Unlock()
}

// Complete sends the committed bytes (err nil) or drops them, then
// half-closes the sending side. It waits for a Flush in progress on
// another goroutine.
func (o *output) Complete(err error) {
	o.mu.Lock()
	if o.done {
		o.mu.Unlock()
		return
	}
	o.done = true
	for o.busy {
		o.cond.Wait()
	}
	send := err == nil && o.err == nil
	o.busy = true
	o.mu.Unlock()
	if send {
		o.send()
		o.s.shutdownWrite()
	}
	o.pw.Complete(err)
	o.pr.Complete(err)
	o.mu.Lock()
	o.busy = false
	o.cond.Broadcast()
	o.mu.Unlock()
}

// abort fails later flushes with err.
func (o *output) abort(err error) {
	o.mu.Lock()
	if o.err == nil {
		o.err = err
	}
	o.mu.Unlock()
}

// sendableErr is why nothing can be sent any more, or nil.
func (s *npConn) sendableErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendableErrLocked()
}

func (s *npConn) sendableErrLocked() error {
	switch {
	case s.abortErr != nil:
		return s.abortErr
	case s.closed:
		return fmt.Errorf("netpoll: flush: %w", errClosed)
	}
	return nil
}
