package pipe

import "fmt"

// chain is the buffered data of a reader: a linked list of segments from the
// read head to the writer's tail, the committed end, and the examined mark.
// It validates the positions a reader hands back and unlinks the segments it
// no longer needs. It does no locking: its owner serialises access.
type chain struct {
	pool *Pool

	head     Position // first unconsumed byte; head.seg is nil when no segment is held
	tail     *segment // last segment, where the writer appends
	last     *segment // last committed segment
	written  int64    // stream offset of the end of committed data
	examined int64    // stream offset up to which the reader has examined
	readEnd  int64    // end of the buffer returned by the last read
}

// unexamined returns the number of committed bytes the reader has not yet
// examined: the quantity backpressure is measured in.
func (c *chain) unexamined() int64 { return c.written - c.examined }

// buffered returns the number of committed, unconsumed bytes.
func (c *chain) buffered() int64 { return c.written - c.head.off }

// available returns the writable tail memory, at least need bytes, adding a
// segment of at least minSize bytes when the tail has less room than need.
func (c *chain) available(need, minSize int) []byte {
	t := c.tail
	if t == nil || len(t.buf)-t.w < need {
		c.link(c.pool.get(max(need, minSize)))
		t = c.tail
	}
	return t.buf[t.w:]
}

// appendBorrowed links memory owned by someone else as committed data;
// release is called once when the reader is done with all of it.
func (c *chain) appendBorrowed(b []byte, release func()) {
	s := c.pool.getBorrowed(b, release)
	s.w = len(b)
	c.link(s)
	c.commit()
}

// link appends s after the tail.
func (c *chain) link(s *segment) {
	if t := c.tail; t != nil {
		s.base = t.base + int64(t.w)
		t.next = s
	} else {
		s.base = c.written
		c.head = Position{s, s.base}
		c.last = s
	}
	c.tail = s
}

// commit makes every written byte visible to the reader.
func (c *chain) commit() {
	if c.tail == nil {
		return
	}
	for s := c.last; s != nil; s = s.next {
		s.n = s.w
	}
	c.last = c.tail
	c.written = c.tail.base + int64(c.tail.w)
}

// buffer returns the committed, unconsumed data and remembers its end as the
// limit for the positions of the next advance.
func (c *chain) buffer() Sequence {
	c.readEnd = c.written
	if c.head.seg == nil {
		return Sequence{c.head, c.head}
	}
	return makeSequence(c.head, Position{c.last, c.written})
}

// advance moves the read head to consumed and the examined mark to examined.
// With strict unset, examined may lie before the previous mark and is then
// ignored. It returns the unlinked segments for release outside any lock, and
// a description of the misuse when a position is invalid (nothing changes).
// The tail segment is unlinked too when everything is consumed and keepTail
// is unset (the writer is not using it).
func (c *chain) advance(consumed, examined Position, strict, keepTail bool) (*segment, string) {
	if msg := c.check("consumed", consumed); msg != "" {
		return nil, msg
	}
	if msg := c.check("examined", examined); msg != "" {
		return nil, msg
	}
	switch {
	case examined.off < consumed.off:
		return nil, "examined position precedes the consumed position"
	case examined.off >= c.examined:
		c.examined = examined.off
	case strict:
		return nil, "examined position precedes the previously examined position"
	}
	c.examined = max(c.examined, consumed.off)

	if consumed.seg == nil {
		consumed = c.head // check allowed it only at the head
	}
	for consumed.seg != c.last && consumed.index() == consumed.seg.n {
		consumed = Position{consumed.seg.next, consumed.seg.next.base}
	}

	// The segments wholly before consumed are a prefix of the list.
	first := c.head.seg
	c.head = consumed
	if consumed.off == c.written && !keepTail && first != nil {
		// All consumed: the reader holds no segment while idle.
		c.detach()
		return first, ""
	}
	if first == consumed.seg {
		return nil, ""
	}
	s := first
	for s.next != consumed.seg {
		s = s.next
	}
	s.next = nil
	return first, ""
}

// check describes why p cannot be handed back to advance, or returns "".
func (c *chain) check(what string, p Position) string {
	switch {
	case p.off < c.head.off:
		return fmt.Sprintf("%s position (offset %d) precedes the consumed data (offset %d): a position from an older buffer", what, p.off, c.head.off)
	case p.off > c.readEnd:
		return fmt.Sprintf("%s position (offset %d) is past the end of the last read buffer (offset %d)", what, p.off, c.readEnd)
	case p.seg == nil:
		if c.head.seg != nil && p.off != c.head.off {
			return what + " position is the zero Position but the buffer was not empty"
		}
	case p.off < p.seg.base || p.off > p.seg.base+int64(p.seg.n):
		return what + " position belongs to a released segment: a position from an older buffer"
	}
	return ""
}

// detach unlinks every segment and returns them for release.
func (c *chain) detach() *segment {
	s := c.head.seg
	c.head, c.tail, c.last = Position{nil, c.written}, nil, nil
	return s
}

// release hands a list of unlinked segments back to the pool. Borrowed
// memory goes back through its release hook, so no lock may be held.
func (p *Pool) release(s *segment) {
	for s != nil {
		next := s.next
		p.put(s)
		s = next
	}
}
