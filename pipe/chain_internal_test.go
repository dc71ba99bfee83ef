package pipe

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// segments returns the number of segments p holds.
func (p *Pipe) segments() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for s := p.c.head.seg; s != nil; s = s.next {
		n++
	}
	return n
}

func TestConsumedSegmentsAreReleased(t *testing.T) {
	ctx := context.Background()
	p := New(Options{MinimumSegmentSize: 512}) // 512-byte segments
	w, r := p.Writer(), p.Reader()
	for range 4 {
		w.Buffer(500)
		w.Advance(500) // 12 bytes left: the next Buffer(500) links a segment
	}
	_, err := w.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, p.segments())

	res, err := r.Read(ctx)
	require.NoError(t, err)
	at := res.Buffer.PositionAt(1100) // inside the third segment (1000..1500)
	r.AdvanceTo(at, at)
	assert.Equal(t, 2, p.segments(), "segments before consumed go back to the pool")

	res, err = r.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(900), res.Buffer.Len())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	assert.Equal(t, 0, p.segments(), "an idle pipe holds no segment")
}

func TestTailKeptWhileWriterHoldsBuffer(t *testing.T) {
	ctx := context.Background()
	p := New(Options{})
	w, r := p.Writer(), p.Reader()
	w.Write([]byte("abc"))
	_, err := w.Flush(ctx)
	require.NoError(t, err)

	buf := w.Buffer(3) // the writer now holds the tail
	res, err := r.Read(ctx)
	require.NoError(t, err)
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	assert.Equal(t, 1, p.segments(), "the writer's tail survives a full consume")

	w.Advance(copy(buf, "def"))
	_, err = w.Flush(ctx)
	require.NoError(t, err)
	res, err = r.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "def", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	assert.Equal(t, 0, p.segments())
}

func TestBothCompletedReleasesMemory(t *testing.T) {
	ctx := context.Background()
	p := New(Options{})
	w, r := p.Writer(), p.Reader()
	w.Write(make([]byte, 10000))
	_, err := w.Flush(ctx)
	require.NoError(t, err)
	w.Buffer(1)
	r.Complete(nil)
	assert.NotZero(t, p.segments(), "the writer still holds its tail")
	w.Complete(nil)
	assert.Zero(t, p.segments())
}

func TestBorrowedSegments(t *testing.T) {
	var released []string
	parts := []string{"hello ", "borrowed ", "world"}
	c := chain{pool: new(Pool)}
	mem := make([][]byte, len(parts))
	for i, s := range parts {
		mem[i] = []byte(s)
		c.appendBorrowed(mem[i], func() { released = append(released, s) })
	}
	seq := c.buffer()
	assert.Equal(t, "hello borrowed world", seq.String())
	first := seq.First()
	assert.Same(t, &mem[0][0], &first[0], "the sequence reads the borrowed memory in place")

	at := seq.PositionAt(int64(len("hello borrowed w")))
	freed, misuse := c.advance(at, at, true, false)
	require.Empty(t, misuse)
	c.pool.release(freed)
	assert.Equal(t, []string{"hello ", "borrowed "}, released, "released once each, in order, when consumed")

	seq = c.buffer()
	assert.Equal(t, "orld", seq.String())
	freed, misuse = c.advance(seq.End(), seq.End(), true, false)
	require.Empty(t, misuse)
	c.pool.release(freed)
	assert.Equal(t, parts, released)
	assert.Nil(t, c.head.seg)
}

func TestChainForBorrowedMemory(t *testing.T) {
	var released []int
	var c Chain // the zero value works
	bufs := [][]byte{[]byte("abc"), []byte("de"), []byte("fgh")}
	for i, b := range bufs {
		c.Append(b, func() { released = append(released, i) })
	}
	s := c.Sequence()
	require.Equal(t, "abcdefgh", s.String())
	assert.Equal(t, int64(8), c.Len())
	assert.Equal(t, int64(8), c.Unexamined())
	first := s.First()
	assert.Same(t, &bufs[0][0], &first[0], "no copy")

	c.AdvanceTo(s.PositionAt(4), s.End()) // into the second buffer; all examined
	assert.Equal(t, []int{0}, released)
	assert.Equal(t, int64(4), c.Len())
	assert.Zero(t, c.Unexamined())

	s = c.Sequence()
	assert.Equal(t, "efgh", s.String())
	assert.PanicsWithValue(t, "pipe: Chain.AdvanceTo: examined position precedes the previously examined position",
		func() { c.AdvanceTo(s.Start(), s.Start()) })
	c.Consume(s.PositionAt(1)) // Consume never moves examined back
	assert.Equal(t, []int{0, 1}, released)

	c.Append([]byte("ij"), func() { released = append(released, 3) })
	c.Release()
	assert.Equal(t, []int{0, 1, 2, 3}, released, "Release calls the rest, in order")
	assert.Zero(t, c.Len())
	assert.True(t, c.Sequence().IsEmpty())
}
