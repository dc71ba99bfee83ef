package protocol

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

// DefaultMaxMessageSize is the default of ReaderOptions.MaxMessageSize.
const DefaultMaxMessageSize = 4 << 20

// ReaderOptions configure a Reader. The zero value means the defaults.
type ReaderOptions struct {
	// MaxMessageSize bounds a message, framing included: once more bytes
	// than this are buffered without a whole message, Read fails with
	// ErrMessageTooLarge (at most one read of the transport past the
	// limit). A codec's own limit on a body should be set below it. 0
	// means DefaultMaxMessageSize; negative means no limit.
	MaxMessageSize int64
}

// Reader reads messages of type T from a pipe.Reader with a MessageReader.
// Read returns the next message, parsed in place; Advance releases it. A
// Reader reads the pipe only when the buffered bytes hold no whole message,
// so a buffer of many messages costs one read; TryRead returns the next
// message only when it is buffered already, never waiting. It is not safe
// for concurrent use.
type Reader[T any] struct {
	in    pipe.Reader
	codec MessageReader[T]
	max   int64

	buf     pipe.Sequence // the unparsed rest of the pipe's buffer, when held
	held    bool          // a pipe read is outstanding: buf is valid
	ended   bool          // that read reported the end of the stream
	offset  int64         // stream offset of buf's first byte
	seen    int64         // stream offset up to which the pipe was told bytes were examined
	out     bool          // a message was returned and not yet advanced
	msgSize int64         // its size
}

// NewReader returns a Reader of in's messages as codec parses them.
func NewReader[T any](in pipe.Reader, codec MessageReader[T], opts ReaderOptions) *Reader[T] {
	max := opts.MaxMessageSize
	if max == 0 {
		max = DefaultMaxMessageSize
	}
	return &Reader[T]{in: in, codec: codec, max: max}
}

// Read returns the next message. It may reference the pipe's memory and is
// valid until Advance, which must follow every successful Read. At the
// end of the stream Read returns io.EOF; when the stream ends inside a
// message, a *ParseError wrapping io.ErrUnexpectedEOF; for malformed input,
// a *ParseError wrapping the codec's error; for a message over the limit, a
// *ParseError wrapping ErrMessageTooLarge. Errors of the pipe pass through,
// ctx.Err() included.
func (r *Reader[T]) Read(ctx context.Context) (msg T, err error) {
	if r.held && !r.out {
		// The fast path of a message already buffered, its result
		// returned as it comes: no copy of it through next's results.
		var consumed, examined pipe.Position
		if msg, consumed, examined, err = r.codec.Parse(r.buf); err == nil {
			r.out, r.msgSize = true, r.buf.Offset(consumed)
			return msg, nil
		}
		if err := r.parsed(examined, err); err != nil {
			var zero T
			return zero, err
		}
	}
	msg, _, err = r.next(ctx, true)
	return msg, err
}

// TryRead is Read that never waits: it returns the next message with ok
// set when a whole one is already buffered, by the Reader or by the pipe
// (pipe.Reader.TryRead). Otherwise it returns ok false and a nil error:
// the next Read waits for more bytes. Its errors are Read's. A message it
// returns must be released with Advance, as one from Read.
//
// A server that answers pipelined requests reads the first with Read and
// the next ones with TryRead, and flushes its replies once TryRead finds
// no further whole request, before it waits in Read again.
func (r *Reader[T]) TryRead() (msg T, ok bool, err error) {
	return r.next(nil, false)
}

// next returns the next message; when none is buffered, it waits for the
// pipe if wait is set, and returns ok false otherwise.
func (r *Reader[T]) next(ctx context.Context, wait bool) (T, bool, error) {
	var zero T
	if r.out {
		panic("protocol: Read before Advance of the previous message")
	}
	for {
		if r.held {
			msg, consumed, examined, err := r.codec.Parse(r.buf)
			if err == nil {
				r.out, r.msgSize = true, r.buf.Offset(consumed)
				return msg, true, nil
			}
			if err := r.parsed(examined, err); err != nil {
				return zero, false, err
			}
		}
		var res pipe.ReadResult
		var err error
		if wait {
			res, err = r.in.Read(ctx)
		} else {
			var ok bool
			if res, ok, err = r.in.TryRead(); !ok && err == nil {
				return zero, false, nil
			}
		}
		if err != nil {
			return zero, false, err
		}
		r.buf, r.held, r.ended = res.Buffer, true, res.Completed
		if res.Canceled {
			r.release()
			return zero, false, reader.ErrReadCanceled
		}
	}
}

// parsed handles a failed Parse of the held buffer: it returns the error
// Read returns, or nil after handing the buffer back when it holds no
// whole message yet, so that the next read of the pipe gets more.
func (r *Reader[T]) parsed(examined pipe.Position, err error) error {
	switch {
	case !errors.Is(err, ErrIncomplete):
		return &ParseError{Offset: r.offset, Err: err}
	case r.max > 0 && r.buf.Len() > r.max:
		return &ParseError{Offset: r.offset, Err: fmt.Errorf("%w: over %d bytes buffered without a whole message", ErrMessageTooLarge, r.max)}
	case r.ended && r.buf.IsEmpty():
		return io.EOF
	case r.ended:
		return &ParseError{Offset: r.offset, Err: io.ErrUnexpectedEOF}
	}
	// No whole message yet: hand the buffer back, having looked at it up
	// to examined, and wait for more. A codec that reports less than it
	// reported before changes nothing: the pipe keeps the larger mark.
	if at := r.offset + r.buf.Offset(examined); at >= r.seen {
		r.seen = at
		r.in.AdvanceTo(r.buf.Start(), examined)
	} else {
		r.in.Consume(r.buf.Start())
	}
	r.held = false
	return nil
}

// Advance releases the message of the last Read. The next Read parses the
// next message from the same buffer when it holds one.
func (r *Reader[T]) Advance() {
	if !r.out {
		panic("protocol: Advance without a message from Read")
	}
	r.out = false
	r.buf = r.buf.Slice(r.msgSize, r.buf.Len())
	r.offset += r.msgSize
	if r.buf.IsEmpty() && !r.ended {
		r.release() // hold no memory between messages
	}
}

// release hands the buffer back, consumed up to its start.
func (r *Reader[T]) release() {
	if r.held {
		r.in.Consume(r.buf.Start())
		r.held = false
	}
}

// Offset returns the stream offset of the next unread message: the number
// of bytes of the messages read and advanced so far.
func (r *Reader[T]) Offset() int64 { return r.offset }
