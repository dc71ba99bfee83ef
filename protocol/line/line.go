// Package line is the codec of delimiter-terminated lines: text protocols
// whose messages end with "\n" (LF) or "\r\n" (CRLF), such as SMTP, POP3,
// memcached's text protocol, Redis inline commands or newline-delimited
// JSON.
//
// Codec is both a protocol.MessageReader[pipe.Sequence] and a
// protocol.MessageWriter[[]byte]. Parse returns a line without its
// delimiter as a pipe.Sequence that references the input in place, without
// copying: a line read with protocol.Reader is valid until the Reader's
// Advance, after which its memory may be reused. Copy it (Sequence.Bytes or
// String) to keep it longer.
//
// A line is bounded by Codec.MaxLength: once the buffered bytes show that the
// line under way is longer (MaxLength+len(delimiter) bytes without a
// delimiter), Parse fails with an error wrapping protocol.ErrMessageTooLarge
// without waiting for the rest of the line.
package line

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// Delimiter is the end of a line. Its zero value is LF.
type Delimiter uint8

const (
	// LF ends a line with "\n".
	LF Delimiter = iota
	// CRLF ends a line with "\r\n". A "\n" alone, or a "\r" alone, is part
	// of the line.
	CRLF
)

// String returns "LF" or "CRLF".
func (d Delimiter) String() string {
	switch d {
	case LF:
		return "LF"
	case CRLF:
		return "CRLF"
	}
	return fmt.Sprintf("Delimiter(%d)", uint8(d))
}

// Bytes returns the bytes of d: "\n" or "\r\n"; nil for an invalid value.
// The slice is shared and must not be modified.
func (d Delimiter) Bytes() []byte {
	switch d {
	case LF:
		return lf
	case CRLF:
		return crlf
	}
	return nil
}

var (
	lf   = []byte("\n")
	crlf = []byte("\r\n")
)

// ErrDelimiterInLine is returned by WriteMessage for a line that contains
// its delimiter (for LF, any "\n"; for CRLF, the sequence "\r\n"): it would
// be read back as several lines.
var ErrDelimiterInLine = errors.New("line: the line contains the delimiter")

// ErrInvalidDelimiter is returned by Parse and WriteMessage when the Codec's
// Delimiter is neither LF nor CRLF.
var ErrInvalidDelimiter = errors.New("line: invalid delimiter")

// Codec reads and writes lines. The zero Codec reads and writes lines ended
// by "\n" of at most protocol.DefaultMaxMessageSize bytes. A Codec is a
// small value with no state: it may be copied and used concurrently.
type Codec struct {
	// Delimiter ends every line: LF (the zero value) or CRLF.
	Delimiter Delimiter
	// MaxLength bounds the length of a line, its delimiter excluded. 0
	// means protocol.DefaultMaxMessageSize; negative means no limit. A
	// protocol.Reader applies its own MaxMessageSize to the bytes it
	// buffers, delimiter included: give it at least MaxLength+2 so that it
	// does not refuse a CRLF line of MaxLength bytes whose "\r" arrives
	// before its "\n".
	MaxLength int64
}

// maxLength returns the limit in effect, negative for none.
func (c Codec) maxLength() int64 {
	if c.MaxLength == 0 {
		return protocol.DefaultMaxMessageSize
	}
	return c.MaxLength
}

// Parse returns the first line of buf without its delimiter, as a Sequence
// that references buf's memory, and consumed, the position just after the
// delimiter (examined is the same). A line may span segments, and so may its
// delimiter.
//
// When buf holds no delimiter, Parse returns protocol.ErrIncomplete with
// examined at buf.End(), unless the bytes buffered already make the line
// longer than MaxLength: then it returns an error wrapping
// protocol.ErrMessageTooLarge. With CRLF, a "\r" at the end of buf may be
// the start of the delimiter, so a line that ends there is incomplete. On
// an error consumed is buf.Start() and examined is buf.End().
func (c Codec) Parse(buf pipe.Sequence) (line pipe.Sequence, consumed, examined pipe.Position, err error) {
	var dlen int64
	switch c.Delimiter {
	case LF:
		dlen = 1
	case CRLF:
		dlen = 2
	default:
		return pipe.Sequence{}, buf.Start(), buf.End(), ErrInvalidDelimiter
	}
	max := c.maxLength()
	// Look no further than where the delimiter of the longest line allowed
	// would end: scanning stays bounded however much is buffered.
	window := buf
	bounded := max >= 0 && buf.Len()-dlen > max
	if bounded {
		window = buf.Slice(0, max+dlen)
	}
	cur := reader.NewCursor(window)
	var ok bool
	if dlen == 1 {
		line, ok = cur.ReadTo('\n', true)
	} else {
		line, ok = cur.ReadToSeq(crlf, true)
	}
	if ok {
		p := cur.Position()
		if bounded {
			// The position in buf, not at the window's end (which would
			// be the same offset but possibly another segment's edge).
			p = buf.PositionAt(cur.Consumed())
		}
		return line, p, p, nil
	}
	if bounded || max >= 0 && c.minLength(buf) > max {
		return pipe.Sequence{}, buf.Start(), buf.End(),
			fmt.Errorf("%w: line over %d bytes", protocol.ErrMessageTooLarge, max)
	}
	return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
}

// minLength returns the fewest bytes the line at the start of buf, which
// holds no delimiter, can have once its delimiter arrives.
func (c Codec) minLength(buf pipe.Sequence) int64 {
	n := buf.Len()
	if c.Delimiter == CRLF && n > 0 {
		var last [1]byte
		buf.Slice(n-1, n).CopyTo(last[:])
		if last[0] == '\r' {
			n--
		}
	}
	return n
}

// WriteMessage writes line and its delimiter with w. It writes nothing and
// returns ErrDelimiterInLine if line contains the delimiter, or an error
// wrapping protocol.ErrMessageTooLarge if line is longer than MaxLength.
func (c Codec) WriteMessage(line []byte, w *writer.Cursor) error {
	switch c.Delimiter {
	case LF:
		if bytes.IndexByte(line, '\n') >= 0 {
			return ErrDelimiterInLine
		}
	case CRLF:
		if bytes.Contains(line, crlf) {
			return ErrDelimiterInLine
		}
	default:
		return ErrInvalidDelimiter
	}
	if max := c.maxLength(); max >= 0 && int64(len(line)) > max {
		return fmt.Errorf("%w: line of %d bytes, over %d", protocol.ErrMessageTooLarge, len(line), max)
	}
	w.Write(line)
	if c.Delimiter == LF {
		w.WriteByte('\n')
	} else {
		w.WriteString("\r\n")
	}
	return nil
}

var (
	_ protocol.MessageReader[pipe.Sequence] = Codec{}
	_ protocol.MessageWriter[[]byte]        = Codec{}
)
