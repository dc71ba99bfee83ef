package pipe

import (
	"bytes"
	"io"
	"iter"
	"net"
	"strings"
)

// Sequence is a read-only view of bytes that may span several segments of
// memory. It is a small value (two Positions) and copies nothing: slicing a
// Sequence or iterating over it never copies or allocates. The zero Sequence
// is empty.
//
// A Sequence returned by a Reader is valid until the next call to the
// Reader's AdvanceTo; after that its memory may be reused.
type Sequence struct {
	start, end Position
}

// SequenceOf returns a Sequence with one segment per part, in order. The
// parts are not copied. It is meant for tests and fuzzing, where the same
// bytes split at different edges must give the same answers.
func SequenceOf(parts ...[]byte) Sequence {
	if len(parts) == 0 {
		return Sequence{}
	}
	segs := make([]segment, len(parts))
	var off int64
	for i, p := range parts {
		segs[i] = segment{buf: p, n: len(p), w: len(p), base: off, class: -1}
		if i > 0 {
			segs[i-1].next = &segs[i]
		}
		off += int64(len(p))
	}
	last := &segs[len(segs)-1]
	return makeSequence(Position{&segs[0], 0}, Position{last, off})
}

// makeSequence returns the Sequence from start to end, moving start past
// segments it has fully read so that First is never needlessly empty.
func makeSequence(start, end Position) Sequence {
	for start.off < end.off && start.seg != end.seg && start.index() >= start.seg.n {
		start = Position{start.seg.next, start.seg.next.base}
	}
	return Sequence{start, end}
}

// Len returns the number of bytes in s.
func (s Sequence) Len() int64 { return s.end.off - s.start.off }

// IsEmpty reports whether s holds no bytes.
func (s Sequence) IsEmpty() bool { return s.end.off == s.start.off }

// IsSingleSegment reports whether the bytes of s are contiguous in memory,
// so that First returns all of them.
func (s Sequence) IsSingleSegment() bool { return int64(len(s.First())) == s.Len() }

// Start returns the position of the first byte of s.
func (s Sequence) Start() Position { return s.start }

// End returns the position just after the last byte of s.
func (s Sequence) End() Position { return s.end }

// First returns the first contiguous run of bytes of s: all of s when it is a
// single segment. It does not copy; the slice must not be modified.
func (s Sequence) First() []byte {
	// The common cases first, without the loop of chunk: s lies in one
	// segment, or starts inside one and goes on past its end.
	if p := s.start; p.seg != nil && p.off < s.end.off {
		if i := p.index(); p.seg == s.end.seg {
			return p.seg.buf[i:s.end.index()]
		} else if i < p.seg.n && s.end.off-p.off >= int64(p.seg.n-i) {
			return p.seg.buf[i:p.seg.n]
		}
	}
	b, _ := s.Segment(s.start)
	return b
}

// Segment returns the contiguous bytes of s from p to the end of p's segment
// (or to the end of s), and the position just after them. At the end of s it
// returns an empty slice and s.End(). It skips empty segments, so this loop
// visits every byte once without copying or allocating:
//
//	for p := s.Start(); ; {
//		var b []byte
//		if b, p = s.Segment(p); len(b) == 0 {
//			break
//		}
//		// use b
//	}
func (s Sequence) Segment(p Position) ([]byte, Position) {
	b, _, next := s.chunk(p)
	return b, next
}

// chunk is Segment that also returns the position of the first byte of the
// returned slice, which differs from p when empty segments were skipped.
func (s Sequence) chunk(p Position) (b []byte, at, next Position) {
	// Bounded by offsets, not only by segments: at a segment edge one
	// offset has two Positions (the end of one segment, the start of the
	// next), and s may begin or end with either.
	for p.seg != nil && p.off < s.end.off {
		if p.seg == s.end.seg {
			return p.seg.buf[p.index():s.end.index()], p, s.end
		}
		b = p.seg.buf[p.index():p.seg.n]
		if rest := s.end.off - p.off; int64(len(b)) >= rest {
			return b[:rest], p, s.end
		}
		at, p = p, Position{p.seg.next, p.seg.next.base}
		if len(b) > 0 {
			return b, at, p
		}
	}
	return nil, s.end, s.end
}

// All returns an iterator over the contiguous runs of bytes of s, in order.
// Empty segments are skipped. The slices must not be modified or retained
// past the validity of s.
func (s Sequence) All() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for p := s.start; ; {
			var b []byte
			if b, p = s.Segment(p); len(b) == 0 || !yield(b) {
				return
			}
		}
	}
}

// Offset returns the distance in bytes from the start of s to p. It panics
// if p lies outside s.
func (s Sequence) Offset(p Position) int64 {
	o := p.off - s.start.off
	if p.seg == nil && s.start.seg != nil || o < 0 || o > s.Len() {
		panic("pipe: Sequence.Offset: position outside the sequence")
	}
	return o
}

// PositionAt returns the position offset bytes after the start of s. It
// panics unless 0 <= offset <= s.Len().
func (s Sequence) PositionAt(offset int64) Position {
	if offset < 0 || offset > s.Len() {
		panic("pipe: Sequence.PositionAt: offset out of range")
	}
	return s.seek(s.start, s.start.off+offset, false)
}

// seek walks from p (inside s) to the stream offset target. At a segment
// edge it stops at the end of the earlier segment when atEnd is set (the
// natural end of a slice) and at the start of the next one otherwise.
func (s Sequence) seek(p Position, target int64, atEnd bool) Position {
	if target >= s.end.off {
		return s.end
	}
	for seg := p.seg; seg != nil; seg = seg.next {
		if seg == s.end.seg {
			return Position{seg, target}
		}
		segEnd := seg.base + int64(seg.n)
		if target < segEnd || atEnd && target == segEnd {
			return Position{seg, target}
		}
	}
	return s.end
}

// Slice returns the bytes of s from offset start up to offset end. It panics
// unless 0 <= start <= end <= s.Len().
func (s Sequence) Slice(start, end int64) Sequence {
	if start < 0 || end < start || end > s.Len() {
		panic("pipe: Sequence.Slice: bounds out of range")
	}
	from := s.seek(s.start, s.start.off+start, false)
	return Sequence{from, s.seek(from, s.start.off+end, true)}
}

// SliceFirst is Slice(i, j) for offsets within First(): constant time and
// inlinable, for parsers that found what they look for in the current
// segment. It panics unless 0 <= i <= j <= len(s.First()).
func (s Sequence) SliceFirst(i, j int) Sequence {
	p := s.start
	if i < 0 || j < i || p.off+int64(j) > s.end.off ||
		p.seg != s.end.seg && p.index()+j > p.seg.n {
		panic("pipe: Sequence.SliceFirst: bounds outside the first segment")
	}
	return Sequence{Position{p.seg, p.off + int64(i)}, Position{p.seg, p.off + int64(j)}}
}

// SliceFrom returns the bytes of s from p to its end.
func (s Sequence) SliceFrom(p Position) Sequence {
	s.Offset(p) // bounds check
	return makeSequence(p, s.end)
}

// SliceTo returns the bytes of s from its start up to p.
func (s Sequence) SliceTo(p Position) Sequence {
	s.Offset(p) // bounds check
	return Sequence{s.start, p}
}

// IndexByte returns the offset of the first c in s, or -1.
func (s Sequence) IndexByte(c byte) int64 {
	var off int64
	for p := s.start; ; {
		var b []byte
		if b, p = s.Segment(p); len(b) == 0 {
			return -1
		}
		if i := bytes.IndexByte(b, c); i >= 0 {
			return off + int64(i)
		}
		off += int64(len(b))
	}
}

// Index returns the offset of the first instance of sep in s, or -1. Matches
// that straddle segment edges are found too.
func (s Sequence) Index(sep []byte) int64 {
	switch len(sep) {
	case 0:
		return 0
	case 1:
		return s.IndexByte(sep[0])
	}
	var off int64
	for p := s.start; ; {
		var b []byte
		var at Position
		if b, at, p = s.chunk(p); len(b) == 0 {
			return -1
		}
		if i := bytes.Index(b, sep); i >= 0 {
			return off + int64(i)
		}
		// A match starting in the last len(sep)-1 bytes continues in the
		// following segments.
		for j := max(0, len(b)-len(sep)+1); j < len(b); j++ {
			if b[j] == sep[0] && s.hasPrefixAt(Position{at.seg, at.off + int64(j)}, sep) {
				return off + int64(j)
			}
		}
		off += int64(len(b))
	}
}

// hasPrefixAt reports whether the bytes of s from p begin with prefix.
func (s Sequence) hasPrefixAt(p Position, prefix []byte) bool {
	for len(prefix) > 0 {
		var b []byte
		if b, p = s.Segment(p); len(b) == 0 {
			return false
		}
		n := min(len(b), len(prefix))
		if !bytes.Equal(b[:n], prefix[:n]) {
			return false
		}
		prefix = prefix[n:]
	}
	return true
}

// CopyTo copies the bytes of s into dst, as many as fit, and returns how many
// it copied.
func (s Sequence) CopyTo(dst []byte) int {
	n := 0
	for p := s.start; n < len(dst); {
		var b []byte
		if b, p = s.Segment(p); len(b) == 0 {
			break
		}
		n += copy(dst[n:], b)
	}
	return n
}

// Bytes returns a copy of the bytes of s in one new slice.
func (s Sequence) Bytes() []byte {
	b := make([]byte, s.Len())
	s.CopyTo(b)
	return b
}

// String returns a copy of the bytes of s as a string.
func (s Sequence) String() string {
	var sb strings.Builder
	sb.Grow(int(s.Len()))
	for b := range s.All() {
		sb.Write(b)
	}
	return sb.String()
}

// WriteTo writes the bytes of s to w. When w is a *net.TCPConn or a
// *net.UnixConn and s spans several segments, they go out in one gather
// write (writev) through net.Buffers; otherwise each segment is written in
// turn. WriteTo implements io.WriterTo.
func (s Sequence) WriteTo(w io.Writer) (int64, error) {
	if gathers(w) && !s.IsSingleSegment() {
		var bufs net.Buffers
		for b := range s.All() {
			bufs = append(bufs, b)
		}
		return bufs.WriteTo(w)
	}
	var n int64
	for b := range s.All() {
		m, err := w.Write(b)
		n += int64(m)
		if err != nil {
			return n, err
		}
		if m < len(b) {
			return n, io.ErrShortWrite
		}
	}
	return n, nil
}

// gathers reports whether net.Buffers writes to w with one writev: only the
// net package's own stream connections do.
func gathers(w io.Writer) bool {
	switch w.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}
