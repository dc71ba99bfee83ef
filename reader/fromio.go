package reader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/f2bac256/bedrock/pipe"
)

// Options configure FromIO. The zero value means the defaults.
type Options struct {
	// BufferSize is the size of the pooled buffers reads land in (default
	// 4096 bytes).
	BufferSize int

	// MinimumReadSize is the least free space a read is issued into; when
	// the current buffer has less room left, a new one is taken (default
	// 1024 bytes, at most BufferSize).
	MinimumReadSize int

	// ZeroByteReads makes an idle reader hold no buffer: before taking
	// memory for a read it waits until the source is readable. It works on
	// sockets (a syscall.Conn on Unix, such as *net.TCPConn); on other
	// sources it has no effect.
	ZeroByteReads bool

	// CloseOnComplete closes the source, if it is an io.Closer, when the
	// reader completes.
	CloseOnComplete bool

	// Pool supplies the buffers; nil means the shared pool.
	Pool *pipe.Pool
}

// Defaults of Options.
const (
	DefaultBufferSize      = 4096
	DefaultMinimumReadSize = 1024
)

// maxEmptyReads is how many consecutive empty, error-free reads of the
// source are tolerated before giving up with io.ErrNoProgress.
const maxEmptyReads = 100

// FromIO returns a pipe.Reader that reads src on demand, on the goroutine
// calling Read, straight into pooled memory: no goroutine and no extra copy.
// Read returns buffered bytes the caller has not examined without touching
// src; otherwise it reads src once (or, for ReadAtLeast, until enough bytes
// are buffered).
//
// src's io.EOF completes the reader cleanly; any other error is returned,
// wrapped, by Read once the bytes before it have been examined. When src
// has a SetReadDeadline method (a net.Conn), a done ctx or a
// CancelPendingRead interrupts a blocked read by moving the read deadline
// into the past and then clearing it: FromIO owns src's read deadline.
// Without one, a blocked read of src runs to completion and the
// cancellation takes effect afterwards. A cancelable ctx costs one
// registration per distinct context, not one per read.
func FromIO(src io.Reader, opts Options) pipe.Reader {
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	if opts.MinimumReadSize <= 0 {
		opts.MinimumReadSize = DefaultMinimumReadSize
	}
	opts.MinimumReadSize = min(opts.MinimumReadSize, opts.BufferSize)
	p := pipe.New(pipe.Options{
		MinimumSegmentSize:   opts.BufferSize,
		PauseWriterThreshold: -1, // the reader itself decides when to read
		Pool:                 opts.Pool,
	})
	f := &ioReader{src: src, opts: opts, buf: p, r: p.Reader(), w: p.Writer()}
	f.deadline, _ = src.(readDeadliner)
	if opts.ZeroByteReads {
		f.readable = readableWaiter(src)
	}
	return f
}

type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

// ioReader is the pipe.Reader FromIO returns: a pipe it fills from src.
type ioReader struct {
	src      io.Reader
	opts     Options
	buf      *pipe.Pipe
	r        pipe.Reader
	w        pipe.Writer
	deadline readDeadliner // nil if src has no read deadline
	readable func() error  // waits until src is readable; nil if unsupported
	eof      bool          // src is done: the pipe's writer completed
	empty    int           // consecutive empty reads

	// The cancellation interrupt is registered once per context (keyed by
	// its Done channel), not once per read: a server passes the same
	// connection context to every Read.
	watched <-chan struct{}
	unwatch func() bool

	mu          sync.Mutex // guards the three fields below
	inRead      bool       // a read of src is in progress
	interrupted bool       // the read deadline was moved to interrupt it
	cutShort    bool       // an interruption came between reads: skip the next
}

// errInterrupted is what guard returns for a read that a cancellation cut
// short or skipped.
var errInterrupted = errors.New("reader: read interrupted")

// probe is a done context: given it, the pipe's Read returns ctx.Err(),
// context.Canceled, exactly when it would have to wait. (Compared with the
// sentinel, not probe.Err(): Err of a done context takes a lock.)
var probe = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func (f *ioReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	return f.read(ctx, 0)
}

func (f *ioReader) ReadAtLeast(ctx context.Context, n int) (pipe.ReadResult, error) {
	if n < 0 {
		panic("reader: ReadAtLeast with a negative count")
	}
	return f.read(ctx, n)
}

func (f *ioReader) read(ctx context.Context, need int) (pipe.ReadResult, error) {
	for {
		// The buffered bytes answer without touching src when they can: a
		// done context makes the pipe return ctx.Err() exactly when it would
		// have to wait for more.
		res, err := f.r.ReadAtLeast(probe, need)
		if err != context.Canceled {
			return res, err
		}
		if err := ctx.Err(); err != nil {
			return pipe.ReadResult{}, err
		}
		f.fill(ctx)
	}
}

// fill reads src once into the pipe. Errors of src complete the pipe's
// writer, so they reach the caller after the bytes before them.
func (f *ioReader) fill(ctx context.Context) {
	if done := ctx.Done(); done != nil && f.deadline != nil && done != f.watched {
		// A registration that fires between reads only skips the next
		// read once (see interrupt); the caller's loop then sees ctx done.
		f.stopWatching()
		f.watched, f.unwatch = done, context.AfterFunc(ctx, f.interrupt)
	}
	if f.readable != nil && f.buf.Buffered() == 0 {
		// Hold no buffer while waiting for an idle source.
		switch err := f.guard(f.readable); err {
		case nil:
		case errInterrupted:
			return
		default:
			f.complete(err)
			return
		}
	}
	buf := f.w.Buffer(f.opts.MinimumReadSize)
	var n int
	err := f.guard(func() error {
		var err error
		n, err = f.src.Read(buf)
		return err
	})
	f.w.Advance(n)
	switch {
	case err == errInterrupted:
		// Keep what arrived; the caller's loop sees the cancellation.
	case err != nil:
		f.complete(err)
		return
	case n == 0:
		if f.empty++; f.empty >= maxEmptyReads {
			f.complete(io.ErrNoProgress)
			return
		}
	default:
		f.empty = 0
	}
	f.w.Flush(context.Background()) // unbounded: never waits
}

// guard runs a read of src that interrupt may cut short. It returns
// errInterrupted in place of the error an interruption caused, and without
// reading when an interruption came since the last read: a cancellation
// that arrives just before the read starts is not lost.
func (f *ioReader) guard(read func() error) error {
	f.mu.Lock()
	if f.cutShort {
		f.cutShort = false
		f.mu.Unlock()
		return errInterrupted
	}
	f.inRead = true
	f.mu.Unlock()
	err := read()
	f.mu.Lock()
	f.inRead = false
	interrupted := f.interrupted
	f.interrupted = false
	if interrupted {
		f.deadline.SetReadDeadline(time.Time{})
	}
	f.mu.Unlock()
	if interrupted && (err == nil || errors.Is(err, os.ErrDeadlineExceeded)) {
		return errInterrupted
	}
	return err
}

// interrupt cuts the read of src in progress short, or the next one if
// none is. It needs src to have a read deadline.
func (f *ioReader) interrupt() {
	if f.deadline == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inRead {
		f.interrupted = true
		f.deadline.SetReadDeadline(time.Unix(1, 0))
	} else {
		f.cutShort = true
	}
}

// stopWatching drops the cancellation registration, if any.
func (f *ioReader) stopWatching() {
	if f.unwatch != nil {
		f.unwatch()
		f.watched, f.unwatch = nil, nil
	}
}

// complete ends the stream from src with err (io.EOF: a clean end).
func (f *ioReader) complete(err error) {
	if f.eof {
		return
	}
	f.eof = true
	if err == io.EOF {
		err = nil
	} else {
		err = fmt.Errorf("reader: read: %w", err)
	}
	f.w.Complete(err)
}

func (f *ioReader) TryRead() (pipe.ReadResult, bool, error) { return f.r.TryRead() }

func (f *ioReader) AdvanceTo(consumed, examined pipe.Position) { f.r.AdvanceTo(consumed, examined) }

func (f *ioReader) Consume(consumed pipe.Position) { f.r.Consume(consumed) }

func (f *ioReader) CancelPendingRead() {
	f.r.CancelPendingRead()
	f.interrupt()
}

// Complete releases the buffers and, with CloseOnComplete, closes src.
func (f *ioReader) Complete(err error) {
	f.stopWatching()
	f.r.Complete(err)
	if f.opts.CloseOnComplete {
		if c, ok := f.src.(io.Closer); ok {
			c.Close()
		}
	}
}
