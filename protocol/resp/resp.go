// Package resp is the codec of RESP, the Redis serialization protocol, in
// its versions 2 and 3: simple strings, errors, integers, bulk strings
// (null included), arrays (null included), and RESP3's null, boolean,
// double, big number, bulk error, verbatim string, map, set, attribute and
// push; and, for servers, inline commands (a line of words without a type
// byte, as redis-cli and telnet send "PING\r\n").
//
// Codec is a protocol.MessageReader[Value] and a
// protocol.MessageWriter[Value]. Parse validates a whole value, nested
// elements included, before it returns it, and copies nothing: the payload
// of a Value is a pipe.Sequence that references the input in place. A Value
// read with protocol.Reader is valid until the Reader's Advance, after
// which its memory may be reused; copy what must outlive it (Sequence.Bytes
// or String). The elements of an aggregate are parsed again, lazily and
// without allocating, by Value.Elements.
//
// Codec has no state: a value that is not whole yet is validated again
// from its first byte each time Parse is called, on every read of a
// protocol.Reader, which makes a large value arriving in many reads cost
// time quadratic in its size. Decoder, a Codec with the memory of one
// stream, resumes where the last Parse stopped instead: it is the
// MessageReader to give a long-lived protocol.Reader (a server's
// connection, a client's replies).
//
// Malformed input fails with an error wrapping ErrProtocol that says what is
// wrong and at which byte of the value; a bulk string longer than
// Codec.MaxBulkLength fails with an error wrapping
// protocol.ErrMessageTooLarge as soon as its header is read.
//
// The writing side is a set of Append functions that write one value or one
// aggregate header with a writer.Cursor without allocating, and Command, the
// protocol.MessageWriter[[][]byte] of the commands a client sends.
package resp

import (
	"errors"
	"fmt"
	"math"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/reader"
)

// Kind is the type of a Value.
type Kind uint8

const (
	// Invalid is the Kind of the zero Value.
	Invalid Kind = iota
	// SimpleString is "+<text>\r\n".
	SimpleString
	// Error is "-<text>\r\n".
	Error
	// Integer is ":<int64>\r\n".
	Integer
	// BulkString is "$<length>\r\n<bytes>\r\n", or "$-1\r\n" (Null set).
	BulkString
	// Array is "*<count>\r\n<elements>", or "*-1\r\n" (Null set).
	Array
	// Null is RESP3's "_\r\n".
	Null
	// Boolean is RESP3's "#t\r\n" or "#f\r\n".
	Boolean
	// Double is RESP3's ",<float>\r\n", "inf", "-inf" and "nan" included.
	Double
	// BigNumber is RESP3's "(<digits>\r\n".
	BigNumber
	// BulkError is RESP3's "!<length>\r\n<bytes>\r\n".
	BulkError
	// VerbatimString is RESP3's "=<length>\r\n<fmt>:<bytes>\r\n", fmt being
	// three bytes such as "txt" or "mkd".
	VerbatimString
	// Map is RESP3's "%<pairs>\r\n<key><value>...".
	Map
	// Set is RESP3's "~<count>\r\n<elements>".
	Set
	// Attribute is RESP3's "|<pairs>\r\n<key><value>...": Parse returns it
	// as a Value of its own; the value it annotates is the next one.
	Attribute
	// Push is RESP3's "><count>\r\n<elements>": out-of-band data.
	Push
	// Inline is an inline command: a line of words separated by spaces or
	// tabs, ended by "\n" or "\r\n", read only when Codec.Inline is set.
	Inline
)

var kindNames = [...]string{"Invalid", "SimpleString", "Error", "Integer", "BulkString", "Array",
	"Null", "Boolean", "Double", "BigNumber", "BulkError", "VerbatimString", "Map", "Set",
	"Attribute", "Push", "Inline"}

// String returns the name of k, such as "BulkString".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Prefix returns the type byte of k, such as '$' for BulkString; 0 for
// Invalid and Inline.
func (k Kind) Prefix() byte {
	if int(k) < len(prefixes) {
		return prefixes[k]
	}
	return 0
}

var prefixes = [...]byte{0, '+', '-', ':', '$', '*', '_', '#', ',', '(', '!', '=', '%', '~', '|', '>', 0}

// kindOf is the Kind of each type byte, Invalid for the others.
var kindOf = func() (t [256]Kind) {
	for k, p := range prefixes {
		if p != 0 {
			t[p] = Kind(k)
		}
	}
	return t
}()

// IsAggregate reports whether values of kind k hold elements: Array, Map,
// Set, Attribute, Push (and Inline, whose elements are its words).
func (k Kind) IsAggregate() bool {
	switch k {
	case Array, Map, Set, Attribute, Push, Inline:
		return true
	}
	return false
}

// Value is one RESP value. It references the input it was parsed from:
// after a protocol.Reader's Advance its Data is no longer valid.
type Value struct {
	// Kind is the type of the value.
	Kind Kind
	// Null is set for the null bulk string "$-1\r\n", the null array
	// "*-1\r\n" and RESP3's null "_\r\n".
	Null bool
	// Int is the value of an Integer, 1 or 0 for a Boolean.
	Int int64
	// Float is the value of a Double.
	Float float64
	// Len is the number of elements of an aggregate as its header declares
	// it: for a Map or an Attribute, the number of pairs (Elements yields
	// twice as many values); for Inline, the number of words.
	Len int64
	// Data is the payload, without type byte, length or final CRLF: the
	// text of a SimpleString, Error, Double, BigNumber or Boolean (empty
	// for an Integer, a Null and the null bulk string and array),
	// the bytes of a BulkString, BulkError or VerbatimString (its format
	// prefix included, see Verbatim), the encoded elements of an aggregate,
	// the line of an Inline command. It references the input in place.
	Data pipe.Sequence
}

// Verbatim returns the format ("txt", "mkd"...) and the text of a
// VerbatimString. For other kinds it returns an empty format and Data.
func (v Value) Verbatim() (format [3]byte, text pipe.Sequence) {
	if v.Kind != VerbatimString || v.Data.Len() < 4 {
		return format, v.Data
	}
	v.Data.Slice(0, 3).CopyTo(format[:])
	return format, v.Data.Slice(4, v.Data.Len())
}

// Elements returns an iterator over the elements of an aggregate (keys and
// values alternating for a Map or an Attribute), or over the words of an
// Inline command, given as BulkString values. For other kinds it yields
// nothing. The elements are parsed again from Data, without allocating, and
// are valid as long as v is.
func (v Value) Elements() ElementIter {
	if !v.Kind.IsAggregate() || v.Null {
		return ElementIter{}
	}
	it := ElementIter{left: v.Len, rest: v.Data}
	switch {
	case v.Kind == Map || v.Kind == Attribute:
		it.left *= 2
	case v.Kind == Inline:
		it.mode = iterInline
		return it
	}
	if b := v.Data.First(); int64(len(b)) == v.Data.Len() {
		it.b = b
	} else {
		it.mode = iterCursor
	}
	return it
}

// ElementIter iterates over the elements of a Value; see Value.Elements.
type ElementIter struct {
	left int64
	mode uint8
	// iterFast: the elements are b[i:], the bytes of rest; otherwise rest
	// is the elements not yet returned, read with a reader.Cursor.
	b    []byte
	i    int
	rest pipe.Sequence
}

// The modes of an ElementIter.
const (
	iterFast   = iota // the elements lie in one segment
	iterCursor        // they span segments
	iterInline        // the words of an inline command
)

// Remaining returns the number of elements not yet returned by Next.
func (it *ElementIter) Remaining() int64 { return it.left }

// Next returns the next element, or false when there is none left.
func (it *ElementIter) Next() (v Value, ok bool) {
	if !it.next(&v) {
		return Value{}, false
	}
	return v, true
}

// next sets *v, the zero Value, to the next element, and reports whether
// there was one. Filling in the caller's Value in place, field by field,
// spares a copy of the whole Value, which costs more than scanning it
// when done right after the fields were written.
func (it *ElementIter) next(v *Value) bool {
	if it.left <= 0 {
		return false
	}
	it.left--
	if it.mode == iterFast {
		end, st := trusted.scan(it.rest, it.b, it.i, 0, v)
		if st != scanOK { // cannot happen for a Value Parse returned
			it.left = 0
			return false
		}
		it.i = end
		return true
	}
	if it.mode == iterCursor {
		// The elements span segments; most lie in one.
		if b := it.rest.First(); len(b) >= minFastRun {
			if end, st := trusted.scan(it.rest, b, 0, 0, v); st == scanOK {
				it.rest = it.rest.SliceFrom(it.rest.PositionAt(int64(end)))
				return true
			}
			*v = Value{}
		}
	}
	cur := reader.NewCursor(it.rest)
	if it.mode == iterInline {
		cur.SkipPastAny(blanks)
		word, ok := cur.ReadToAny(blanks, false)
		if !ok {
			word = cur.UnreadSequence()
			cur.Advance(word.Len())
		}
		*v = Value{Kind: BulkString, Data: word}
	} else {
		e, err := trusted.value(&cur, 0)
		if err != nil { // cannot happen for a Value Parse returned
			it.left = 0
			return false
		}
		*v = e
	}
	it.rest = it.rest.SliceFrom(cur.Position())
	return true
}

// Each calls f with each element in turn until f returns false.
func (v Value) Each(f func(Value) bool) {
	it := v.Elements()
	for {
		var e Value
		if !it.next(&e) || !f(e) {
			return
		}
	}
}

var blanks = []byte(" \t")

// ErrProtocol is wrapped by the errors of malformed input. Their messages
// say what is wrong and where, "at byte N" counting from the first byte of
// the value (a protocol.ParseError gives that value's stream offset).
var ErrProtocol = errors.New("resp: protocol error")

// ErrTooDeep is returned (wrapped) for aggregates nested deeper than
// Codec.MaxDepth. It wraps ErrProtocol.
var ErrTooDeep = fmt.Errorf("%w: aggregates nested too deep", ErrProtocol)

// DefaultMaxBulkLength is the default of Codec.MaxBulkLength: 512 MiB, as
// Redis's proto-max-bulk-len.
const DefaultMaxBulkLength = 512 << 20

// DefaultMaxDepth is the default of Codec.MaxDepth.
const DefaultMaxDepth = 64

// MaxInlineLength bounds the line of an inline command, as Redis does
// (64 KiB): a longer line fails with an error wrapping
// protocol.ErrMessageTooLarge.
const MaxInlineLength = 64 << 10

// maxIntDigits bounds the digits of an integer or length: more cannot fit
// an int64 (leading zeros included).
const maxIntDigits = 19

// maxDoubleLength bounds the text of a Double.
const maxDoubleLength = 128

// Codec reads and writes RESP values. The zero Codec reads RESP2 and RESP3
// values with the defaults below and refuses inline commands. A Codec is a
// small value with no state: it may be copied and used concurrently.
//
// Having no state, Parse reads an incomplete value again from its first
// byte on each call: to read a stream, where large values arrive in many
// reads, give the protocol.Reader a Decoder (NewDecoder), which reads
// each byte about once.
type Codec struct {
	// MaxBulkLength bounds the declared length of a bulk string, bulk
	// error or verbatim string. 0 means DefaultMaxBulkLength. A
	// protocol.Reader applies its own MaxMessageSize to a whole value: set
	// it above MaxBulkLength to read bulks that large.
	MaxBulkLength int64
	// MaxDepth bounds the nesting of aggregates: a top-level array is at
	// depth 1. 0 means DefaultMaxDepth.
	MaxDepth int
	// Inline makes Parse accept inline commands: a value that does not
	// start with a type byte is a line of words (Kind Inline). Servers set
	// it; clients, which read replies, do not.
	Inline bool
}

// parser holds the limits in effect. It fits in three words (maxDepth is
// an int32, inline beside it): Parse's fast path makes one per call, and a
// fourth word costs it a few percent on small values.
type parser struct {
	maxBulk  int64
	maxDepth int32
	inline   bool
	// base is the offset in the value of the first byte of the Cursor the
	// parser reads, added to the offsets its errors give: not 0 only when
	// a Decoder resumes a value at one of its elements.
	base int64
}

// trusted re-parses values already validated.
var trusted = parser{maxBulk: math.MaxInt64, maxDepth: math.MaxInt32}

func (c Codec) parser() parser {
	p := parser{maxBulk: c.MaxBulkLength, maxDepth: int32(min(c.MaxDepth, math.MaxInt32)), inline: c.Inline}
	if p.maxBulk <= 0 {
		p.maxBulk = DefaultMaxBulkLength
	}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	return p
}

// Parse parses the first value of buf, with all its nested elements, and
// returns it with consumed, the position just after it (examined is the
// same). The Value references buf's memory.
//
// When buf holds no whole value, Parse returns protocol.ErrIncomplete with
// examined at buf.End(). Malformed input fails with an error wrapping
// ErrProtocol (ErrTooDeep for nesting deeper than MaxDepth); a bulk longer
// than MaxBulkLength, or an inline line longer than MaxInlineLength, with an
// error wrapping protocol.ErrMessageTooLarge. On an error consumed is
// buf.Start() and examined is buf.End().
//
// A value that lies in the first contiguous run of buf, as most do, is
// scanned there as a byte slice; a value that spans
// segments is read with a reader.Cursor, its elements that lie in one
// segment scanned in place too.
func (c Codec) Parse(buf pipe.Sequence) (v Value, consumed, examined pipe.Position, err error) {
	p := c.parser()
	// Fast path: the value lies in the first run of contiguous bytes.
	b := buf.First()
	end, st := p.scan(buf, b, 0, 0, &v)
	switch {
	case st == scanOK:
		at := buf.PositionAt(int64(end))
		return v, at, at, nil
	case st == scanShort && int64(len(b)) == buf.Len():
		return Value{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	// The value spans segments, is an inline command, or is malformed.
	cur := reader.NewCursor(buf)
	v, err = p.value(&cur, 0)
	if err != nil {
		return Value{}, buf.Start(), buf.End(), err
	}
	at := cur.Position()
	return v, at, at, nil
}

var _ protocol.MessageReader[Value] = Codec{}
