// Package lengthprefixed is the codec of messages framed by a length
// header: a 1, 2, 4 or 8-byte big- or little-endian integer, or a uvarint,
// giving the length of the body that follows, optionally adjusted (for
// protocols whose length counts the header itself, for instance).
//
// A Codec is a protocol.MessageReader[pipe.Sequence] and a
// protocol.MessageWriter[[]byte]: drive it with protocol.Reader and
// protocol.Writer. Parse delivers the body as a pipe.Sequence that
// references the input in place, without copying: it is valid until the
// protocol.Reader's Advance (or, when Parse is called directly, as long as
// the Sequence it parsed). Copy it (Bytes, CopyTo) to keep it longer.
//
// Parse and WriteMessage allocate nothing, except to build an error.
package lengthprefixed

import (
	"errors"
	"fmt"
	"math"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// Header is the encoding of the length header.
type Header uint8

// The length headers. BE and LE are big- and little-endian; Uvarint is the
// encoding/binary unsigned varint (1 to 10 bytes; WriteMessage writes the
// shortest form, Parse accepts any form that fits in 64 bits).
const (
	Uint8 Header = iota
	Uint16BE
	Uint16LE
	Uint32BE
	Uint32LE
	Uint64BE
	Uint64LE
	Uvarint
)

var headerNames = [...]string{"Uint8", "Uint16BE", "Uint16LE", "Uint32BE", "Uint32LE", "Uint64BE", "Uint64LE", "Uvarint"}

// String returns the name of h, such as "Uint32BE".
func (h Header) String() string {
	if int(h) < len(headerNames) {
		return headerNames[h]
	}
	return fmt.Sprintf("Header(%d)", uint8(h))
}

// MaxLength returns the largest length h can declare: 255 for Uint8, up to
// math.MaxInt64 for Uint64BE, Uint64LE and Uvarint (declared lengths above
// it are never written, and read as too large).
func (h Header) MaxLength() int64 {
	switch h {
	case Uint8:
		return math.MaxUint8
	case Uint16BE, Uint16LE:
		return math.MaxUint16
	case Uint32BE, Uint32LE:
		return math.MaxUint32
	case Uint64BE, Uint64LE, Uvarint:
		return math.MaxInt64
	}
	panic("lengthprefixed: unknown Header " + h.String())
}

// ErrBadLength is returned (wrapped) by Parse when a declared length plus
// the Codec's Adjust is negative, and by WriteMessage when a body's length
// minus Adjust is negative or more than the Header can declare.
var ErrBadLength = errors.New("lengthprefixed: bad length")

// Codec reads and writes length-prefixed messages. The zero Codec has a
// one-byte header, no adjustment and the default size limit. A Codec is
// not modified by its methods and may be shared.
type Codec struct {
	// Header is the encoding of the length header.
	Header Header

	// Adjust is added to the declared length to get the body length (and
	// subtracted from a body's length to get the declared length on
	// write): -4, for instance, when the length counts a 4-byte header,
	// or -1 when it counts a type byte at the start of the body.
	Adjust int64

	// MaxLength bounds the body length: 0 means
	// protocol.DefaultMaxMessageSize; negative means no limit of the
	// Codec's own. A header declaring a longer body fails as soon as it is
	// read, before the body is buffered, with an error wrapping
	// protocol.ErrMessageTooLarge; WriteMessage refuses such a body in the
	// same way. The protocol.Reader's MaxMessageSize bounds the whole
	// message, header included: keep it above the header size plus
	// MaxLength.
	MaxLength int64
}

// maxLength returns the effective body length limit, or -1 for none.
func (c *Codec) maxLength() int64 {
	switch {
	case c.MaxLength == 0:
		return protocol.DefaultMaxMessageSize
	case c.MaxLength < 0:
		return -1
	}
	return c.MaxLength
}

// Parse parses the first message of buf and returns its body, which
// references buf's memory. When buf ends inside the header or the body it
// returns protocol.ErrIncomplete with examined at buf.End(). Malformed
// headers yield errors wrapping ErrBadLength, reader.ErrOverflow (a uvarint
// over 64 bits) or protocol.ErrMessageTooLarge. It panics if c.Header is
// not one of the Header constants.
func (c Codec) Parse(buf pipe.Sequence) (body pipe.Sequence, consumed, examined pipe.Position, err error) {
	cur := reader.NewCursor(buf)
	declared, err := readHeader(&cur, c.Header)
	if err != nil {
		if errors.Is(err, reader.ErrIncomplete) {
			return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
		}
		return pipe.Sequence{}, buf.Start(), buf.Start(), err
	}
	n, err := c.bodyLength(declared)
	if err != nil {
		return pipe.Sequence{}, buf.Start(), cur.Position(), err
	}
	body, ok := cur.ReadN(n)
	if !ok {
		return pipe.Sequence{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	end := cur.Position()
	return body, end, end, nil
}

// errOverflow is the error of a uvarint header over 64 bits.
var errOverflow = fmt.Errorf("lengthprefixed: length header: %w", reader.ErrOverflow)

// readHeader reads a length header: reader.ErrIncomplete when it is not
// whole yet, errOverflow for an overlong uvarint.
func readHeader(cur *reader.Cursor, h Header) (uint64, error) {
	var v uint64
	var ok bool
	switch h {
	case Uint8:
		var b byte
		b, ok = cur.Peek()
		if ok {
			cur.Advance(1)
			v = uint64(b)
		}
	case Uint16BE:
		var x uint16
		x, ok = cur.ReadUint16BE()
		v = uint64(x)
	case Uint16LE:
		var x uint16
		x, ok = cur.ReadUint16LE()
		v = uint64(x)
	case Uint32BE:
		var x uint32
		x, ok = cur.ReadUint32BE()
		v = uint64(x)
	case Uint32LE:
		var x uint32
		x, ok = cur.ReadUint32LE()
		v = uint64(x)
	case Uint64BE:
		v, ok = cur.ReadUint64BE()
	case Uint64LE:
		v, ok = cur.ReadUint64LE()
	case Uvarint:
		x, err := cur.ReadUvarint()
		if errors.Is(err, reader.ErrOverflow) {
			return 0, errOverflow
		}
		return x, err
	default:
		panic("lengthprefixed: unknown Header " + h.String())
	}
	if !ok {
		return 0, reader.ErrIncomplete
	}
	return v, nil
}

// bodyLength returns the body length for a declared length, checked.
func (c *Codec) bodyLength(declared uint64) (int64, error) {
	max := c.maxLength()
	if declared > math.MaxInt64 || c.Adjust > 0 && int64(declared) > math.MaxInt64-c.Adjust {
		return 0, fmt.Errorf("%w: declared length %d%+d overflows an int64", protocol.ErrMessageTooLarge, declared, c.Adjust)
	}
	n := int64(declared) + c.Adjust
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w: declared length %d%+d is negative", ErrBadLength, declared, c.Adjust)
	case max >= 0 && n > max:
		return 0, fmt.Errorf("%w: body of %d bytes over the limit of %d", protocol.ErrMessageTooLarge, n, max)
	}
	return n, nil
}

// WriteMessage writes body with its length header. It checks the length
// first and writes nothing when it fails: an error wrapping ErrBadLength
// when len(body) minus Adjust is negative or more than the Header can
// declare, or wrapping protocol.ErrMessageTooLarge when the body is over
// MaxLength. It panics if c.Header is not one of the Header constants.
func (c Codec) WriteMessage(body []byte, w *writer.Cursor) error {
	n := int64(len(body))
	if max := c.maxLength(); max >= 0 && n > max {
		return fmt.Errorf("%w: body of %d bytes over the limit of %d", protocol.ErrMessageTooLarge, n, max)
	}
	if c.Adjust < 0 && n > math.MaxInt64+c.Adjust || n-c.Adjust < 0 || n-c.Adjust > c.Header.MaxLength() {
		return fmt.Errorf("%w: body of %d bytes%+d does not fit a %v header", ErrBadLength, n, -c.Adjust, c.Header)
	}
	d := n - c.Adjust
	switch c.Header {
	case Uint8:
		w.WriteByte(byte(d))
	case Uint16BE:
		w.WriteUint16BE(uint16(d))
	case Uint16LE:
		w.WriteUint16LE(uint16(d))
	case Uint32BE:
		w.WriteUint32BE(uint32(d))
	case Uint32LE:
		w.WriteUint32LE(uint32(d))
	case Uint64BE:
		w.WriteUint64BE(uint64(d))
	case Uint64LE:
		w.WriteUint64LE(uint64(d))
	case Uvarint:
		w.WriteUvarint(uint64(d))
	}
	w.Write(body)
	return nil
}

// Interface checks.
var (
	_ protocol.MessageReader[pipe.Sequence] = Codec{}
	_ protocol.MessageWriter[[]byte]        = Codec{}
)
