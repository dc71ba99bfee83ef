package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
)

// AppendValues appends the values of r's columns to dst, in order, as
// slices of the message body in place (nil for NULL, an empty non-nil slice
// for an empty value, each with its capacity cut at its end), and returns
// the extended slice with ok set. It is the flat, allocation-free way to
// read a row once dst has the capacity of a row; the slices are valid as
// long as the Message is.
//
// When the body is not contiguous in memory (it spans two segments of the
// pipe, which few rows do), AppendValues returns dst unchanged and ok
// false: read that row with Columns.
func (r DataRow) AppendValues(dst [][]byte) (values [][]byte, ok bool) {
	f := r.body.First()
	if int64(len(f)) != r.body.Len() {
		return dst, false
	}
	if len(f) == 0 {
		return dst, true // the zero DataRow
	}
	// DecodeDataRow checked the body: appendValues cannot fail.
	return appendValues(dst, f)
}

// appendValues appends the values of the contiguous DataRow body f to dst,
// checking the body in the same pass: ok is false when it is malformed
// (rowError then words the error) and dst is returned unchanged.
func appendValues(dst [][]byte, f []byte) ([][]byte, bool) {
	if len(f) < 2 || int16(binary.BigEndian.Uint16(f)) < 0 {
		return dst, false
	}
	k := len(dst)
	n := int(binary.BigEndian.Uint16(f))
	if cap(dst)-k < n {
		dst = slices.Grow(dst, n)
	}
	dst = dst[:k+n]
	// Stores by index into room made once, and an offset into f: the
	// chain from one length word to the next is a load and two adds.
	out := dst[k:]
	o := 2
	for i := range out {
		if o < 0 || o > len(f)-4 { // both bounds: the next slice is proved in bounds
			return dst[:k], false
		}
		l := int(int32(binary.BigEndian.Uint32(f[o : o+4 : o+4])))
		o += 4
		if l < 0 {
			if l != -1 {
				return dst[:k], false
			}
			out[i] = nil
			continue
		}
		if l > len(f)-o {
			return dst[:k], false
		}
		out[i] = f[o : o+l : o+l]
		o += l
	}
	return dst, o == len(f)
}

// rowError returns the error of the malformed contiguous DataRow body f:
// DecodeDataRow's.
func rowError(f []byte) error {
	if len(f) < 2 || int16(binary.BigEndian.Uint16(f)) < 0 {
		return fmt.Errorf("%w: DataRow: bad or missing column count", ErrMalformed)
	}
	return badRow(f)
}

// RowScanner reads a run of DataRow messages straight from a buffer, the
// way a driver reads the rows of a result: for each row, Next checks the
// frame and the body in one pass and Values returns the values as slices
// of the buffer in place, with no Message, no typed view and no copy in
// between. It is the fast path of a large result, for a client that reads
// its pipe.Reader itself; with a protocol.Reader, read each DataRow with
// DecodeDataRow and AppendValues instead.
//
// Reset starts a scan of a buffer, as a pipe.Reader's Read returns it.
// Next reads the DataRows at its start, in place; a small row (up to 4 KiB)
// that a segment edge cuts is copied into the scanner and read from the
// copy. It stops, returning false, at the first message it leaves to the
// caller: a message of another type, one not wholly buffered, a larger row
// cut by a segment edge, one over MaxMessageSize, or a malformed one (then
// Err tells why). Rest returns the buffer from that message on: parse its first
// message with a BackendReader (a DataRow that Next left there is read
// with DecodeDataRow), then Reset the scanner on what follows. Once Rest
// is empty or holds no whole message, hand the buffer back to the pipe,
// consumed up to Rest's start.
//
//	var rows pgwire.RowScanner
//	rows.Reset(buf)
//	for rows.Next() {
//		use(rows.Values())
//	}
//	if err := rows.Err(); err != nil { ... }
//	buf = rows.Rest() // parse its first message with a BackendReader
//
// Rows is the single-pass form of the same loop, with a range-over-func
// iterator over each row's values in place of Values: faster, as no slice
// of values is stored, but a malformed row is only found as its values are
// read (see Rows).
//
// Its zero value is ready to use; reuse one, so that the slice of Values
// reaches the capacity of a row once and is not allocated again. It is not
// safe for concurrent use.
type RowScanner struct {
	// MaxMessageSize is the BackendReader's: a DataRow over it, type byte
	// and length word included, is left to the BackendReader, which
	// reports it. 0 means protocol.DefaultMaxMessageSize, negative the
	// protocol's own limit only.
	MaxMessageSize int64

	rest pipe.Sequence // the buffer of Reset from the start of f on
	f    []byte        // rest's first contiguous run
	off  int           // the offset in f of the first message not read
	max  int           // the limit on a message, framing included
	vals [][]byte      // the values of the last row
	cut  []byte        // a copy of the last row cut by a segment edge
	err  error

	last int  // the offset in f of the last row Rows yielded
	bad  bool // set by a Row's Values at a malformed value
}

// maxCutRow is the largest DataRow, framing included, that Next copies
// when a segment edge cuts it; a larger one is left to the caller.
const maxCutRow = 4096

// Reset starts a scan of buf: the next Next reads its first message.
func (s *RowScanner) Reset(buf pipe.Sequence) {
	s.rest, s.f, s.off, s.vals, s.err = buf, buf.First(), 0, s.vals[:0], nil
	s.bad = false
	// A row is scanned when 1+n <= the limit, n its declared length, and
	// n < math.MaxInt32 (n = MaxInt32 is left to the BackendReader).
	s.max = int(min(limit(s.MaxMessageSize, protocol.DefaultMaxMessageSize), math.MaxInt32))
}

// Next reads the next DataRow and reports whether it did: false at the
// first message it leaves to the caller (see RowScanner) or once Err is
// set.
func (s *RowScanner) Next() bool {
	f := s.f[s.off:]
	if len(f) < 5 || f[0] != TypeDataRow || s.err != nil {
		return s.nextCut()
	}
	// n is the declared length, negative on 32-bit platforms for lengths
	// of 2 GiB and more: those are left to the BackendReader.
	n := int(binary.BigEndian.Uint32(f[1:5]))
	if n < 4 || n >= len(f) || n >= s.max {
		return s.nextCut()
	}
	body := f[5 : 1+n]
	vals, ok := appendValues(s.vals[:0], body)
	s.vals = vals
	if !ok {
		s.vals = s.vals[:0]
		s.err = rowError(body)
		return false
	}
	s.off += 1 + n
	return true
}

// nextCut is Next for the message at off when it is not a DataRow whole
// in f: a small DataRow that a segment edge cuts is copied, and read from
// the copy; anything else stops the scan.
func (s *RowScanner) nextCut() bool {
	if s.err != nil {
		return false
	}
	rest := s.rest.Slice(int64(s.off), s.rest.Len())
	var hdr [5]byte
	if rest.CopyTo(hdr[:]) < len(hdr) || hdr[0] != TypeDataRow {
		return false
	}
	n := int(binary.BigEndian.Uint32(hdr[1:]))
	if n < 4 || n >= s.max || 1+n > maxCutRow || int64(1+n) > rest.Len() {
		return false
	}
	s.cut = slices.Grow(s.cut[:0], 1+n)[:1+n]
	rest.CopyTo(s.cut)
	body := s.cut[5:]
	vals, ok := appendValues(s.vals[:0], body)
	s.vals = vals
	if !ok {
		s.vals = s.vals[:0]
		s.err = rowError(body)
		return false
	}
	s.rest = rest.Slice(int64(1+n), rest.Len())
	s.f, s.off = s.rest.First(), 0
	return true
}

// Values returns the values of the row Next read, in column order, as
// slices of the buffer (nil for NULL, an empty non-nil slice for an empty
// value). The slice is reused by the next Next: copy it to keep it. The
// values are valid as long as the buffer is, except those of a row a
// segment edge cut, which are slices of the scanner's copy of it: valid
// until the next Next or Reset.
func (s *RowScanner) Values() [][]byte { return s.vals }

// Err returns the error of the malformed DataRow Next stopped at, wrapping
// ErrMalformed (DecodeDataRow's error), or nil. Rest starts with that row.
func (s *RowScanner) Err() error { return s.err }

// Rest returns the buffer of Reset from the first message Next has not
// read: its start is the position up to which the rows read can be
// consumed.
func (s *RowScanner) Rest() pipe.Sequence {
	if s.off == 0 {
		return s.rest
	}
	return s.rest.SliceFrom(s.rest.SliceFirst(s.off, s.off).Start())
}
