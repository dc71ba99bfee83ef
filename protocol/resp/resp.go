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
	"strconv"

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
	n := v.Len
	if v.Kind == Map || v.Kind == Attribute {
		n *= 2
	}
	return ElementIter{cur: reader.NewCursor(v.Data), left: n, inline: v.Kind == Inline}
}

// ElementIter iterates over the elements of a Value; see Value.Elements.
type ElementIter struct {
	cur    reader.Cursor
	left   int64
	inline bool
}

// Remaining returns the number of elements not yet returned by Next.
func (it *ElementIter) Remaining() int64 { return it.left }

// Next returns the next element, or false when there is none left.
func (it *ElementIter) Next() (Value, bool) {
	if it.left <= 0 {
		return Value{}, false
	}
	it.left--
	if it.inline {
		it.cur.SkipPastAny(blanks)
		word, ok := it.cur.ReadToAny(blanks, false)
		if !ok {
			word = it.cur.UnreadSequence()
			it.cur.Advance(word.Len())
		}
		return Value{Kind: BulkString, Data: word}, true
	}
	v, err := trusted.value(&it.cur, 0)
	if err != nil { // cannot happen for a Value Parse returned
		it.left = 0
		return Value{}, false
	}
	return v, true
}

// Each calls f with each element in turn until f returns false.
func (v Value) Each(f func(Value) bool) {
	it := v.Elements()
	for e, ok := it.Next(); ok && f(e); e, ok = it.Next() {
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

// parser holds the limits in effect.
type parser struct {
	maxBulk  int64
	maxDepth int
	inline   bool
}

// trusted re-parses values already validated.
var trusted = parser{maxBulk: math.MaxInt64, maxDepth: math.MaxInt}

func (c Codec) parser() parser {
	p := parser{maxBulk: c.MaxBulkLength, maxDepth: c.MaxDepth, inline: c.Inline}
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
func (c Codec) Parse(buf pipe.Sequence) (v Value, consumed, examined pipe.Position, err error) {
	cur := reader.NewCursor(buf)
	v, err = c.parser().value(&cur, 0)
	if err != nil {
		return Value{}, buf.Start(), buf.End(), err
	}
	p := cur.Position()
	return v, p, p, nil
}

// value parses one value at c, nested in depth aggregates.
func (p parser) value(c *reader.Cursor, depth int) (Value, error) {
	start := c.Consumed()
	t, err := c.ReadByte()
	if err != nil {
		return Value{}, protocol.ErrIncomplete
	}
	k := kindOf[t]
	switch k {
	case Invalid:
		if p.inline && depth == 0 {
			c.Rewind(1)
			return p.inline1(c)
		}
		return Value{}, fmt.Errorf("%w: bad type byte %q at byte %d", ErrProtocol, t, start)

	case Integer:
		n, err := readInt(c, true)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: Integer, Int: n}, nil

	case SimpleString, Error, Null, Boolean, Double, BigNumber:
		line, err := readLine(c)
		if err != nil {
			return Value{}, err
		}
		v := Value{Kind: k, Data: line}
		switch k {
		case Null:
			if !line.IsEmpty() {
				return Value{}, fmt.Errorf("%w: null with a payload at byte %d", ErrProtocol, start)
			}
			v.Null = true
		case Boolean:
			var b [1]byte
			if line.Len() != 1 || line.CopyTo(b[:]) != 1 || b[0] != 't' && b[0] != 'f' {
				return Value{}, fmt.Errorf("%w: boolean other than t or f at byte %d", ErrProtocol, start)
			}
			if b[0] == 't' {
				v.Int = 1
			}
		case Double:
			f, ok := parseDouble(line)
			if !ok {
				return Value{}, fmt.Errorf("%w: bad double at byte %d", ErrProtocol, start)
			}
			v.Float = f
		case BigNumber:
			if !isBigNumber(line) {
				return Value{}, fmt.Errorf("%w: bad big number at byte %d", ErrProtocol, start)
			}
		}
		return v, nil

	case BulkString, BulkError, VerbatimString:
		n, err := readInt(c, false)
		if err != nil {
			return Value{}, err
		}
		if n == -1 && k == BulkString {
			return Value{Kind: BulkString, Null: true}, nil
		}
		if n < 0 {
			return Value{}, fmt.Errorf("%w: bad length %d at byte %d", ErrProtocol, n, start)
		}
		if n > p.maxBulk {
			return Value{}, fmt.Errorf("%w: bulk of %d bytes, over %d", protocol.ErrMessageTooLarge, n, p.maxBulk)
		}
		data, ok := c.ReadN(n)
		if !ok {
			return Value{}, protocol.ErrIncomplete
		}
		if err := readCRLF(c); err != nil {
			return Value{}, err
		}
		if k == VerbatimString {
			var f [4]byte
			if n < 4 || data.CopyTo(f[:]) != 4 || f[3] != ':' {
				return Value{}, fmt.Errorf("%w: verbatim string without a format at byte %d", ErrProtocol, start)
			}
		}
		return Value{Kind: k, Data: data}, nil

	default: // aggregates
		n, err := readInt(c, false)
		if err != nil {
			return Value{}, err
		}
		if n == -1 && k == Array {
			return Value{Kind: Array, Null: true}, nil
		}
		if n < 0 || n > math.MaxInt64/2 {
			return Value{}, fmt.Errorf("%w: bad count %d at byte %d", ErrProtocol, n, start)
		}
		if depth >= p.maxDepth {
			return Value{}, fmt.Errorf("%w: over %d levels at byte %d", ErrTooDeep, p.maxDepth, start)
		}
		elems := n
		if k == Map || k == Attribute {
			elems *= 2
		}
		from := c.Position()
		for range elems {
			if _, err := p.value(c, depth+1); err != nil {
				return Value{}, err
			}
		}
		return Value{Kind: k, Len: n, Data: c.Sequence().SliceFrom(from).SliceTo(c.Position())}, nil
	}
}

// inline1 reads an inline command.
func (p parser) inline1(c *reader.Cursor) (Value, error) {
	rest := c.UnreadSequence()
	window := rest
	if window.Len() > MaxInlineLength+2 {
		window = rest.Slice(0, MaxInlineLength+2)
	}
	i := window.IndexByte('\n')
	if i < 0 {
		if window.Len() > MaxInlineLength+1 {
			return Value{}, fmt.Errorf("%w: inline command over %d bytes", protocol.ErrMessageTooLarge, MaxInlineLength)
		}
		return Value{}, protocol.ErrIncomplete
	}
	line := rest.Slice(0, i)
	if n := line.Len(); n > 0 {
		var last [1]byte
		line.Slice(n-1, n).CopyTo(last[:])
		if last[0] == '\r' {
			line = line.Slice(0, n-1)
		}
	}
	if line.Len() > MaxInlineLength {
		return Value{}, fmt.Errorf("%w: inline command over %d bytes", protocol.ErrMessageTooLarge, MaxInlineLength)
	}
	c.Advance(i + 1)
	v := Value{Kind: Inline, Data: line}
	w := reader.NewCursor(line)
	for {
		w.SkipPastAny(blanks)
		if w.End() {
			break
		}
		v.Len++
		if _, ok := w.ReadToAny(blanks, false); !ok {
			break
		}
	}
	return v, nil
}

// readLine reads the rest of a line ended by CRLF, which may hold no CR or
// LF.
func readLine(c *reader.Cursor) (pipe.Sequence, error) {
	at := c.Consumed()
	line, ok := c.ReadTo('\r', true)
	if !ok {
		return pipe.Sequence{}, protocol.ErrIncomplete
	}
	b, err := c.ReadByte()
	if err != nil {
		return pipe.Sequence{}, protocol.ErrIncomplete
	}
	if b != '\n' {
		return pipe.Sequence{}, fmt.Errorf("%w: CR without LF at byte %d", ErrProtocol, c.Consumed()-2)
	}
	if i := line.IndexByte('\n'); i >= 0 {
		return pipe.Sequence{}, fmt.Errorf("%w: LF in a line at byte %d", ErrProtocol, at+i)
	}
	return line, nil
}

// readCRLF reads the CRLF that ends a bulk.
func readCRLF(c *reader.Cursor) error {
	at := c.Consumed()
	for _, want := range [2]byte{'\r', '\n'} {
		b, err := c.ReadByte()
		if err != nil {
			return protocol.ErrIncomplete
		}
		if b != want {
			return fmt.Errorf("%w: missing CRLF after the bulk at byte %d", ErrProtocol, at)
		}
	}
	return nil
}

// readInt reads a decimal integer ended by CRLF: an optional sign ("+"
// only if plus) and 1..19 digits.
func readInt(c *reader.Cursor, plus bool) (int64, error) {
	at := c.Consumed()
	b, err := c.ReadByte()
	if err != nil {
		return 0, protocol.ErrIncomplete
	}
	neg := b == '-'
	if neg || plus && b == '+' {
		if b, err = c.ReadByte(); err != nil {
			return 0, protocol.ErrIncomplete
		}
	}
	var n uint64
	digits := 0
	for ; b >= '0' && b <= '9'; digits++ {
		if digits == maxIntDigits {
			return 0, fmt.Errorf("%w: integer too long at byte %d", ErrProtocol, at)
		}
		n = n*10 + uint64(b-'0')
		if b, err = c.ReadByte(); err != nil {
			return 0, protocol.ErrIncomplete
		}
	}
	switch {
	case digits == 0 || b != '\r':
		return 0, fmt.Errorf("%w: non-digit %q in an integer at byte %d", ErrProtocol, b, c.Consumed()-1)
	case neg && n > 1<<63 || !neg && n > math.MaxInt64:
		return 0, fmt.Errorf("%w: integer overflows 64 bits at byte %d", ErrProtocol, at)
	}
	if b, err = c.ReadByte(); err != nil {
		return 0, protocol.ErrIncomplete
	}
	if b != '\n' {
		return 0, fmt.Errorf("%w: CR without LF at byte %d", ErrProtocol, c.Consumed()-2)
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// parseDouble parses the text of a Double.
func parseDouble(s pipe.Sequence) (float64, bool) {
	var buf [maxDoubleLength]byte
	n := s.Len()
	if n == 0 || n > maxDoubleLength {
		return 0, false
	}
	b := buf[:s.CopyTo(buf[:])]
	switch string(b) {
	case "inf", "+inf":
		return math.Inf(1), true
	case "-inf":
		return math.Inf(-1), true
	case "nan", "-nan":
		return math.NaN(), true
	}
	for _, x := range b {
		if !(x >= '0' && x <= '9' || x == '-' || x == '+' || x == '.' || x == 'e' || x == 'E') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil || errors.Is(err, strconv.ErrRange)
}

// isBigNumber reports whether s is an optional sign and one or more digits.
func isBigNumber(s pipe.Sequence) bool {
	c := reader.NewCursor(s)
	if b, ok := c.Peek(); ok && (b == '-' || b == '+') {
		c.Advance(1)
	}
	if c.End() {
		return false
	}
	c.SkipPastAny(digits)
	return c.End()
}

var digits = []byte("0123456789")

var _ protocol.MessageReader[Value] = Codec{}
