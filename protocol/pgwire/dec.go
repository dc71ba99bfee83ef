package pgwire

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
)

// dec reads a message body in place: straight from its bytes when they are
// contiguous, through Sequence operations when they span segments. Every
// read either succeeds and consumes what it returns or fails and consumes
// nothing.
type dec struct {
	s    pipe.Sequence // the body when flat; the unread rest of it when seg
	flat []byte        // the body's bytes when contiguous
	off  int           // flat: offset of the next byte; seg: bytes consumed
	seg  bool          // the body spans segments
}

// init makes d read s from its start.
func (d *dec) init(s pipe.Sequence) {
	f := s.First()
	*d = dec{s: s, flat: f, seg: int64(len(f)) != s.Len()}
}

// pos returns the offset in the body of the next byte, for errors.
func (d *dec) pos() int64 { return int64(d.off) }

// remaining returns the number of bytes left.
func (d *dec) remaining() int64 {
	if d.seg {
		return d.s.Len()
	}
	return int64(len(d.flat) - d.off)
}

// advance consumes n bytes of a seg body (n <= d.s.Len()).
func (d *dec) advance(n int64) {
	d.s = d.s.Slice(n, d.s.Len())
	d.off += int(n)
}

// fixed reads len(b) bytes into b.
func (d *dec) fixed(b []byte) bool {
	if d.seg {
		if d.s.Len() < int64(len(b)) {
			return false
		}
		d.s.CopyTo(b)
		d.advance(int64(len(b)))
		return true
	}
	if d.off+len(b) > len(d.flat) {
		return false
	}
	d.off += copy(b, d.flat[d.off:])
	return true
}

func (d *dec) u8() (byte, bool) {
	if !d.seg && d.off < len(d.flat) {
		d.off++
		return d.flat[d.off-1], true
	}
	var b [1]byte
	ok := d.seg && d.fixed(b[:])
	return b[0], ok
}

func (d *dec) u16() (uint16, bool) {
	if !d.seg && d.off+2 <= len(d.flat) {
		d.off += 2
		return binary.BigEndian.Uint16(d.flat[d.off-2:]), true
	}
	var b [2]byte
	ok := d.seg && d.fixed(b[:])
	return binary.BigEndian.Uint16(b[:]), ok
}

func (d *dec) u32() (uint32, bool) {
	if !d.seg && d.off+4 <= len(d.flat) {
		d.off += 4
		return binary.BigEndian.Uint32(d.flat[d.off-4:]), true
	}
	var b [4]byte
	ok := d.seg && d.fixed(b[:])
	return binary.BigEndian.Uint32(b[:]), ok
}

// take returns the next n bytes (n >= 0).
func (d *dec) take(n int64) (pipe.Sequence, bool) {
	if d.seg {
		if d.s.Len() < n {
			return pipe.Sequence{}, false
		}
		s := d.s.Slice(0, n)
		d.advance(n)
		return s, true
	}
	if n <= int64(len(d.flat)-d.off) {
		s := d.s.SliceFirst(d.off, d.off+int(n))
		d.off += int(n)
		return s, true
	}
	return pipe.Sequence{}, false
}

// skip consumes n bytes (n >= 0).
func (d *dec) skip(n int64) bool {
	if n > d.remaining() {
		return false
	}
	if d.seg {
		d.advance(n)
	} else {
		d.off += int(n)
	}
	return true
}

// cstr returns the next NUL-terminated string, without its terminator,
// and consumes the terminator too.
func (d *dec) cstr() (pipe.Sequence, bool) {
	if d.seg {
		i := d.s.IndexByte(0)
		if i < 0 {
			return pipe.Sequence{}, false
		}
		s := d.s.Slice(0, i)
		d.advance(i + 1)
		return s, true
	}
	i := bytes.IndexByte(d.flat[d.off:], 0)
	if i < 0 {
		return pipe.Sequence{}, false
	}
	s := d.s.SliceFirst(d.off, d.off+i)
	d.off += i + 1
	return s, true
}

// rest returns the bytes left.
func (d *dec) rest() pipe.Sequence {
	s, _ := d.take(d.remaining())
	return s
}

// value reads a length-prefixed value of a DataRow or a Bind: length -1
// is NULL.
func (d *dec) value() (Value, bool) {
	n, ok := d.u32()
	if !ok {
		return Value{}, false
	}
	if int32(n) == -1 {
		return Value{Null: true}, true
	}
	if int32(n) < 0 {
		return Value{}, false
	}
	s, ok := d.take(int64(n))
	return Value{Data: s}, ok
}

// skipValues checks that n values follow, and skips them.
func (d *dec) skipValues(n int) bool {
	for range n {
		l, ok := d.u32()
		if !ok || int32(l) < -1 || int32(l) >= 0 && !d.skip(int64(l)) {
			return false
		}
	}
	return true
}

// end checks that the body is consumed.
func (d *dec) end(what string) error {
	if r := d.remaining(); r != 0 {
		return fmt.Errorf("%w: %s: %d extra bytes", ErrMalformed, what, r)
	}
	return nil
}

// malformed is the error of a body that ends early or holds a bad value.
func (d *dec) malformed(what, field string) error {
	return fmt.Errorf("%w: %s: bad or missing %s at offset %d of the body", ErrMalformed, what, field, d.pos())
}

// checkType checks that m is of type want.
func checkType(m Message, what string, want byte) error {
	if m.Type != want {
		return fmt.Errorf("%w: %s: message is %q, not %q", ErrWrongType, what, m.Type, want)
	}
	return nil
}

// Value is a column value of a DataRow or a parameter value of a Bind: its
// bytes, in place, or NULL.
type Value struct {
	Data pipe.Sequence
	Null bool
}

// String returns the value as text, "NULL" for NULL.
func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	return v.Data.String()
}

// Values iterates over the values of a DataRow or the parameters of a
// Bind, checked when the message was decoded, in the manner of
// bufio.Scanner:
//
//	cols := row.Columns()
//	for cols.Next() {
//		if b, ok := cols.Contiguous(); ok {
//			// b: the value's bytes, in place
//		}
//	}
//
// The zero Values is empty.
type Values struct {
	// Nine words, so that Columns and Params return it in registers: the
	// copies of a larger struct through memory cost more than reading
	// the values. The hot path is on flat.
	flat []byte        // the values' bytes when contiguous; nil when they span segments
	s    pipe.Sequence // the values
	left uint64        // values left << 32 | offset in the values of the next length word
	cur  uint64        // the current value: its offset << 32 | the offset of its end, offset - 1 for NULL
}

// unstarted is Values.left for the columns of a DataRow before the first
// Next, which reads their count after the body's first two bytes.
const unstarted = 1<<64 - 1

// newValues returns the Values of the n values, checked, that s holds
// from offset off on.
func newValues(s pipe.Sequence, n, off int) (it Values) {
	it.s, it.left = s, uint64(n)<<32|uint64(off)
	if f := s.First(); int64(len(f)) == s.Len() {
		it.flat = f
	}
	return it
}

// Next moves to the next value and reports whether there is one.
func (it *Values) Next() bool {
	// The fast path, small enough to inline: values in contiguous memory,
	// checked by the decoder.
	if b := it.flat; b != nil && it.left >= 1<<32 {
		start := uint32(it.left) + 4
		l := int32(binary.BigEndian.Uint32(b[start-4 : start]))
		end := uint64(start) + uint64(l) // l = -1 (NULL): start-1, below start
		it.left, it.cur = it.left&^(1<<32-1)-1<<32|max(end, uint64(start)), uint64(start)<<32|end
		return true
	}
	return it.next()
}

// next is Next off its fast path.
func (it *Values) next() bool {
	switch {
	case it.left == unstarted:
		it.left = 0
		if it.s.Len() >= 2 { // not the zero DataRow
			it.left = uint64(u16At(it.s, 0))<<32 | 2
			if f := it.s.First(); int64(len(f)) == it.s.Len() {
				it.flat = f
			}
		}
		return it.Next()
	case it.left < 1<<32:
		return false
	}
	var w [4]byte
	off := int64(uint32(it.left))
	it.s.Slice(off, off+4).CopyTo(w[:])
	l := int32(binary.BigEndian.Uint32(w[:]))
	start := uint64(off + 4)
	end := start + uint64(l)
	it.left, it.cur = it.left&^(1<<32-1)-1<<32|max(end, start), start<<32|end
	return true
}

// bounds returns the offsets of the current value, not NULL.
func (it *Values) bounds() (int, int) { return int(it.cur >> 32), int(uint32(it.cur)) }

// Null reports whether the current value is NULL.
func (it *Values) Null() bool { return uint32(it.cur) < uint32(it.cur>>32) }

// Len returns the length of the current value, 0 for NULL.
func (it *Values) Len() int { return max(int(uint32(it.cur))-int(it.cur>>32), 0) }

// Contiguous returns the bytes of the current value, in place, when they
// are contiguous in memory: always, unless the value straddles two
// segments of the pipe's memory (read it with Data then). It returns nil
// and false for NULL.
func (it *Values) Contiguous() ([]byte, bool) {
	if start, end := uint32(it.cur>>32), uint32(it.cur); it.flat != nil && start <= end {
		return it.flat[start:end:end], true
	}
	return it.contiguous()
}

// contiguous is Contiguous off its fast path.
func (it *Values) contiguous() ([]byte, bool) {
	if it.Null() {
		return nil, false
	}
	s := it.Data()
	f := s.First()
	return f, int64(len(f)) == s.Len()
}

// Data returns the bytes of the current value, in place (empty for NULL).
func (it *Values) Data() pipe.Sequence {
	if it.Null() {
		return pipe.Sequence{}
	}
	start, end := it.bounds()
	if it.flat != nil {
		return it.s.SliceFirst(start, end)
	}
	return it.s.Slice(int64(start), int64(end))
}

// Value returns the current value.
func (it *Values) Value() Value { return Value{Data: it.Data(), Null: it.Null()} }

// Remaining returns the number of values Next has yet to move to.
func (it *Values) Remaining() int {
	if it.left == unstarted {
		return DataRow{it.s}.NumColumns()
	}
	return int(it.left >> 32)
}
