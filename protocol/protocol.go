// Package protocol turns byte streams into messages and back: the
// ProtocolReader and ProtocolWriter of Project Bedrock, over any
// pipe.Reader and pipe.Writer, and so over any connection's Pipe view.
//
// A codec implements MessageReader (parse one message from the front of a
// Sequence, in place) and MessageWriter (write one message with a
// writer.Cursor). Reader drives a MessageReader: it reads from the pipe
// only when the buffered bytes hold no whole message, parses every message
// of a buffer without reading again, bounds message size, and reports a
// stream that ends mid-message as io.ErrUnexpectedEOF. Writer drives a
// MessageWriter: one flush per call, safe for concurrent use.
//
// The codecs live in subpackages: lengthprefixed, line and resp (pgwire is
// to come).
package protocol

import (
	"errors"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// ErrIncomplete is what a MessageReader returns when the buffer does not
// hold a whole message yet. It is reader.ErrIncomplete, so that codecs
// built on reader.Cursor can return the Cursor's error as it is.
var ErrIncomplete = reader.ErrIncomplete

// ErrMessageTooLarge is returned (wrapped) when a message is larger than the
// Reader's MaxMessageSize, or than a codec's own limit.
var ErrMessageTooLarge = errors.New("protocol: message too large")

// MessageReader parses messages of type T.
type MessageReader[T any] interface {
	// Parse parses the first message of buf, in place: the message may
	// reference buf's memory. It returns the message and consumed, the
	// position just after it. When buf holds no whole message yet, it
	// returns ErrIncomplete and examined, how far it looked (usually
	// buf.End()): the Reader then waits for bytes beyond examined. Any
	// other error means the input is malformed.
	Parse(buf pipe.Sequence) (msg T, consumed, examined pipe.Position, err error)
}

// MessageWriter writes messages of type T.
type MessageWriter[T any] interface {
	// WriteMessage writes msg with w. It should check msg before writing
	// any of it: bytes written before an error may already be committed.
	WriteMessage(msg T, w *writer.Cursor) error
}

// ParseError is a malformed message: Offset is the stream offset of the
// first byte of the message that failed to parse.
type ParseError struct {
	Offset int64
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("protocol: message at offset %d: %v", e.Offset, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
