package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
)

// DefaultMaxStartupSize is the default limit of a startup-phase message,
// the one PostgreSQL itself applies.
const DefaultMaxStartupSize = 10000

// maxBody is the largest body a length word can declare.
const maxBody = math.MaxInt32 - 4

// BackendReader is the protocol.MessageReader of the messages a server
// sends: a client's reader. Its zero value is ready to use. It holds the
// state of ExpectEncryptionResponse, so use one per connection, by
// pointer.
type BackendReader struct {
	// MaxMessageSize bounds a message, type byte and length word
	// included: 0 means protocol.DefaultMaxMessageSize, negative means
	// the protocol's own limit only (2 GiB). A larger declared length
	// fails as soon as it is read, with an error wrapping
	// protocol.ErrMessageTooLarge. Keep the protocol.Reader's
	// MaxMessageSize at least as large.
	MaxMessageSize int64

	// ExpectEncryptionResponse makes the next Parse read the one-byte
	// answer to an SSLRequest or a GSSENCRequest: 'S' or 'G' (go ahead)
	// or 'N' (refused), returned as a Message of that type with an empty
	// body. An ErrorResponse ('E') is read as such, as the protocol
	// requires. Parse clears it once it returns that message.
	ExpectEncryptionResponse bool
}

// Parse parses the first message of buf. See BackendReader.
func (r *BackendReader) Parse(buf pipe.Sequence) (Message, pipe.Position, pipe.Position, error) {
	// The fast path: a whole message of a sane length in the first
	// contiguous run of buf, as nearly every message is. Anything else
	// (a short or split header, a bad length, a limit to check, an
	// encryption response) takes the checks below.
	if f := buf.First(); len(f) >= 5 && !r.ExpectEncryptionResponse && r.MaxMessageSize == 0 {
		// n is the declared length, negative on 32-bit platforms for
		// lengths of 2 GiB and more: those fail in parse.
		n := int(binary.BigEndian.Uint32(f[1:5]))
		if n >= 4 && n < len(f) && n < protocol.DefaultMaxMessageSize && f[0] != 0 {
			body := buf.SliceFirst(5, n+1)
			return Message{Type: f[0], Body: body}, body.End(), body.End(), nil
		}
	}
	return r.parse(buf)
}

// parse is Parse without its fast path.
func (r *BackendReader) parse(buf pipe.Sequence) (Message, pipe.Position, pipe.Position, error) {
	if r.ExpectEncryptionResponse {
		f := buf.First()
		if len(f) == 0 {
			return Message{}, buf.Start(), buf.End(), protocol.ErrIncomplete
		}
		if f[0] != TypeErrorResponse {
			body := buf.Slice(1, 1)
			r.ExpectEncryptionResponse = false
			return Message{Type: f[0], Body: body}, body.End(), body.End(), nil
		}
	}
	// The Message is built here, from results small enough for registers:
	// returning it through another function costs a copy of it.
	typ, body, err := typedFrame(buf, limit(r.MaxMessageSize, protocol.DefaultMaxMessageSize))
	if err != nil {
		return Message{}, buf.Start(), examinedAt(buf, err), err
	}
	r.ExpectEncryptionResponse = false
	return Message{Type: typ, Body: body}, body.End(), body.End(), nil
}

// FrontendReader is the protocol.MessageReader of the messages a client
// sends: a server's reader. Its zero value is ready to use and starts in
// the startup phase. It holds the state of StartupDone, so use one per
// connection, by pointer.
type FrontendReader struct {
	// MaxMessageSize bounds a typed message, type byte and length word
	// included: 0 means protocol.DefaultMaxMessageSize, negative means
	// the protocol's own limit only (2 GiB). A larger declared length
	// fails as soon as it is read, with an error wrapping
	// protocol.ErrMessageTooLarge. Keep the protocol.Reader's
	// MaxMessageSize at least as large.
	MaxMessageSize int64

	// MaxStartupSize bounds an untyped startup-phase message, length
	// word included: 0 means DefaultMaxStartupSize, negative no limit but
	// the protocol's.
	MaxStartupSize int64

	// StartupDone tells that the startup phase is over: messages are
	// typed. Parse sets it when it reads a StartupMessage (a request code
	// of major version 3); after an SSLRequest, a GSSENCRequest or a
	// CancelRequest the client sends another untyped message, or closes.
	StartupDone bool
}

// Parse parses the first message of buf. See FrontendReader.
func (r *FrontendReader) Parse(buf pipe.Sequence) (Message, pipe.Position, pipe.Position, error) {
	if r.StartupDone {
		// The fast path of BackendReader.Parse.
		if f := buf.First(); len(f) >= 5 && r.MaxMessageSize == 0 {
			n := int(binary.BigEndian.Uint32(f[1:5]))
			if n >= 4 && n < len(f) && n < protocol.DefaultMaxMessageSize && f[0] != 0 {
				body := buf.SliceFirst(5, n+1)
				return Message{Type: f[0], Body: body}, body.End(), body.End(), nil
			}
		}
		typ, body, err := typedFrame(buf, limit(r.MaxMessageSize, protocol.DefaultMaxMessageSize))
		if err != nil {
			return Message{}, buf.Start(), examinedAt(buf, err), err
		}
		return Message{Type: typ, Body: body}, body.End(), body.End(), nil
	}
	var hdr [8]byte
	if f := buf.First(); len(f) >= len(hdr) {
		copy(hdr[:], f)
	} else if buf.CopyTo(hdr[:]) < len(hdr) {
		return Message{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:])))
	if n < 8 {
		return Message{}, buf.Start(), buf.Start(), fmt.Errorf("%w: startup message length %d, below 8", ErrMalformed, n)
	}
	if max := limit(r.MaxStartupSize, DefaultMaxStartupSize); n > max {
		return Message{}, buf.Start(), buf.Start(), fmt.Errorf("%w: startup message of %d bytes over the limit of %d", protocol.ErrMessageTooLarge, n, max)
	}
	m, end, ok := frame(buf, 0, 4, n)
	if !ok {
		return Message{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	if binary.BigEndian.Uint32(hdr[4:])>>16 == 3 {
		r.StartupDone = true
	}
	return m, end, end, nil
}

// limit returns the effective limit of a MaxMessageSize-like field.
func limit(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return math.MaxInt64
	}
	return v
}

// examinedAt returns the examined position of a failed parse: the end of
// buf when it holds no whole message, its start when it is malformed.
func examinedAt(buf pipe.Sequence, err error) pipe.Position {
	if err == protocol.ErrIncomplete {
		return buf.End()
	}
	return buf.Start()
}

// typedFrame cuts the first message of buf, with a type byte, of at most
// max bytes: its type and body, or protocol.ErrIncomplete, or the error
// of a malformed or oversized header.
func typedFrame(buf pipe.Sequence, max int64) (byte, pipe.Sequence, error) {
	var hdr [5]byte
	f := buf.First()
	if len(f) >= len(hdr) {
		copy(hdr[:], f)
	} else if buf.CopyTo(hdr[:]) < len(hdr) {
		return 0, pipe.Sequence{}, protocol.ErrIncomplete
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[1:])))
	switch {
	case hdr[0] == 0:
		return 0, pipe.Sequence{}, fmt.Errorf("%w: message type 0", ErrMalformed)
	case n < 4:
		return 0, pipe.Sequence{}, fmt.Errorf("%w: message %q of length %d, below 4", ErrMalformed, hdr[0], n)
	case 1+n > max:
		return 0, pipe.Sequence{}, fmt.Errorf("%w: message %q of %d bytes over the limit of %d", protocol.ErrMessageTooLarge, hdr[0], 1+n, max)
	}
	if 1+n <= int64(len(f)) {
		// The whole message is in the first segment.
		return hdr[0], buf.SliceFirst(5, int(1+n)), nil
	}
	if buf.Len() < 1+n {
		return 0, pipe.Sequence{}, protocol.ErrIncomplete
	}
	return hdr[0], buf.Slice(5, 1+n), nil
}

// frame cuts the message of size bytes with a header of hdr bytes from
// buf, or reports that buf does not hold it all.
func frame(buf pipe.Sequence, typ byte, hdr, size int64) (Message, pipe.Position, bool) {
	if buf.Len() < size {
		return Message{}, pipe.Position{}, false
	}
	var body pipe.Sequence
	if int64(len(buf.First())) >= size {
		body = buf.SliceFirst(int(hdr), int(size))
	} else {
		body = buf.Slice(hdr, size)
	}
	return Message{Type: typ, Body: body}, body.End(), true
}
