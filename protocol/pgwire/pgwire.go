// Package pgwire is the codec of the PostgreSQL frontend/backend protocol,
// version 3 (3.0 and 3.2), in both directions: for a driver, which writes
// frontend messages and reads backend messages, and for a server, which
// does the opposite.
//
// # Frames
//
// Every message is read as a Message: its type byte and its body, the bytes
// after the length word, as a pipe.Sequence that references the input in
// place. Two protocol.MessageReader[Message] implementations cut a stream
// into Messages:
//
//   - BackendReader reads what a server sends (a client's reader). After
//     an SSLRequest or a GSSENCRequest, set ExpectEncryptionResponse: the
//     one-byte answer ('S', 'G' or 'N') is then read as a Message of that
//     type with an empty body.
//   - FrontendReader reads what a client sends (a server's reader). It
//     starts in the startup phase, where messages have no type byte: they
//     are read as Messages of Type 0 whose body starts with the request
//     code (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest).
//     Reading a StartupMessage ends the startup phase; StartupDone can also
//     be set by hand.
//
// Both check the declared length as soon as the header is buffered: a
// message over the limit fails with an error wrapping
// protocol.ErrMessageTooLarge before its body is buffered, and a length that
// cannot be (below 4, or a type byte of 0) with one wrapping ErrMalformed.
// Drive them with protocol.Reader, which adds the stream offset of a bad
// message (a *protocol.ParseError) and reports a stream cut inside a message
// as io.ErrUnexpectedEOF.
//
// # Typed messages
//
// The Decode functions (DecodeDataRow, DecodeRowDescription, DecodeBind...)
// check a Message's type and its whole body and return a typed view of it,
// without copying: strings and values are pipe.Sequences into the body
// (contiguous whenever the body is, so Sequence.First is all of it), and
// lists are read by iterators that allocate nothing. The values of a
// DataRow or a Bind are read by Values, a scanner (Next, then Null,
// Contiguous for the bytes in place, Data for the Sequence), kept free of
// copies of large structs; a DataRow whose body is contiguous also gives
// them all at once, as byte slices in place, with AppendValues. The other,
// shorter lists (Fields of a RowDescription, Strings, Params, ErrorFields)
// return each item from Next. A typed view is valid as long as the Message is:
// until the protocol.Reader's Advance. A malformed body gives an error
// wrapping ErrMalformed, never a panic; a Message of another type, one
// wrapping ErrWrongType.
//
// Which side sends what (F: frontend, the client; B: backend, the server):
//
//	startup  F: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest (untyped)
//	auth     B: Authentication (Ok, CleartextPassword, MD5Password, SASL, SASLContinue, SASLFinal)
//	         F: PasswordMessage, SASLInitialResponse, SASLResponse (all of type 'p')
//	         B: ParameterStatus, BackendKeyData, NegotiateProtocolVersion
//	simple   F: Query
//	         B: RowDescription, DataRow, CommandComplete, EmptyQueryResponse,
//	            ErrorResponse, NoticeResponse, ReadyForQuery, NotificationResponse
//	extended F: Parse, Bind, Describe, Execute, Close, Sync, Flush
//	         B: ParseComplete, BindComplete, CloseComplete, NoData,
//	            ParameterDescription, PortalSuspended
//	copy     B: CopyInResponse, CopyOutResponse, CopyBothResponse
//	         F and B: CopyData, CopyDone; F: CopyFail
//	end      F: Terminate
//
// # Rows in bulk
//
// The hot path of a driver reading a large result is RowScanner: given the
// buffer of a pipe.Reader's Read, it reads the run of DataRows at its start
// in place (a small row cut by a segment edge from a copy), checking each
// frame and body in one pass, and leaves every
// other message (and a large row cut by a segment edge) to a BackendReader.
// Its Next loop gives each row's values as a [][]byte; its Rows loop, the
// fastest, yields each row and each of its values from range-over-func
// iterators that inline into the loop, checking the values as it yields
// them, with no slice of them stored.
//
// # Writing
//
// The Append functions write one message each with a writer.Cursor,
// straight into the pipe's memory, from plain Go values (strings, byte
// slices, nil for a NULL value); they check their arguments before writing
// anything and allocate nothing. To send messages through a
// protocol.Writer, wrap them in an Encoder (EncodeFunc, or a Message to
// forward a frame as it was read) and use Writer as the MessageWriter.
package pgwire

import (
	"errors"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/writer"
)

// ErrMalformed is wrapped by the errors of a frame or a body that breaks
// the protocol: a bad length, a missing string terminator, a count that
// does not match the body.
var ErrMalformed = errors.New("pgwire: malformed message")

// ErrWrongType is wrapped by the error of a Decode function given a Message
// of another type.
var ErrWrongType = errors.New("pgwire: wrong message type")

// ErrInvalid is wrapped by the error of an Append function whose arguments
// cannot be encoded: a string holding a NUL byte, too many values for the
// protocol's 16-bit counts, a message over 2 GiB.
var ErrInvalid = errors.New("pgwire: invalid message")

// Message types sent by the frontend (the client).
const (
	TypeBind         byte = 'B'
	TypeClose        byte = 'C'
	TypeDescribe     byte = 'D'
	TypeExecute      byte = 'E'
	TypeFunctionCall byte = 'F'
	TypeFlush        byte = 'H'
	TypeParse        byte = 'P'
	TypeQuery        byte = 'Q'
	TypeSync         byte = 'S'
	TypeTerminate    byte = 'X'
	TypeCopyFail     byte = 'f'
	// TypePassword is PasswordMessage, SASLInitialResponse, SASLResponse
	// and GSSResponse: the Authentication request being answered tells
	// which.
	TypePassword byte = 'p'
)

// Message types sent by either side.
const (
	TypeCopyData byte = 'd'
	TypeCopyDone byte = 'c'
)

// Message types sent by the backend (the server).
const (
	TypeParseComplete            byte = '1'
	TypeBindComplete             byte = '2'
	TypeCloseComplete            byte = '3'
	TypeNotificationResponse     byte = 'A'
	TypeCommandComplete          byte = 'C'
	TypeDataRow                  byte = 'D'
	TypeErrorResponse            byte = 'E'
	TypeCopyInResponse           byte = 'G'
	TypeCopyOutResponse          byte = 'H'
	TypeEmptyQueryResponse       byte = 'I'
	TypeBackendKeyData           byte = 'K'
	TypeNoticeResponse           byte = 'N'
	TypeAuthentication           byte = 'R'
	TypeParameterStatus          byte = 'S'
	TypeRowDescription           byte = 'T'
	TypeFunctionCallResponse     byte = 'V'
	TypeCopyBothResponse         byte = 'W'
	TypeReadyForQuery            byte = 'Z'
	TypeNoData                   byte = 'n'
	TypePortalSuspended          byte = 's'
	TypeParameterDescription     byte = 't'
	TypeNegotiateProtocolVersion byte = 'v'
)

// Request codes of the untyped startup-phase messages: the first four bytes
// of their body. A StartupMessage's code is its protocol version, major in
// the high 16 bits and minor in the low ones.
const (
	ProtocolVersion30 uint32 = 3<<16 | 0
	ProtocolVersion32 uint32 = 3<<16 | 2
	CancelRequestCode uint32 = 1234<<16 | 5678
	SSLRequestCode    uint32 = 1234<<16 | 5679
	GSSENCRequestCode uint32 = 1234<<16 | 5680
)

// Transaction statuses of ReadyForQuery.
const (
	TxIdle    byte = 'I' // not in a transaction block
	TxInBlock byte = 'T' // in a transaction block
	TxFailed  byte = 'E' // in a failed transaction block
)

// Format codes of values: in Bind, RowDescription and the copy responses.
const (
	FormatText   int16 = 0
	FormatBinary int16 = 1
)

// Message is one protocol message as read from the stream: its type byte
// and its body, the bytes after the length word, in place.
//
// Type is 0 for the untyped messages of the startup phase, whose Body
// starts with the request code; it is 'S', 'G' or 'N' with an empty Body
// for the one-byte answer to an SSLRequest or a GSSENCRequest.
//
// A Message read by a protocol.Reader is valid until its Advance.
type Message struct {
	Type byte
	Body pipe.Sequence
}

// String describes m for logs and tests: its type and body length.
func (m Message) String() string {
	if m.Type == 0 {
		return fmt.Sprintf("untyped(%d bytes)", m.Body.Len())
	}
	return fmt.Sprintf("%q(%d bytes)", m.Type, m.Body.Len())
}

// Encode writes m back as it was read: with its type byte (none for Type
// 0) and its length. A Message with an empty body and a Type of 'S', 'G'
// or 'N' is the one-byte answer to an encryption request only when the
// receiver expects one; Encode writes it as a normal message.
func (m Message) Encode(w *writer.Cursor) error {
	n := m.Body.Len()
	if n > maxBody {
		return fmt.Errorf("%w: body of %d bytes", ErrInvalid, n)
	}
	if m.Type != 0 {
		w.WriteByte(m.Type)
	}
	w.WriteInt32BE(int32(4 + n))
	for b := range m.Body.All() {
		w.Write(b)
	}
	return nil
}

// Encoder is a message that writes itself with a writer.Cursor.
type Encoder interface {
	Encode(w *writer.Cursor) error
}

// EncodeFunc is an Encoder that calls itself: a function calling Append
// functions, for instance.
type EncodeFunc func(w *writer.Cursor) error

// Encode calls f(w).
func (f EncodeFunc) Encode(w *writer.Cursor) error { return f(w) }

// Writer is the protocol.MessageWriter of Encoders: use it with
// protocol.NewWriter[pgwire.Encoder].
type Writer struct{}

// WriteMessage writes msg with w.
func (Writer) WriteMessage(msg Encoder, w *writer.Cursor) error { return msg.Encode(w) }

// Interface checks.
var (
	_ protocol.MessageReader[Message] = (*FrontendReader)(nil)
	_ protocol.MessageReader[Message] = (*BackendReader)(nil)
	_ protocol.MessageWriter[Encoder] = Writer{}
	_ Encoder                         = Message{}
)
