package pipe

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mib = 1 << 20

func TestPoolClassOf(t *testing.T) {
	for _, tc := range []struct{ size, class int }{
		{0, 0},
		{1, 0},
		{511, 0},
		{512, 0},
		{513, 1},
		{1024, 1},
		{1025, 2},
		{4096, 3},
		{4097, 4},
		{64 << 10, 7},
		{2*mib + 1, 13},
		{4*mib - 1, 13},
		{4 * mib, 13},
		{4*mib + 1, -1},
		{8 * mib, -1},
		{1 << 30, -1},
	} {
		assert.Equal(t, tc.class, classOf(tc.size), "classOf(%d)", tc.size)
	}

	// Every size up to the largest class lands in the smallest class that
	// holds it.
	for size := 1; size <= 4*mib; size += 1 + size/7 {
		c := classOf(size)
		require.GreaterOrEqual(t, c, 0, "classOf(%d)", size)
		require.Less(t, c, numClasses, "classOf(%d)", size)
		require.GreaterOrEqual(t, 1<<(c+minClassShift), size, "classOf(%d) = %d is too small", size, c)
		if c > 0 {
			require.Less(t, 1<<(c-1+minClassShift), size, "classOf(%d) = %d is not the smallest", size, c)
		}
	}
}

// assertClean checks that s carries nothing from an earlier use.
func assertClean(t *testing.T, s *segment, msgAndArgs ...any) {
	t.Helper()
	assert.Zero(t, s.n, msgAndArgs...)
	assert.Zero(t, s.w, msgAndArgs...)
	assert.Zero(t, s.base, msgAndArgs...)
	assert.Nil(t, s.next, msgAndArgs...)
	assert.Nil(t, s.release, msgAndArgs...)
	assert.False(t, s.borrowed, msgAndArgs...)
}

var poolSizes = []int{0, 1, 100, 511, 512, 513, 1000, 4096, 4097, 64 << 10, 4*mib - 1, 4 * mib, 4*mib + 1, 5 * mib}

func TestPoolGetSizes(t *testing.T) {
	p := new(Pool)
	for _, size := range poolSizes {
		s := p.get(size)
		require.NotNil(t, s, "get(%d)", size)
		assert.GreaterOrEqual(t, len(s.buf), size, "get(%d)", size)
		c := classOf(size)
		assert.Equal(t, int8(c), s.class, "get(%d)", size)
		if c >= 0 {
			assert.Equal(t, 1<<(c+minClassShift), len(s.buf), "get(%d)", size)
		} else {
			assert.Equal(t, size, len(s.buf), "get(%d): oversize requests are allocated exactly", size)
		}
		assertClean(t, s, "get(%d)", size)
		p.put(s)
	}
}

func TestPoolPutGetNoStaleFields(t *testing.T) {
	p := new(Pool)
	for _, size := range poolSizes {
		reused := 0
		for i := range 50 {
			s := p.get(size)
			require.GreaterOrEqual(t, len(s.buf), size)
			class := s.class
			// Use it the way a chain does.
			s.n, s.w, s.base = min(7, len(s.buf)), min(9, len(s.buf)), int64(1000+i)
			s.next = &segment{}
			for j := range min(len(s.buf), 64) {
				s.buf[j] = 0xAB
			}
			p.put(s)
			// put resets everything but the memory and its class.
			assertClean(t, s, "after put, size %d", size)
			assert.Equal(t, class, s.class, "after put, size %d", size)

			s2 := p.get(size)
			require.GreaterOrEqual(t, len(s2.buf), size, "get(%d) after put", size)
			assert.Equal(t, int8(classOf(size)), s2.class, "get(%d) after put", size)
			assertClean(t, s2, "get(%d) after put", size)
			if s2 == s {
				reused++
				require.GreaterOrEqual(t, class, int8(0), "an unpooled segment (size %d) came back from the pool", size)
			}
			p.put(s2)
		}
		t.Logf("size %d: reused %d/50", size, reused)
	}
}

// TestPoolClassesDoNotMix checks that a segment put in one class is never
// handed out for a larger request.
func TestPoolClassesDoNotMix(t *testing.T) {
	p := new(Pool)
	for range 100 {
		small := p.get(512)
		p.put(small)
		big := p.get(513)
		assert.NotSame(t, small, big)
		assert.GreaterOrEqual(t, len(big.buf), 513)
		p.put(big)
	}
}

func TestPoolConcurrent(t *testing.T) {
	p := new(Pool)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				size := poolSizes[(g+i)%(len(poolSizes)-2)] // skip the oversize ones: too slow
				s := p.get(size)
				if len(s.buf) < size || s.n != 0 || s.w != 0 || s.base != 0 || s.next != nil || s.borrowed {
					t.Errorf("get(%d) returned a bad segment: len %d n %d w %d base %d next %p borrowed %v",
						size, len(s.buf), s.n, s.w, s.base, s.next, s.borrowed)
					return
				}
				s.n, s.w, s.base = 1, 2, int64(i)
				s.buf[0] = byte(g)
				p.put(s)
			}
		})
	}
	wg.Wait()
}

func TestPoolBorrowed(t *testing.T) {
	p := new(Pool)
	for i := range 100 {
		b := []byte("borrowed memory")
		calls := 0
		var s *segment
		s = p.getBorrowed(b, func() {
			calls++
			// By the time memory is handed back, the segment has let go
			// of it: the owner may reuse it at once.
			assert.Nil(t, s.buf, "release called before the segment dropped the buffer")
			assert.False(t, s.borrowed)
		})
		require.NotNil(t, s)
		assert.True(t, s.borrowed)
		assert.Equal(t, int8(-1), s.class)
		require.Len(t, s.buf, len(b))
		assert.Same(t, &b[0], &s.buf[0], "borrowed memory must not be copied")
		assert.Zero(t, s.n, "iteration %d", i)
		assert.Zero(t, s.w, "iteration %d", i)
		assert.Zero(t, s.base, "iteration %d", i)
		assert.Nil(t, s.next, "iteration %d", i)
		assert.Zero(t, calls, "release called by getBorrowed")

		s.n, s.w, s.base, s.next = len(b), len(b), int64(i), &segment{}
		p.put(s)
		assert.Equal(t, 1, calls, "release hook calls after put")
		assert.Nil(t, s.buf, "segment retains the borrowed buffer")
		assertClean(t, s)

		// A later owned or borrowed segment never calls this hook again.
		o := p.get(100)
		p.put(o)
		s2 := p.getBorrowed([]byte("x"), nil)
		assert.Zero(t, s2.n)
		assert.Zero(t, s2.w)
		assert.Zero(t, s2.base)
		assert.Nil(t, s2.next)
		p.put(s2)
		assert.Equal(t, 1, calls, "release hook called again")
	}
}

func TestPoolRelease(t *testing.T) {
	p := new(Pool)
	calls := make([]int, 3)
	hook := func(i int) func() { return func() { calls[i]++ } }
	segs := []*segment{
		p.get(600),
		p.getBorrowed([]byte("a"), hook(0)),
		p.getBorrowed([]byte("b"), hook(1)),
		p.get(5 * mib),
		p.getBorrowed(nil, hook(2)),
		p.getBorrowed([]byte("no hook"), nil),
	}
	for i := range len(segs) - 1 {
		segs[i].next = segs[i+1]
	}
	p.release(segs[0])
	assert.Equal(t, []int{1, 1, 1}, calls)
	for i, s := range segs {
		assert.Nil(t, s.next, "segment %d still linked", i)
	}
	for _, i := range []int{1, 2, 4, 5} {
		assert.Nil(t, segs[i].buf, "borrowed segment %d retains its buffer", i)
		assert.Nil(t, segs[i].release, "borrowed segment %d retains its hook", i)
		assert.False(t, segs[i].borrowed, "segment %d", i)
	}
	p.release(nil) // no-op
}

func TestPoolZeroValue(t *testing.T) {
	var p Pool
	s := p.get(1000)
	assert.GreaterOrEqual(t, len(s.buf), 1000)
	p.put(s)
	s = p.get(1000)
	assertClean(t, s)
	p.put(s)

	calls := 0
	b := p.getBorrowed([]byte("zero"), func() { calls++ })
	assert.Equal(t, "zero", string(b.buf))
	p.put(b)
	assert.Equal(t, 1, calls)

	require.NotNil(t, sharedPool)
	s = sharedPool.get(10)
	assert.GreaterOrEqual(t, len(s.buf), 10)
	sharedPool.put(s)
}

func TestPoolGetPut(t *testing.T) {
	for _, p := range []*Pool{nil, new(Pool)} {
		for _, size := range []int{0, 1, 512, 513, 5000, 4 << 20, 4<<20 + 1} {
			b := p.Get(size)
			require.GreaterOrEqual(t, len(b), size)
			b[len(b)-1] = 1
			p.Put(b)
		}
		p.Put(make([]byte, 1000)) // not a class size: ignored
	}
	// Put memory comes back as segment memory.
	var pool Pool
	b := pool.Get(4096)
	pool.Put(b)
	s := pool.get(4096)
	assert.Equal(t, 4096, len(s.buf))
	assert.Zero(t, s.n+s.w)
}
