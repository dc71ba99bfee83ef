package resp

import (
	"bytes"
	"math"

	"github.com/f2bac256/bedrock/pipe"
)

// The fast path of Parse and ElementIter.Next: a value that lies wholly in
// one contiguous run of memory is scanned as a byte slice, each byte once,
// without a reader.Cursor. It accepts exactly what the Cursor parser of
// parse.go accepts and finds a value incomplete exactly when that parser
// does; for malformed input it only says so, and the Cursor parser, run
// again, words the error.

// minFastRun is the shortest run of contiguous bytes in which an element
// of a value that spans segments is looked for by the fast path: in
// shorter ones most elements would not fit, and the Cursor would read
// them again.
const minFastRun = 64

// scanStatus is the outcome of a scan.
type scanStatus uint8

const (
	scanOK    scanStatus = iota
	scanShort            // the bytes end inside the value
	scanBad              // malformed, over a limit, or an inline command
)

// scanInt scans a decimal integer ended by CRLF at b[i:], as readInt does:
// an optional sign ("+" only if plus) and 1..19 digits. It returns the
// index just after the CRLF.
func scanInt(b []byte, i int, plus bool) (int64, int, scanStatus) {
	if i >= len(b) {
		return 0, i, scanShort
	}
	c := b[i]
	neg := c == '-'
	if neg || plus && c == '+' {
		i++
	}
	start := i
	var n uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + uint64(d)
	}
	digits := i - start
	if uint(digits-1) < maxIntDigits-1 && i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
		// 1..18 digits and CRLF: the common case, which cannot overflow.
		if neg {
			return -int64(n), i + 2, scanOK
		}
		return int64(n), i + 2, scanOK
	}
	// The Cursor parser fails at the first digit past maxIntDigits,
	// whatever follows.
	switch {
	case digits > maxIntDigits:
		return 0, i, scanBad
	case i == len(b):
		return 0, i, scanShort
	case digits == 0 || b[i] != '\r':
		return 0, i, scanBad
	case digits == maxIntDigits && (neg && n > 1<<63 || !neg && n > math.MaxInt64):
		return 0, i, scanBad
	case i+1 == len(b):
		return 0, i, scanShort
	case b[i+1] != '\n':
		return 0, i, scanBad
	}
	if neg {
		return -int64(n), i + 2, scanOK
	}
	return int64(n), i + 2, scanOK
}

// scanLen is scanInt without a sign for the common lengths and counts of
// one or two digits followed by CRLF, small enough to be inlined; ok is
// false for the others, which scanInt scans.
func scanLen(b []byte, i int) (n int64, end int, ok bool) {
	if i+3 >= len(b) || b[i]-'0' > 9 {
		return 0, i, false
	}
	if b[i+1] == '\r' && b[i+2] == '\n' {
		return int64(b[i] - '0'), i + 3, true
	}
	if b[i+1]-'0' <= 9 && b[i+2] == '\r' && b[i+3] == '\n' {
		return int64(b[i]-'0')*10 + int64(b[i+1]-'0'), i + 4, true
	}
	return 0, i, false
}

// scanLine scans the rest of a line ended by CRLF at b[i:], as readLine
// does: it returns the index of the CR.
func scanLine(b []byte, i int) (int, scanStatus) {
	j := bytes.IndexByte(b[i:], '\r')
	if j < 0 {
		return len(b), scanShort
	}
	j += i
	switch {
	case j+1 == len(b):
		return j, scanShort
	case b[j+1] != '\n' || bytes.IndexByte(b[i:j], '\n') >= 0:
		return j, scanBad
	}
	return j, scanOK
}

// scan scans the value at b[i:], nested in depth aggregates, with all its
// elements, and returns the index just after it. b is the first run of
// contiguous bytes of seq. It fills in *v, which must be the zero Value,
// field by field: it is the caller's result, and a Value built aside and
// copied costs more than scanning it. v is meaningless and the index too
// unless the status is scanOK.
func (p *parser) scan(seq pipe.Sequence, b []byte, i, depth int, v *Value) (int, scanStatus) {
	if i >= len(b) {
		return i, scanShort
	}
	k := kindOf[b[i]]
	v.Kind = k
	i++
	switch k {
	case Invalid:
		return i, scanBad

	case Integer:
		n, end, st := scanInt(b, i, true)
		v.Int = n
		return end, st

	case SimpleString, Error:
		end, st := scanLine(b, i)
		if st == scanOK {
			v.Data = seq.SliceFirst(i, end)
		}
		return end + 2, st

	case BulkString, BulkError, VerbatimString:
		n, j, ok := scanLen(b, i)
		if !ok {
			var st scanStatus
			if n, j, st = scanInt(b, i, false); st != scanOK {
				return j, st
			}
		}
		if n == -1 && k == BulkString {
			v.Null = true
			return j, scanOK
		}
		end, st := p.bulkEnd(b, j, n, k)
		if st == scanOK {
			v.Data = seq.SliceFirst(j, end)
		}
		return end + 2, st

	case Null, Boolean, Double, BigNumber:
		end, st := scanLine(b, i)
		if st != scanOK {
			return end, st
		}
		n, f, ok := rare(k, b[i:end])
		if !ok {
			return end, scanBad
		}
		v.Null, v.Int, v.Float, v.Data = k == Null, n, f, seq.SliceFirst(i, end)
		return end + 2, scanOK

	default: // aggregates
		n, j, ok := scanLen(b, i)
		if !ok {
			var st scanStatus
			if n, j, st = scanInt(b, i, false); st != scanOK {
				return j, st
			}
		}
		if n == -1 && k == Array {
			v.Null = true
			return j, scanOK
		}
		if n < 0 || n > math.MaxInt64/2 || depth >= int(p.maxDepth) {
			return j, scanBad
		}
		elems := n
		if k == Map || k == Attribute {
			elems *= 2
		}
		end, st := p.skipElements(b, j, elems, depth+1)
		if st == scanOK {
			v.Len, v.Data = n, seq.SliceFirst(j, end)
		}
		return end, st
	}
}

// skip is scan for an element of an aggregate: it only validates and
// returns the index just after the value.
func (p *parser) skip(b []byte, i, depth int) (int, scanStatus) {
	if i >= len(b) {
		return i, scanShort
	}
	k := kindOf[b[i]]
	i++
	switch k {
	case BulkString, BulkError, VerbatimString:
		n, j, ok := scanLen(b, i)
		if !ok {
			var st scanStatus
			if n, j, st = scanInt(b, i, false); st != scanOK {
				return j, st
			}
		}
		if n == -1 && k == BulkString {
			return j, scanOK
		}
		end, st := p.bulkEnd(b, j, n, k)
		return end + 2, st

	case Integer:
		_, end, st := scanInt(b, i, true)
		return end, st

	case SimpleString, Error:
		end, st := scanLine(b, i)
		return end + 2, st

	case Invalid:
		return i, scanBad

	case Null, Boolean, Double, BigNumber:
		end, st := scanLine(b, i)
		if st != scanOK {
			return end, st
		}
		if _, _, ok := rare(k, b[i:end]); !ok {
			return end, scanBad
		}
		return end + 2, scanOK

	default: // aggregates
		n, j, ok := scanLen(b, i)
		if !ok {
			var st scanStatus
			if n, j, st = scanInt(b, i, false); st != scanOK {
				return j, st
			}
		}
		if n == -1 && k == Array {
			return j, scanOK
		}
		if n < 0 || n > math.MaxInt64/2 || depth >= int(p.maxDepth) {
			return j, scanBad
		}
		if k == Map || k == Attribute {
			n *= 2
		}
		return p.skipElements(b, j, n, depth+1)
	}
}

// skipElements skips n values at b[i:], nested in depth aggregates. Each
// takes at least 3 bytes: the loop ends with b.
func (p *parser) skipElements(b []byte, i int, n int64, depth int) (int, scanStatus) {
	for ; n > 0; n-- {
		var st scanStatus
		if i, st = p.skip(b, i, depth); st != scanOK {
			return i, st
		}
	}
	return i, scanOK
}

// bulkEnd checks the n bytes and CRLF of a bulk string, bulk error or
// verbatim string (kind k) at b[i:], as the Cursor parser does, and
// returns the index of the CR.
func (p *parser) bulkEnd(b []byte, i int, n int64, k Kind) (int, scanStatus) {
	switch avail := int64(len(b) - i); {
	case n < 0 || n > p.maxBulk:
		return i, scanBad
	case n >= avail:
		return len(b), scanShort
	}
	end := i + int(n)
	switch {
	case b[end] != '\r':
		return end, scanBad
	case end+1 == len(b):
		return end, scanShort
	case b[end+1] != '\n':
		return end, scanBad
	case k == VerbatimString && (n < 4 || b[i+3] != ':'):
		return end, scanBad
	}
	return end, scanOK
}

// rare checks the line of RESP3's null, boolean, double and big number
// (kind k) and returns the value of a boolean (1 or 0) or of a double.
func rare(k Kind, line []byte) (n int64, f float64, ok bool) {
	switch k {
	case Null:
		return 0, 0, len(line) == 0
	case Boolean:
		if len(line) != 1 || line[0] != 't' && line[0] != 'f' {
			return 0, 0, false
		}
		if line[0] == 't' {
			n = 1
		}
		return n, 0, true
	case Double:
		f, ok = parseDoubleBytes(line)
		return 0, f, ok
	default:
		return 0, 0, isBigNumberBytes(line)
	}
}

// isBigNumberBytes reports whether b is an optional sign and one or more
// digits.
func isBigNumberBytes(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
