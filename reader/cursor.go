package reader

import (
	"bytes"
	"io"

	"github.com/f2bac256/bedrock/pipe"
)

// Cursor reads a pipe.Sequence in place, across segment edges, without
// copying or allocating. It is the parsing side of a pipe: a parser wraps
// the Sequence of a Read in a Cursor, reads what it can, and hands
// Position back to pipe.Reader.AdvanceTo as the consumed position.
//
// Every read either succeeds and consumes what it returns, or fails (false,
// io.EOF, ErrIncomplete, ErrOverflow) and consumes nothing, so that a parser
// that meets the end of the data in the middle of a message can Rewind to
// the message start, or simply stop, and retry once more data has arrived.
//
// The Sequences a Cursor returns (ReadTo, ReadN, UnreadSequence) point into
// the same memory as the Sequence it reads and are valid as long as it is.
//
// Cursor is a value type: copying a Cursor saves its place (a copy reads on
// independently of the original). The zero Cursor reads an empty Sequence.
// A Cursor is not safe for concurrent use; even Peek and Unread update it.
type Cursor struct {
	seq    pipe.Sequence // the whole Sequence being read
	rest   pipe.Sequence // seq from cur[0] to its end
	cur    []byte        // the current run of contiguous bytes: the head of rest
	i      int           // index in cur of the next unread byte, 0 <= i <= len(cur)
	base   int64         // offset in seq of cur[0]
	length int64         // seq.Len()
	next   pipe.Position // the position just after cur
}

// The current run is loaded lazily: i may equal len(cur) while more bytes
// follow in the next segment. Fast paths work on cur[i:] alone; slow paths
// walk the following segments with Sequence.Segment.

// NewCursor returns a Cursor at the start of s.
func NewCursor(s pipe.Sequence) Cursor {
	var c Cursor
	c.Reset(s)
	return c
}

// Reset makes c read s from its start.
func (c *Cursor) Reset(s pipe.Sequence) {
	*c = Cursor{seq: s, length: s.Len()}
	c.setRun(s, 0, 0)
}

// setRun makes the run at the start of rest, at offset base of the
// Sequence, the current one, with i bytes of it read.
func (c *Cursor) setRun(rest pipe.Sequence, base int64, i int) {
	c.cur, c.next = rest.Segment(rest.Start())
	c.rest, c.base, c.i = rest, base, i
}

// Sequence returns the whole Sequence c reads, consumed bytes included.
func (c *Cursor) Sequence() pipe.Sequence { return c.seq }

// Consumed returns the number of bytes read so far.
func (c *Cursor) Consumed() int64 { return c.base + int64(c.i) }

// Remaining returns the number of bytes not yet read.
func (c *Cursor) Remaining() int64 { return c.length - c.base - int64(c.i) }

// End reports whether no bytes remain.
func (c *Cursor) End() bool { return c.base+int64(c.i) == c.length }

// Position returns the position of the next unread byte in Sequence(): the
// consumed position to hand to pipe.Reader.AdvanceTo. At the end it is
// Sequence().End().
func (c *Cursor) Position() pipe.Position { return c.rest.PositionAt(int64(c.i)) }

// Unread returns the unread bytes of the current segment: the next bytes of
// the Sequence that are contiguous in memory. It is empty only at the end.
// It does not copy; the slice must not be modified, and reading it does not
// advance c (use Advance).
func (c *Cursor) Unread() []byte {
	if c.i == len(c.cur) {
		c.load()
	}
	return c.cur[c.i:len(c.cur):len(c.cur)]
}

// UnreadSequence returns every byte not yet read, without copying.
func (c *Cursor) UnreadSequence() pipe.Sequence {
	return c.rest.Slice(int64(c.i), c.rest.Len())
}

// load moves to the next non-empty run when the current one is fully read.
// It reports false, changing nothing, at the end of the Sequence.
func (c *Cursor) load() bool {
	if c.base+int64(len(c.cur)) == c.length {
		return false
	}
	c.setRun(c.rest.SliceFrom(c.next), c.base+int64(len(c.cur)), 0)
	return true
}

// skip consumes n bytes; n must not exceed Remaining.
func (c *Cursor) skip(n int64) {
	for {
		if avail := int64(len(c.cur) - c.i); n <= avail {
			c.i += int(n)
			return
		}
		n -= int64(len(c.cur) - c.i)
		c.i = len(c.cur)
		if !c.load() {
			panic("reader: Cursor: internal error: skip past the end")
		}
	}
}

// Peek returns the next byte without consuming it; false at the end.
func (c *Cursor) Peek() (byte, bool) {
	if c.i < len(c.cur) {
		return c.cur[c.i], true
	}
	if c.load() {
		return c.cur[0], true
	}
	return 0, false
}

// ReadByte consumes and returns the next byte, or returns io.EOF at the end.
// It makes a Cursor an io.ByteReader, so that for instance
// binary.ReadUvarint can read from it.
func (c *Cursor) ReadByte() (byte, error) {
	if c.i < len(c.cur) {
		b := c.cur[c.i]
		c.i++
		return b, nil
	}
	return c.readByteSlow()
}

//go:noinline
func (c *Cursor) readByteSlow() (byte, error) {
	if !c.load() {
		return 0, io.EOF
	}
	c.i = 1
	return c.cur[0], nil
}

// Advance consumes n bytes. If fewer than n remain it consumes nothing and
// returns false. It panics if n is negative.
func (c *Cursor) Advance(n int64) bool {
	if uint64(n) <= uint64(len(c.cur)-c.i) {
		c.i += int(n)
		return true
	}
	return c.advanceSlow(n)
}

func (c *Cursor) advanceSlow(n int64) bool {
	if n < 0 {
		panic("reader: Cursor.Advance: negative count")
	}
	if n > c.Remaining() {
		return false
	}
	c.skip(n)
	return true
}

// Rewind moves c back by n bytes, so that they are read again. It panics if
// n is negative or more than Consumed(). Rewinding within the current
// segment is cheap; rewinding further walks the Sequence from its start.
func (c *Cursor) Rewind(n int64) {
	if n < 0 || n > c.Consumed() {
		panic("reader: Cursor.Rewind: count out of range")
	}
	if n <= int64(c.i) {
		c.i -= int(n)
		return
	}
	target := c.Consumed() - n
	c.setRun(c.seq.SliceFrom(c.seq.PositionAt(target)), target, 0)
}

// IsNext reports whether the unread bytes begin with prefix, and if so and
// advancePast is set, consumes them. An empty prefix is always next.
func (c *Cursor) IsNext(prefix []byte, advancePast bool) bool {
	if len(prefix) <= len(c.cur)-c.i {
		if !bytes.Equal(c.cur[c.i:c.i+len(prefix)], prefix) {
			return false
		}
		if advancePast {
			c.i += len(prefix)
		}
		return true
	}
	if int64(len(prefix)) > c.Remaining() || !c.hasPrefix(c.cur[c.i:], c.next, prefix) {
		return false
	}
	if advancePast {
		c.skip(int64(len(prefix)))
	}
	return true
}

// hasPrefix reports whether the bytes b, followed by those of the Sequence
// from next on, begin with prefix.
func (c *Cursor) hasPrefix(b []byte, next pipe.Position, prefix []byte) bool {
	for {
		n := min(len(b), len(prefix))
		if !bytes.Equal(b[:n], prefix[:n]) {
			return false
		}
		if prefix = prefix[n:]; len(prefix) == 0 {
			return true
		}
		if b, next = c.seq.Segment(next); len(b) == 0 {
			return false
		}
	}
}

// readTo returns the k bytes before a delimiter of length dlen found k
// bytes ahead, and consumes them, and the delimiter if advancePastDelim.
func (c *Cursor) readTo(k int64, dlen int, advancePastDelim bool) pipe.Sequence {
	s := c.rest.Slice(int64(c.i), int64(c.i)+k)
	if advancePastDelim {
		k += int64(dlen)
	}
	c.skip(k)
	return s
}

// ReadTo returns the unread bytes up to the first delim, without copying,
// and consumes them; it consumes the delimiter too if advancePastDelim is
// set. If delim does not occur it returns false and consumes nothing.
func (c *Cursor) ReadTo(delim byte, advancePastDelim bool) (pipe.Sequence, bool) {
	if j := bytes.IndexByte(c.cur[c.i:], delim); j >= 0 {
		s := c.rest.SliceFirst(c.i, c.i+j)
		c.i += j
		if advancePastDelim {
			c.i++
		}
		return s, true
	}
	return c.readToSlow(delim, advancePastDelim)
}

func (c *Cursor) readToSlow(delim byte, advancePastDelim bool) (pipe.Sequence, bool) {
	k, at := int64(len(c.cur)-c.i), c.next
	for b, next := c.seq.Segment(at); len(b) > 0; b, next = c.seq.Segment(next) {
		if j := bytes.IndexByte(b, delim); j >= 0 {
			s := c.rest.Slice(int64(c.i), int64(c.i)+k+int64(j))
			if advancePastDelim {
				j++
			}
			c.skipInto(true, at, b, k, j)
			return s, true
		}
		k += int64(len(b))
		at = next
	}
	return pipe.Sequence{}, false
}

// cursorByteSet is a set of bytes, one bit per value.
type cursorByteSet [4]uint64

func makeCursorByteSet(set []byte) (s cursorByteSet) {
	for _, b := range set {
		s[b>>6] |= 1 << (b & 63)
	}
	return s
}

func (s *cursorByteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }

// index returns the index of the first byte of b in s, or -1.
func (s *cursorByteSet) index(b []byte) int {
	for j, x := range b {
		if s.has(x) {
			return j
		}
	}
	return -1
}

// ReadToAny is ReadTo for the first byte that is any of delims. With no
// delims it returns false.
func (c *Cursor) ReadToAny(delims []byte, advancePastDelim bool) (pipe.Sequence, bool) {
	switch len(delims) {
	case 0:
		return pipe.Sequence{}, false
	case 1:
		return c.ReadTo(delims[0], advancePastDelim)
	}
	set := makeCursorByteSet(delims)
	b, next := c.cur[c.i:], c.next
	for k := int64(0); ; {
		if j := set.index(b); j >= 0 {
			return c.readTo(k+int64(j), 1, advancePastDelim), true
		}
		k += int64(len(b))
		if b, next = c.seq.Segment(next); len(b) == 0 {
			return pipe.Sequence{}, false
		}
	}
}

// ReadToSeq is ReadTo for a delimiter of several bytes, such as "\r\n",
// which may straddle segment edges. An empty delim is found at once.
func (c *Cursor) ReadToSeq(delim []byte, advancePastDelim bool) (pipe.Sequence, bool) {
	if len(delim) < 2 {
		return c.readToSeqShort(delim, advancePastDelim)
	}
	// Fast path: the first candidate (an occurrence of delim[0]) is a
	// match that lies wholly in the current run.
	i, b := c.i, c.cur
	j := bytes.IndexByte(b[i:], delim[0])
	if j < 0 {
		return c.readToSeqSlow(delim, advancePastDelim, len(b)-i)
	}
	if j += i; j+len(delim) <= len(b) && b[j+1] == delim[1] &&
		(len(delim) == 2 || bytes.Equal(b[j+2:j+len(delim)], delim[2:])) {
		if advancePastDelim {
			c.i = j + len(delim)
		} else {
			c.i = j
		}
		return c.rest.SliceFirst(i, j), true
	}
	return c.readToSeqSlow(delim, advancePastDelim, j-i)
}

func (c *Cursor) readToSeqShort(delim []byte, advancePastDelim bool) (pipe.Sequence, bool) {
	if len(delim) == 0 {
		return c.rest.Slice(int64(c.i), int64(c.i)), true
	}
	return c.ReadTo(delim[0], advancePastDelim)
}

// readToSeqSlow is ReadToSeq past its fast path: false candidates, and
// matches that lie in later runs or straddle their edges. No match starts
// in the first from unread bytes.
func (c *Cursor) readToSeqSlow(delim []byte, advancePastDelim bool, from int) (pipe.Sequence, bool) {
	if int64(len(delim)+from) > c.Remaining() {
		return pipe.Sequence{}, false
	}
	// b is the run at k bytes from the next unread byte, at its position
	// (unless it is the current run) and next after it.
	var at pipe.Position
	b, next, k, later := c.cur[c.i+from:], c.next, int64(from), false
	for {
		for j := 0; j < len(b); j++ {
			o := bytes.IndexByte(b[j:], delim[0])
			if o < 0 {
				break
			}
			j += o
			if j+len(delim) <= len(b) && bytes.Equal(b[j:j+len(delim)], delim) ||
				j+len(delim) > len(b) && c.hasPrefix(b[j:], next, delim) {
				s := c.rest.Slice(int64(c.i), int64(c.i)+k+int64(j))
				end := j
				if advancePastDelim {
					end += len(delim)
				}
				c.skipInto(later, at, b, k, end)
				return s, true
			}
		}
		k += int64(len(b))
		at, later = next, true
		if b, next = c.seq.Segment(next); len(b) == 0 {
			return pipe.Sequence{}, false
		}
	}
}

// skipInto consumes k+end bytes, where b is the run k bytes after the next
// unread byte, found at position at. When b is a later run than the current
// one and the end lies inside it, c moves there without walking the runs
// again.
func (c *Cursor) skipInto(later bool, at pipe.Position, b []byte, k int64, end int) {
	if !later || end > len(b) {
		c.skip(k + int64(end))
		return
	}
	c.setRun(c.rest.SliceFrom(at), c.base+int64(c.i)+k, end)
}

// SkipPast consumes the run of b at the start of the unread bytes and
// returns its length.
func (c *Cursor) SkipPast(b byte) int64 {
	var n int64
	for {
		j := c.i
		for j < len(c.cur) && c.cur[j] == b {
			j++
		}
		n += int64(j - c.i)
		c.i = j
		if j < len(c.cur) || !c.load() {
			return n
		}
	}
}

// SkipPastAny consumes the run of bytes in set at the start of the unread
// bytes and returns its length.
func (c *Cursor) SkipPastAny(set []byte) int64 {
	if len(set) == 1 {
		return c.SkipPast(set[0])
	}
	s := makeCursorByteSet(set)
	var n int64
	for {
		j := c.i
		for j < len(c.cur) && s.has(c.cur[j]) {
			j++
		}
		n += int64(j - c.i)
		c.i = j
		if j < len(c.cur) || !c.load() {
			return n
		}
	}
}

// ReadN returns the next n bytes, without copying, and consumes them. If
// fewer than n remain it returns false and consumes nothing. It panics if n
// is negative.
func (c *Cursor) ReadN(n int64) (pipe.Sequence, bool) {
	if n < 0 {
		panic("reader: Cursor.ReadN: negative count")
	}
	if n > c.Remaining() {
		return pipe.Sequence{}, false
	}
	s := c.rest.Slice(int64(c.i), int64(c.i)+n)
	c.skip(n)
	return s, true
}

// CopyTo copies the next len(dst) bytes into dst without consuming them.
// If fewer remain it copies nothing and returns false.
func (c *Cursor) CopyTo(dst []byte) bool {
	if len(dst) <= len(c.cur)-c.i {
		copy(dst, c.cur[c.i:])
		return true
	}
	return c.copySlow(dst)
}

func (c *Cursor) copySlow(dst []byte) bool {
	if int64(len(dst)) > c.Remaining() {
		return false
	}
	n := copy(dst, c.cur[c.i:])
	for b, next := c.seq.Segment(c.next); n < len(dst); b, next = c.seq.Segment(next) {
		n += copy(dst[n:], b)
	}
	return true
}
