package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/f2bac256/bedrock/pipe"
)

// ErrFlushCanceled is returned by a Stream's Write, WriteString and ReadFrom
// when the pipe.Writer's flush was canceled (pipe.Writer.CancelPendingFlush).
// The bytes were accepted: Write reports all of them written.
var ErrFlushCanceled = errors.New("writer: flush canceled")

// ReadFrom's read size adapts between these bounds: it doubles after a read
// that filled its memory and halves after one that used less than half.
const (
	minReadSize   = 512
	startReadSize = 4 << 10
	maxReadSize   = 64 << 10
)

// maxEmptyReads is how many consecutive empty, error-free reads of a source
// ReadFrom tolerates before giving up with io.ErrNoProgress.
const maxEmptyReads = 100

// Stream returns an io.WriteCloser that writes to w, the counterpart of
// .NET's PipeWriter.AsStream. Write copies p into w's memory and flushes it:
// one Flush per Write, so it waits when w applies backpressure. WriteString
// does the same without converting the string. ReadFrom (used by io.Copy)
// reads the source straight into w's memory and flushes each chunk: no
// intermediate buffer at all. Its reads start at 4 KiB, double up to 64 KiB
// while the source fills them and halve down to 512 bytes while it trickles,
// so that a slow source keeps filling the current segment instead of taking
// a new one per read.
//
// A Flush canceled with CancelPendingFlush makes the call return
// ErrFlushCanceled; the bytes stay in w.
//
// When a Flush reports Completed (the reader is gone), the call returns an
// error that wraps io.ErrClosedPipe and, if the reader completed with one,
// the reader's error too. Close completes w; it is idempotent, and a Write
// after it returns io.ErrClosedPipe. Close may be called from another
// goroutine to unblock a Write waiting in Flush when w supports that: a
// pipe.Pipe's writer waiting on backpressure, or ToIO over a net.Conn.
// Otherwise one goroutine at a time may use the stream.
func Stream(w pipe.Writer) io.WriteCloser { return &stream{w: w, readSize: startReadSize} }

// stream is the io.WriteCloser of Stream; it also implements io.ReaderFrom
// and io.StringWriter.
type stream struct {
	w        pipe.Writer
	closed   atomic.Bool
	readSize int // ReadFrom's current size hint
}

func (s *stream) Write(p []byte) (int, error) {
	if s.closed.Load() {
		return 0, io.ErrClosedPipe
	}
	if _, err := s.w.Write(p); err != nil {
		return 0, s.mapErr(err)
	}
	if err := s.flush(); err != nil {
		return s.accepted(len(p), err), err
	}
	return len(p), nil
}

// WriteString is Write for a string, copied into w's memory without an
// intermediate []byte. It implements io.StringWriter.
func (s *stream) WriteString(str string) (int, error) {
	if s.closed.Load() {
		return 0, io.ErrClosedPipe
	}
	for rest := str; len(rest) > 0; {
		buf := s.w.Buffer(min(len(rest), maxChunk))
		n := copy(buf, rest)
		s.w.Advance(n)
		rest = rest[n:]
	}
	if err := s.flush(); err != nil {
		return s.accepted(len(str), err), err
	}
	return len(str), nil
}

// ReadFrom reads r until io.EOF straight into w's memory, flushing after
// every read, and returns the number of bytes read. It implements
// io.ReaderFrom, so io.Copy to a Stream copies nothing in between.
func (s *stream) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for empty := 0; ; {
		if s.closed.Load() {
			return total, io.ErrClosedPipe
		}
		buf := s.w.Buffer(s.readSize)
		n, rerr := r.Read(buf)
		if n < 0 || n > len(buf) {
			return total, fmt.Errorf("writer: ReadFrom: invalid count %d from Read of %d bytes", n, len(buf))
		}
		switch {
		case n == len(buf):
			s.readSize = min(s.readSize*2, maxReadSize)
		case n < len(buf)/2:
			s.readSize = max(s.readSize/2, minReadSize)
		}
		if n > 0 {
			empty = 0
			s.w.Advance(n)
			total += int64(n)
			if err := s.flush(); err != nil {
				return total, err
			}
		} else if rerr == nil {
			if empty++; empty >= maxEmptyReads {
				return total, io.ErrNoProgress
			}
		}
		switch {
		case rerr == io.EOF:
			return total, nil
		case rerr != nil:
			return total, rerr
		}
	}
}

// Close completes w. It is idempotent and returns nil.
func (s *stream) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.w.Complete(nil)
	}
	return nil
}

// flush flushes w and turns its result into an error for an io method.
func (s *stream) flush() error {
	res, err := s.w.Flush(context.Background())
	switch {
	case res.Completed:
		if err != nil {
			return fmt.Errorf("writer: %w: %w", io.ErrClosedPipe, err)
		}
		return io.ErrClosedPipe
	case err != nil:
		return s.mapErr(err)
	case res.Canceled:
		return ErrFlushCanceled
	}
	return nil
}

// mapErr reports a writer completed by Close as io.ErrClosedPipe.
func (s *stream) mapErr(err error) error {
	if s.closed.Load() && errors.Is(err, pipe.ErrWriterCompleted) {
		return io.ErrClosedPipe
	}
	return err
}

// accepted returns how many of n bytes a Write may report written when its
// flush failed with err: all of them when the flush was only canceled (they
// stay in w), none otherwise.
func (s *stream) accepted(n int, err error) int {
	if err == ErrFlushCanceled {
		return n
	}
	return 0
}
