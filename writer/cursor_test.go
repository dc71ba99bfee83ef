package writer_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
)

// cursorOp is one write through a Cursor and the same write appended to a
// flat slice with encoding/binary, strconv or append.
type cursorOp struct {
	name  string
	do    func(c *writer.Cursor)
	app   func(b []byte) []byte
	fixed bool // a value that must not straddle two pieces of memory
}

func (o cursorOp) String() string { return o.name }

func u16(v uint16) []cursorOp {
	return []cursorOp{
		{fmt.Sprintf("Uint16BE(%d)", v), func(c *writer.Cursor) { c.WriteUint16BE(v) }, func(b []byte) []byte { return binary.BigEndian.AppendUint16(b, v) }, true},
		{fmt.Sprintf("Uint16LE(%d)", v), func(c *writer.Cursor) { c.WriteUint16LE(v) }, func(b []byte) []byte { return binary.LittleEndian.AppendUint16(b, v) }, true},
		{fmt.Sprintf("Int16BE(%d)", int16(v)), func(c *writer.Cursor) { c.WriteInt16BE(int16(v)) }, func(b []byte) []byte { return binary.BigEndian.AppendUint16(b, v) }, true},
		{fmt.Sprintf("Int16LE(%d)", int16(v)), func(c *writer.Cursor) { c.WriteInt16LE(int16(v)) }, func(b []byte) []byte { return binary.LittleEndian.AppendUint16(b, v) }, true},
	}
}

func u32(v uint32) []cursorOp {
	return []cursorOp{
		{fmt.Sprintf("Uint32BE(%d)", v), func(c *writer.Cursor) { c.WriteUint32BE(v) }, func(b []byte) []byte { return binary.BigEndian.AppendUint32(b, v) }, true},
		{fmt.Sprintf("Uint32LE(%d)", v), func(c *writer.Cursor) { c.WriteUint32LE(v) }, func(b []byte) []byte { return binary.LittleEndian.AppendUint32(b, v) }, true},
		{fmt.Sprintf("Int32BE(%d)", int32(v)), func(c *writer.Cursor) { c.WriteInt32BE(int32(v)) }, func(b []byte) []byte { return binary.BigEndian.AppendUint32(b, v) }, true},
		{fmt.Sprintf("Int32LE(%d)", int32(v)), func(c *writer.Cursor) { c.WriteInt32LE(int32(v)) }, func(b []byte) []byte { return binary.LittleEndian.AppendUint32(b, v) }, true},
	}
}

func u64(v uint64) []cursorOp {
	s := int64(v)
	return []cursorOp{
		{fmt.Sprintf("Uint64BE(%d)", v), func(c *writer.Cursor) { c.WriteUint64BE(v) }, func(b []byte) []byte { return binary.BigEndian.AppendUint64(b, v) }, true},
		{fmt.Sprintf("Uint64LE(%d)", v), func(c *writer.Cursor) { c.WriteUint64LE(v) }, func(b []byte) []byte { return binary.LittleEndian.AppendUint64(b, v) }, true},
		{fmt.Sprintf("Int64BE(%d)", s), func(c *writer.Cursor) { c.WriteInt64BE(s) }, func(b []byte) []byte { return binary.BigEndian.AppendUint64(b, v) }, true},
		{fmt.Sprintf("Int64LE(%d)", s), func(c *writer.Cursor) { c.WriteInt64LE(s) }, func(b []byte) []byte { return binary.LittleEndian.AppendUint64(b, v) }, true},
		{fmt.Sprintf("Uvarint(%d)", v), func(c *writer.Cursor) { c.WriteUvarint(v) }, func(b []byte) []byte { return binary.AppendUvarint(b, v) }, true},
		{fmt.Sprintf("Varint(%d)", s), func(c *writer.Cursor) { c.WriteVarint(s) }, func(b []byte) []byte { return binary.AppendVarint(b, s) }, true},
		{fmt.Sprintf("Uint(%d)", v), func(c *writer.Cursor) { c.WriteUint(v) }, func(b []byte) []byte { return strconv.AppendUint(b, v, 10) }, true},
		{fmt.Sprintf("Int(%d)", s), func(c *writer.Cursor) { c.WriteInt(s) }, func(b []byte) []byte { return strconv.AppendInt(b, s, 10) }, true},
	}
}

func bytesOps(p []byte) []cursorOp {
	s := string(p)
	name := fmt.Sprintf("%d bytes", len(p))
	return []cursorOp{
		{"Write " + name, func(c *writer.Cursor) {
			n, err := c.Write(p)
			if n != len(p) || err != nil {
				panic("Cursor.Write")
			}
		}, func(b []byte) []byte { return append(b, p...) }, false},
		{"WriteString " + name, func(c *writer.Cursor) {
			n, err := c.WriteString(s)
			if n != len(s) || err != nil {
				panic("Cursor.WriteString")
			}
		}, func(b []byte) []byte { return append(b, s...) }, false},
	}
}

func byteOp(v byte) cursorOp {
	return cursorOp{fmt.Sprintf("WriteByte(%d)", v), func(c *writer.Cursor) {
		if c.WriteByte(v) != nil {
			panic("Cursor.WriteByte")
		}
	}, func(b []byte) []byte { return append(b, v) }, true}
}

// bufferOp asks for at least n bytes with Buffer, fills fill of them (at
// most what Buffer returned) and advances by that.
func bufferOp(n int, fill []byte) cursorOp {
	return cursorOp{fmt.Sprintf("Buffer(%d)+Advance(%d)", n, len(fill)), func(c *writer.Cursor) {
		b := c.Buffer(n)
		if len(b) < max(n, 1) {
			panic(fmt.Sprintf("Cursor.Buffer(%d) returned %d bytes", n, len(b)))
		}
		c.Advance(copy(b, fill))
	}, func(b []byte) []byte { return append(b, fill...) }, true}
}

// edgeValues are the 64-bit values around every varint and decimal length
// change and the limits of each integer width.
func edgeValues() []uint64 {
	vs := []uint64{0, 1, 9, 10, 99, 100, 127, 128, 255, 256, 16383, 16384,
		math.MaxInt8, math.MaxUint8, math.MaxInt16, math.MaxUint16,
		math.MaxInt32, math.MaxUint32, math.MaxInt64, math.MaxUint64}
	for shift := 7; shift < 64; shift += 7 {
		vs = append(vs, 1<<shift-1, 1<<shift)
	}
	for p := uint64(10); p < math.MaxUint64/10; p *= 10 {
		vs = append(vs, p-1, p)
	}
	n := len(vs)
	for _, v := range vs[:n] {
		vs = append(vs, -v) // negative values of the signed forms
	}
	return vs
}

// allOps returns an op of every kind for each edge value.
func allOps() []cursorOp {
	var ops []cursorOp
	for _, v := range edgeValues() {
		ops = append(ops, u16(uint16(v))...)
		ops = append(ops, u32(uint32(v))...)
		ops = append(ops, u64(v)...)
		ops = append(ops, byteOp(byte(v)))
	}
	ops = append(ops, bytesOps(nil)...)
	ops = append(ops, bytesOps([]byte("hello"))...)
	ops = append(ops, bytesOps(testkit.RandomBytes(10000, 3))...)
	ops = append(ops, bufferOp(0, []byte("x")), bufferOp(5, []byte("hello")), bufferOp(3, nil), bufferOp(6000, testkit.RandomBytes(6000, 4)))
	return ops
}

func flush(t *testing.T, c *writer.Cursor, w pipe.Writer) {
	t.Helper()
	c.Commit()
	_, err := w.Flush(testkit.Context(t))
	require.NoError(t, err)
}

func TestCursorEveryMethodMatchesEncoding(t *testing.T) {
	for _, op := range allOps() {
		p := pipe.New(pipe.Options{})
		w := p.Writer()
		c := writer.NewCursor(w)
		op.do(&c)
		flush(t, &c, w)
		assert.Equal(t, op.app(nil), drain(t, p), op.name)
	}
}

func TestCursorAllInOneStream(t *testing.T) {
	// Every op after every other, in one small-segment pipe: values land
	// at every offset of a segment.
	p := pipe.New(pipe.Options{MinimumSegmentSize: 16})
	w := p.Writer()
	c := writer.NewCursor(w)
	var want []byte
	for _, op := range allOps() {
		op.do(&c)
		want = op.app(want)
		require.Equal(t, len(want), c.Buffered()+w.UnflushedBytes(), op.name)
	}
	flush(t, &c, w)
	assert.Equal(t, want, drain(t, p))
}

// stingyWriter hands out as little memory as a pipe.Writer may: at least
// max(sizeHint, 1) bytes and at most a few more, so that every kind of write
// meets the end of its memory often.
type stingyWriter struct {
	pipe.Writer
	rng *rand.Rand
}

func (s stingyWriter) Buffer(sizeHint int) []byte {
	b := s.Writer.Buffer(sizeHint)
	return b[:min(len(b), max(sizeHint, 1)+s.rng.IntN(12))]
}

func TestCursorWritesSpanSegments(t *testing.T) {
	data := testkit.RandomBytes(100_000, 5)
	for _, minSeg := range []int{16, 512, 4096} {
		p := pipe.New(pipe.Options{MinimumSegmentSize: minSeg, PauseWriterThreshold: -1})
		w := p.Writer()
		c := writer.NewCursor(w)
		// Part of the current memory is used: the long writes fill the
		// rest, then continue in new segments.
		c.Write(data[:100])
		n, err := c.Write(data[100:50_000])
		require.NoError(t, err)
		require.Equal(t, 49_900, n)
		n, err = c.WriteString(string(data[50_000:]))
		require.NoError(t, err)
		require.Equal(t, 50_000, n)
		c.Commit()
		_, err = w.Flush(testkit.Context(t))
		require.NoError(t, err)

		res, ok, err := p.Reader().TryRead()
		require.True(t, ok)
		require.NoError(t, err)
		assert.Greater(t, segments(res.Buffer), 2, "MinimumSegmentSize %d", minSeg)
		assert.Equal(t, data, res.Buffer.Bytes(), "MinimumSegmentSize %d", minSeg)
		p.Reader().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}

	// Memory a few bytes longer than asked for: each Write fills what is
	// left of the current piece, commits and asks for more, so every piece
	// but the last ends up full.
	rec := &chunkWriter{rng: rand.New(rand.NewPCG(1, 2)), extra: 4}
	c := writer.NewCursor(rec)
	var want []byte
	for i := range 500 {
		piece := data[i*7 : i*7+7]
		want = append(want, piece...)
		if i%2 == 0 {
			c.Write(piece)
		} else {
			c.WriteString(string(piece))
		}
	}
	c.Commit()
	assert.Equal(t, want, bytes.Join(rec.chunks, nil))
	assert.Greater(t, len(rec.chunks), 100)
	for _, ch := range rec.chunks[:len(rec.chunks)-1] {
		assert.Equal(t, cap(ch), len(ch), "a piece of memory was left unfilled by Write")
	}
}

// segments returns the number of contiguous runs of bytes in s.
func segments(s pipe.Sequence) int {
	n := 0
	for range s.All() {
		n++
	}
	return n
}

// chunkWriter is a pipe.Writer that records every committed piece of
// memory separately, to see where the Cursor's writes fall. Buffer hands
// out the size asked for plus up to extra-1 bytes.
type chunkWriter struct {
	rng    *rand.Rand
	extra  int
	buf    []byte
	chunks [][]byte
}

func (w *chunkWriter) Buffer(sizeHint int) []byte {
	w.buf = make([]byte, max(sizeHint, 1)+w.rng.IntN(w.extra))
	return w.buf
}

func (w *chunkWriter) Advance(n int) {
	w.chunks = append(w.chunks, w.buf[:n:n])
	w.buf = w.buf[n:]
}

func (w *chunkWriter) Write([]byte) (int, error) { panic("unused") }
func (w *chunkWriter) Flush(context.Context) (pipe.FlushResult, error) {
	return pipe.FlushResult{}, nil
}
func (w *chunkWriter) UnflushedBytes() int { return 0 }
func (w *chunkWriter) CancelPendingFlush() {}
func (w *chunkWriter) Complete(error)      {}

// randomOp returns a random write.
func randomOp(rng *rand.Rand) cursorOp {
	value := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			ev := edgeValues()
			return ev[rng.IntN(len(ev))]
		case 1:
			return rng.Uint64N(300)
		default:
			return rng.Uint64() >> rng.IntN(64)
		}
	}
	length := func() int {
		switch rng.IntN(5) {
		case 0:
			return 0
		case 1:
			return rng.IntN(20000)
		default:
			return rng.IntN(40)
		}
	}
	switch k := rng.IntN(10); k {
	case 0:
		ops := u16(uint16(value()))
		return ops[rng.IntN(len(ops))]
	case 1, 2:
		ops := u32(uint32(value()))
		return ops[rng.IntN(len(ops))]
	case 3, 4:
		ops := u64(value())
		return ops[rng.IntN(len(ops))]
	case 5:
		return byteOp(byte(rng.Uint32()))
	case 6, 7:
		ops := bytesOps(testkit.RandomBytes(length(), rng.Uint64()))
		return ops[rng.IntN(len(ops))]
	default:
		n := length()
		return bufferOp(n, testkit.RandomBytes(rng.IntN(n+1), rng.Uint64()))
	}
}

// TestCursorMatchesFlatAppend is the property test: random sequences of
// random writes, with random commits and flushes, into pipes with random
// segment sizes (and memory handed out a few bytes at a time) yield exactly
// the bytes of the same writes appended to a flat slice.
func TestCursorMatchesFlatAppend(t *testing.T) {
	rounds := 400
	if testing.Short() {
		rounds = 100
	}
	for round := range rounds {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		minSeg := 16 + rng.IntN(8192)
		p := pipe.New(pipe.Options{MinimumSegmentSize: minSeg, PauseWriterThreshold: -1})
		var w pipe.Writer = p.Writer()
		stingy := rng.IntN(2) == 0
		if stingy {
			w = stingyWriter{w, rng}
		}
		c := writer.NewCursor(w)
		var want, got []byte
		var names []string
		for range rng.IntN(300) {
			op := randomOp(rng)
			names = append(names, op.name)
			op.do(&c)
			want = op.app(want)
			switch rng.IntN(20) {
			case 0:
				c.Commit()
				require.Zero(t, c.Buffered())
			case 1:
				flush(t, &c, w)
				got = append(got, drain(t, p)...)
			}
			require.Equal(t, len(want), len(got)+w.UnflushedBytes()+c.Buffered(),
				"round %d (minSeg %d, stingy %v): after %v", round, minSeg, stingy, names)
		}
		flush(t, &c, w)
		got = append(got, drain(t, p)...)
		if !bytes.Equal(want, got) {
			t.Fatalf("round %d (minSeg %d, stingy %v): ops %v\n got %x\nwant %x", round, minSeg, stingy, names, got, want)
		}
	}
}

// TestCursorFixedValuesNeverStraddle writes random values into memory
// handed out a few bytes at a time and checks that every fixed-size value
// (and every Buffer'd run) lies inside one piece of memory.
func TestCursorFixedValuesNeverStraddle(t *testing.T) {
	for round := range 200 {
		rng := rand.New(rand.NewPCG(uint64(round), 11))
		rec := &chunkWriter{rng: rng, extra: 1 + rng.IntN(40)}
		c := writer.NewCursor(rec)
		var want []byte
		type span struct {
			name     string
			off, end int
		}
		var fixed []span
		for range 200 {
			op := randomOp(rng)
			start := len(want)
			op.do(&c)
			want = op.app(want)
			if op.fixed && len(want) > start {
				fixed = append(fixed, span{op.name, start, len(want)})
			}
		}
		c.Commit()
		require.Equal(t, want, bytes.Join(rec.chunks, nil), "round %d", round)

		// Piece boundaries, as stream offsets, in increasing order.
		var edges []int
		off := 0
		for _, ch := range rec.chunks {
			off += len(ch)
			edges = append(edges, off)
		}
		for _, s := range fixed {
			i := sort.SearchInts(edges, s.off+1) // first edge after the value's start
			if i < len(edges) && edges[i] < s.end {
				t.Fatalf("round %d: %s at [%d,%d) straddles a piece edge at %d", round, s.name, s.off, s.end, edges[i])
			}
		}
	}
}

func TestCursorCommitAndBuffered(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w := p.Writer()
	c := writer.NewCursor(w)
	assert.Zero(t, c.Buffered())
	c.Commit() // nothing to commit: fine

	c.WriteString("abc")
	c.WriteUint32BE(7)
	assert.Equal(t, 7, c.Buffered())
	assert.Zero(t, w.UnflushedBytes(), "nothing reaches the writer before Commit")

	c.Commit()
	assert.Zero(t, c.Buffered())
	assert.Equal(t, 7, w.UnflushedBytes())

	// Still usable after Commit.
	c.WriteByte('!')
	flush(t, &c, w)
	assert.Equal(t, []byte("abc\x00\x00\x00\x07!"), drain(t, p))
}

func TestCursorReset(t *testing.T) {
	p1, p2 := pipe.New(pipe.Options{}), pipe.New(pipe.Options{})
	c := writer.NewCursor(p1.Writer())
	c.WriteString("one")
	c.Commit()
	c.WriteString("dropped")
	c.Reset(p2.Writer())
	assert.Zero(t, c.Buffered())
	c.WriteString("two")
	c.Commit()

	p1.Writer().Flush(testkit.Context(t))
	p2.Writer().Flush(testkit.Context(t))
	assert.Equal(t, "one", string(drain(t, p1)))
	assert.Equal(t, "two", string(drain(t, p2)))

	var zero writer.Cursor
	zero.Reset(p1.Writer())
	zero.WriteInt(-5)
	zero.Commit()
	p1.Writer().Flush(testkit.Context(t))
	assert.Equal(t, "-5", string(drain(t, p1)))
}

func TestCursorBufferAdvance(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 16})
	w := p.Writer()
	c := writer.NewCursor(w)

	b := c.Buffer(0)
	require.NotEmpty(t, b, "Buffer(0) gives at least one byte")
	b[0] = 'a'
	c.Advance(1)

	// Buffer continues at the cursor in the same memory while it has room.
	b = c.Buffer(3)
	require.GreaterOrEqual(t, len(b), 3)
	copy(b, "bcd")
	c.Advance(3)
	assert.Equal(t, 4, c.Buffered())

	// A large request gets fresh memory of at least that size.
	b = c.Buffer(10_000)
	require.GreaterOrEqual(t, len(b), 10_000)
	c.Advance(copy(b, strings.Repeat("z", 10_000)))
	c.Advance(0)

	flush(t, &c, w)
	assert.Equal(t, "abcd"+strings.Repeat("z", 10_000), string(drain(t, p)))

	b = c.Buffer(4)
	assert.PanicsWithValue(t, fmt.Sprintf("writer: Cursor.Advance(%d) past the end of the memory returned by Buffer", len(b)+1),
		func() { c.Advance(len(b) + 1) })
	assert.Panics(t, func() { c.Advance(-1) })
	assert.Panics(t, func() { c.Buffer(-1) })
}

func TestCursorIsAnIOWriter(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 16})
	w := p.Writer()
	c := writer.NewCursor(w)
	fmt.Fprintf(&c, "%s=%d;", "answer", 42)
	var bw interface {
		WriteByte(byte) error
		WriteString(string) (int, error)
	} = &c
	bw.WriteByte('x')
	bw.WriteString("yz")
	flush(t, &c, w)
	assert.Equal(t, "answer=42;xyz", string(drain(t, p)))
}

var sinkCursor writer.Cursor
