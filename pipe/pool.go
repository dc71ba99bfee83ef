package pipe

import (
	"math/bits"
	"sync"
)

// Size classes of pooled segment memory: powers of two from minClassShift to
// maxClassShift. Requests above the largest class are allocated exactly and
// left to the garbage collector.
const (
	minClassShift = 9  // 512 B
	maxClassShift = 22 // 4 MiB
	numClasses    = maxClassShift - minClassShift + 1
)

// Pool recycles segment memory in power-of-two size classes from 512 B to
// 4 MiB. It is built on sync.Pool, so memory that stays idle across garbage
// collections flows back to the runtime. The zero value is ready to use and
// a Pool is safe for concurrent use. Pipes that set no Pool share one.
type Pool struct {
	classes [numClasses]sync.Pool
	bare    sync.Pool // segments without memory, for borrowed buffers
}

// sharedPool is used by every Pipe and Chain whose options name no Pool.
var sharedPool = new(Pool)

// classOf returns the size class that holds size bytes, or -1 when size is
// above the largest class.
func classOf(size int) int {
	if size <= 1<<minClassShift {
		return 0
	}
	shift := bits.Len(uint(size - 1))
	if shift > maxClassShift {
		return -1
	}
	return shift - minClassShift
}

// get returns a segment with at least size bytes of owned memory.
func (p *Pool) get(size int) *segment {
	c := classOf(size)
	if c < 0 {
		return &segment{buf: make([]byte, size), class: -1}
	}
	if s, ok := p.classes[c].Get().(*segment); ok {
		return s
	}
	return &segment{buf: make([]byte, 1<<(c+minClassShift)), class: int8(c)}
}

// getBorrowed returns a segment describing memory owned by someone else.
func (p *Pool) getBorrowed(b []byte, release func()) *segment {
	s, ok := p.bare.Get().(*segment)
	if !ok {
		s = &segment{}
	}
	s.buf, s.release, s.class, s.borrowed = b, release, -1, true
	return s
}

// put recycles s. Borrowed memory is handed back through its release hook;
// the caller must not hold a lock while calling put on borrowed segments.
func (p *Pool) put(s *segment) {
	if s.borrowed {
		release := s.release
		*s = segment{}
		p.bare.Put(s)
		if release != nil {
			release()
		}
		return
	}
	c := s.class
	buf := s.buf
	*s = segment{buf: buf, class: c}
	if c >= 0 {
		p.classes[c].Put(s)
	}
}

// Get returns at least size bytes of pooled memory, for short-lived scratch
// use of the same size classes as the segments (a writer gathering segments
// into one write, say). Hand it back with Put. A nil Pool is the pool shared
// by pipes whose options name none.
func (p *Pool) Get(size int) []byte {
	if p == nil {
		p = sharedPool
	}
	s := p.get(size)
	b := s.buf
	*s = segment{}
	p.bare.Put(s)
	return b
}

// Put hands back memory from Get; b must not be used afterwards. Memory of
// another origin is left to the garbage collector.
func (p *Pool) Put(b []byte) {
	if p == nil {
		p = sharedPool
	}
	b = b[:cap(b)]
	c := classOf(len(b))
	if c < 0 || len(b) != 1<<(c+minClassShift) {
		return
	}
	s, ok := p.bare.Get().(*segment)
	if !ok {
		s = &segment{}
	}
	s.buf, s.class = b, int8(c)
	p.classes[c].Put(s)
}
