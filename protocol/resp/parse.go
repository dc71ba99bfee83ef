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

// The parser of values that may span segments, with a reader.Cursor: the
// slow path of Parse, and the one that words its errors.

// value parses one value at c, nested in depth aggregates.
func (p parser) value(c *reader.Cursor, depth int) (Value, error) {
	start := p.base + c.Consumed()
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
		n, err := p.readInt(c, true)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: Integer, Int: n}, nil

	case SimpleString, Error, Null, Boolean, Double, BigNumber:
		line, err := p.readLine(c)
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
		n, err := p.readInt(c, false)
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
		if err := p.readCRLF(c); err != nil {
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
		n, null, err := p.header(c, k, depth, start)
		if err != nil {
			return Value{}, err
		}
		if null {
			return Value{Kind: Array, Null: true}, nil
		}
		elems := n
		if k == Map || k == Attribute {
			elems *= 2
		}
		from := c.Position()
		for range elems {
			// An element that lies in the current run is scanned there;
			// the Cursor reads the others, and words the errors. Short
			// runs, which few elements fit in, go to the Cursor at once.
			if b := c.Unread(); len(b) >= minFastRun {
				if end, st := p.skip(b, 0, depth+1); st == scanOK {
					c.Advance(int64(end))
					continue
				}
			}
			if _, err := p.value(c, depth+1); err != nil {
				return Value{}, err
			}
		}
		return Value{Kind: k, Len: n, Data: c.Sequence().SliceFrom(from).SliceTo(c.Position())}, nil
	}
}

// header reads the count of an aggregate of kind k, whose type byte, at
// byte start of the value, was just read, nested in depth aggregates. null
// reports the null array.
func (p *parser) header(c *reader.Cursor, k Kind, depth int, start int64) (n int64, null bool, err error) {
	if n, err = p.readInt(c, false); err != nil {
		return 0, false, err
	}
	if n == -1 && k == Array {
		return n, true, nil
	}
	if n < 0 || n > math.MaxInt64/2 {
		return 0, false, fmt.Errorf("%w: bad count %d at byte %d", ErrProtocol, n, start)
	}
	if depth >= int(p.maxDepth) {
		return 0, false, fmt.Errorf("%w: over %d levels at byte %d", ErrTooDeep, p.maxDepth, start)
	}
	return n, false, nil
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
func (p *parser) readLine(c *reader.Cursor) (pipe.Sequence, error) {
	at := p.base + c.Consumed()
	line, ok := c.ReadTo('\r', true)
	if !ok {
		return pipe.Sequence{}, protocol.ErrIncomplete
	}
	b, err := c.ReadByte()
	if err != nil {
		return pipe.Sequence{}, protocol.ErrIncomplete
	}
	if b != '\n' {
		return pipe.Sequence{}, fmt.Errorf("%w: CR without LF at byte %d", ErrProtocol, p.base+c.Consumed()-2)
	}
	if i := line.IndexByte('\n'); i >= 0 {
		return pipe.Sequence{}, fmt.Errorf("%w: LF in a line at byte %d", ErrProtocol, at+i)
	}
	return line, nil
}

// readCRLF reads the CRLF that ends a bulk.
func (p *parser) readCRLF(c *reader.Cursor) error {
	at := p.base + c.Consumed()
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
func (p *parser) readInt(c *reader.Cursor, plus bool) (int64, error) {
	at := p.base + c.Consumed()
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
		return 0, fmt.Errorf("%w: non-digit %q in an integer at byte %d", ErrProtocol, b, p.base+c.Consumed()-1)
	case neg && n > 1<<63 || !neg && n > math.MaxInt64:
		return 0, fmt.Errorf("%w: integer overflows 64 bits at byte %d", ErrProtocol, at)
	}
	if b, err = c.ReadByte(); err != nil {
		return 0, protocol.ErrIncomplete
	}
	if b != '\n' {
		return 0, fmt.Errorf("%w: CR without LF at byte %d", ErrProtocol, p.base+c.Consumed()-2)
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
	return parseDoubleBytes(buf[:s.CopyTo(buf[:])])
}

// parseDoubleBytes parses the text of a Double.
func parseDoubleBytes(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > maxDoubleLength {
		return 0, false
	}
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
