package pipe

// segment is one link of a chain of memory. It either owns pooled memory
// (class >= 0), owns unpooled memory (class < 0, not borrowed), or borrows
// memory from someone else (borrowed) and hands it back through release.
//
// Readers look only at buf[:n] and only at segments that were sealed before
// they were published, so n and next of a published, non-final segment never
// change while a Sequence refers to it.
type segment struct {
	buf  []byte
	n    int      // bytes committed: visible to readers
	w    int      // bytes written: the writer's own count, n <= w <= len(buf)
	base int64    // stream offset of buf[0]
	next *segment // the following segment, or nil

	release  func() // for borrowed memory: called once when it is released
	class    int8   // pool size class, or -1
	borrowed bool
}

// Position is a location in a Sequence: a segment and a stream offset. The
// zero Position is the start and end of the empty Sequence. Positions are
// valid until the reader advances past them; comparing Positions of
// different Sequences is meaningless.
type Position struct {
	seg *segment
	off int64 // stream offset; the byte index in seg is off - seg.base
}

// index returns the byte index of p inside its segment.
func (p Position) index() int { return int(p.off - p.seg.base) }
