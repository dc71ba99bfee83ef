package pgwire

import (
	"encoding/binary"
	"iter"
)

// Rows returns an iterator over the DataRows at the start of the buffer,
// the single-pass form of the Next loop: it reads each row's frame and
// column count in place and yields it as a Row, whose Values iterator
// checks the values as it yields them. The values go from the buffer to
// the loop's body in registers, with no slice of them stored: it is the
// fastest way through a large result.
//
//	rows.Reset(buf)
//	for row := range rows.Rows() {
//		for v := range row.Values() {
//			use(v) // nil for NULL
//		}
//	}
//	if err := rows.Err(); err != nil { ... }
//	buf = rows.Rest() // parse its first message with a BackendReader
//
// It stops where Next stops (a row that a segment edge cuts is copied and
// checked whole, as Next does), and also once a Row's Values has met a
// malformed value: then Err tells why, and Rest starts with that row
// again. The price of the single pass is that the values of a malformed
// row that precede its first bad length are yielded before Err reports
// it, and that the values of a row that a loop does not range over (or
// leaves early) are not checked: the frame of every row is. Values is
// empty during and after a Rows loop; call neither Next nor Reset in it.
// After a loop left early, Rest starts after the last row yielded.
func (s *RowScanner) Rows() iter.Seq[Row] {
	return func(yield func(Row) bool) {
		s.vals, s.bad = s.vals[:0], false
		for s.err == nil {
			// Reloaded for each row: the loop's body needs the
			// registers more.
			for f, off := s.f, s.off; off >= 0 && off <= len(f)-7 && f[off] == TypeDataRow; f, off = s.f, s.off {
				n := int(binary.BigEndian.Uint32(f[off+1 : off+5 : off+5]))
				if n < 6 || n >= len(f)-off || n >= s.max || f[off+5] >= 0x80 {
					break // too large, cut, or its count is bad
				}
				e := off + 1 + n
				s.off, s.last = e, off
				if !yield(Row{f[off+5 : e : e], s}) || s.bad {
					s.failRow()
					return
				}
			}
			if !s.nextRow() || !yield(Row{s.cut[5:], s}) {
				return
			}
		}
	}
}

// nextRow reads the message at off when it is not a well-framed DataRow
// whole in f: a small DataRow that a segment edge cuts is copied, and
// checked whole; anything else stops the scan, with Err set if that is a
// DataRow whole in f whose count is bad.
func (s *RowScanner) nextRow() bool {
	f := s.f[s.off:]
	if len(f) >= 5 && f[0] == TypeDataRow {
		if n := int(binary.BigEndian.Uint32(f[1:5])); n >= 4 && n < len(f) && n < s.max {
			s.err = rowError(f[5 : 1+n])
			return false
		}
	}
	ok := s.nextCut()
	s.vals = s.vals[:0]
	return ok
}

// failRow sets Err to the error of the row at last in f, which a Row's
// Values found malformed, and Rest back to that row; it does nothing when
// no Values did.
func (s *RowScanner) failRow() {
	if !s.bad {
		return
	}
	s.bad = false
	off := s.last
	n := int(binary.BigEndian.Uint32(s.f[off+1:]))
	s.err = rowError(s.f[off+5 : off+1+n])
	s.off = off
}

// Row is a DataRow's body in place, as RowScanner.Rows yields it (valid
// until the Rows loop moves to the next row) or DataRow.Row returns it.
// Its zero value has no columns.
type Row struct {
	body []byte // column count included
	s    *RowScanner
}

// Row returns r as a Row, whose Values iterator reads its values in place,
// when its body is contiguous in memory; ok is false when it spans two
// segments of the pipe (few rows do): read that row with Columns. The Row
// is valid as long as the Message is. DecodeDataRow checked the body:
// its Values never stops early.
func (r DataRow) Row() (row Row, ok bool) {
	f := r.body.First()
	if int64(len(f)) != r.body.Len() {
		return Row{}, false
	}
	return Row{body: f[:len(f):len(f)]}, true
}

// NumColumns returns the row's column count.
func (r Row) NumColumns() int {
	if len(r.body) < 2 {
		return 0 // the zero Row
	}
	return int(binary.BigEndian.Uint16(r.body))
}

// Values returns an iterator over the values of the row, in column order,
// as slices of the buffer in place (nil for NULL, an empty non-nil slice
// for an empty value, each with its capacity cut at its end), valid as long
// as the buffer is, except those of a row that a segment edge cut, which
// RowScanner.Rows copied: valid until the loop moves to the next row. It
// checks each value as it goes: at a malformed one it stops, and so does
// the Rows loop, with Err set. It is small enough to be inlined, with the
// loop's body, into the caller.
func (r Row) Values() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		b, o := r.body, 2
		if len(b) < 2 {
			return // the zero Row
		}
		for range binary.BigEndian.Uint16(b) {
			// Both bounds of o, so that the compiler proves the length
			// word's slice in bounds; a constant capacity, so that it
			// needs no pointer arithmetic.
			if o < 0 || o > len(b)-4 {
				goto bad
			}
			l := int(int32(binary.BigEndian.Uint32(b[o : o+4 : o+4])))
			o += 4
			var v []byte
			if l > 0 {
				e := o + l
				if e > len(b) {
					goto bad
				}
				v = b[o:e:e]
				o = e
			} else if l == 0 {
				v = b[:0:0]
			} else if l != -1 {
				goto bad
			}
			if !yield(v) {
				return
			}
		}
		if o == len(b) {
			return
		}
	bad:
		if r.s != nil { // nil for a DataRow's Row, checked whole
			r.s.bad = true
		}
	}
}
