package reader_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

// The property tests run a Cursor over the same bytes split into segments at
// random edges (empty segments included) and check every answer against
// flatCursor, a plain reference implementation over one []byte.

// flatCursor is the reference: the obvious implementation of every Cursor
// method over a flat slice. Its failures consume nothing, by construction.
type flatCursor struct {
	data []byte
	pos  int
}

func (f *flatCursor) rest() []byte { return f.data[f.pos:] }

func (f *flatCursor) peek() (byte, bool) {
	if f.pos == len(f.data) {
		return 0, false
	}
	return f.data[f.pos], true
}

func (f *flatCursor) readByte() (byte, error) {
	if f.pos == len(f.data) {
		return 0, io.EOF
	}
	f.pos++
	return f.data[f.pos-1], nil
}

func (f *flatCursor) advance(n int) bool {
	if n > len(f.rest()) {
		return false
	}
	f.pos += n
	return true
}

func (f *flatCursor) isNext(prefix []byte, adv bool) bool {
	if !bytes.HasPrefix(f.rest(), prefix) {
		return false
	}
	if adv {
		f.pos += len(prefix)
	}
	return true
}

// readToIndex consumes the bytes before a delimiter of length dlen found at
// index i of rest (i < 0: not found).
func (f *flatCursor) readToIndex(i, dlen int, adv bool) ([]byte, bool) {
	if i < 0 {
		return nil, false
	}
	out := f.rest()[:i]
	f.pos += i
	if adv {
		f.pos += dlen
	}
	return out, true
}

func (f *flatCursor) readTo(delim byte, adv bool) ([]byte, bool) {
	return f.readToIndex(bytes.IndexByte(f.rest(), delim), 1, adv)
}

func (f *flatCursor) readToAny(delims []byte, adv bool) ([]byte, bool) {
	i := slices.IndexFunc(f.rest(), func(b byte) bool { return bytes.IndexByte(delims, b) >= 0 })
	return f.readToIndex(i, 1, adv)
}

func (f *flatCursor) readToSeq(delim []byte, adv bool) ([]byte, bool) {
	return f.readToIndex(bytes.Index(f.rest(), delim), len(delim), adv)
}

func (f *flatCursor) skipPastAny(set []byte) int64 {
	n := 0
	for n < len(f.rest()) && bytes.IndexByte(set, f.rest()[n]) >= 0 {
		n++
	}
	f.pos += n
	return int64(n)
}

func (f *flatCursor) readN(n int) ([]byte, bool) {
	if n > len(f.rest()) {
		return nil, false
	}
	f.pos += n
	return f.data[f.pos-n : f.pos], true
}

func (f *flatCursor) copyTo(dst []byte) bool {
	if len(dst) > len(f.rest()) {
		return false
	}
	copy(dst, f.rest())
	return true
}

// fixed reads an n-byte integer with order.
func (f *flatCursor) fixed(n int, order binary.ByteOrder) (uint64, bool) {
	if n > len(f.rest()) {
		return 0, false
	}
	b := f.rest()[:n]
	f.pos += n
	switch n {
	case 2:
		return uint64(order.Uint16(b)), true
	case 4:
		return uint64(order.Uint32(b)), true
	}
	return order.Uint64(b), true
}

// uvarint is binary.Uvarint with the errors of Cursor.ReadUvarint: ten
// bytes with the continuation bit all set are an overflow, as for
// binary.ReadUvarint.
func (f *flatCursor) uvarint() (uint64, error) {
	v, n := binary.Uvarint(f.rest())
	switch {
	case n < 0 || n == 0 && len(f.rest()) >= binary.MaxVarintLen64:
		return 0, reader.ErrOverflow
	case n == 0:
		return 0, reader.ErrIncomplete
	}
	f.pos += n
	return v, nil
}

func (f *flatCursor) varint() (int64, error) {
	ux, err := f.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x, err
}

// cursorSplit is data cut into parts; bounds[i] is the offset of parts[i].
type cursorSplit struct {
	data   []byte
	parts  [][]byte
	bounds []int
}

func (sp cursorSplit) String() string { return fmt.Sprintf("parts=%q", sp.parts) }

// segmentEnd returns the end offset of the non-empty part holding data[pos].
func (sp cursorSplit) segmentEnd(pos int) int {
	for i := range sp.parts {
		if sp.bounds[i] <= pos && pos < sp.bounds[i+1] {
			return sp.bounds[i+1]
		}
	}
	return len(sp.data)
}

// cursorRandomData returns 0..~300 bytes, usually from a small alphabet so
// that delimiters recur and straddle edges.
func cursorRandomData(r *rand.Rand) []byte {
	return testkit.RandomData(r, 300, []byte("ab"), []byte("ab\r\n"), []byte{0x00, 0x01, 0x7f, 0x80, 0xff}, nil)
}

// cursorRandomSplit cuts data into 1..12 parts at random edges, empty parts
// anywhere. Each part gets its own allocation with junk in its spare
// capacity, so reading past a part's length shows up as wrong bytes.
func cursorRandomSplit(r *rand.Rand, data []byte) cursorSplit {
	nParts := 1 + r.IntN(12)
	if r.IntN(6) == 0 {
		nParts = 1
	}
	return cursorSplitAt(data, testkit.RandomCuts(r, len(data), nParts))
}

// cursorSplitAt cuts data at the sorted offsets cuts, which start with 0 and
// end with len(data).
func cursorSplitAt(data []byte, cuts []int) cursorSplit {
	parts := testkit.PartsAt(data, cuts)
	for i, p := range parts {
		parts[i] = testkit.Guard(p, 3)
	}
	return cursorSplit{data: data, parts: parts, bounds: cuts}
}

// cursorSeqOf returns a Sequence over data cut at every offset in cuts
// (which need not be sorted or include the ends).
func cursorSeqOf(data []byte, cuts ...int) pipe.Sequence {
	all := append([]int{0}, cuts...)
	all = append(all, len(data))
	slices.Sort(all)
	return pipe.SequenceOf(cursorSplitAt(data, all).parts...)
}

// checkCursorState compares everything observable about c with f.
func checkCursorState(t *testing.T, c *reader.Cursor, f *flatCursor, sp cursorSplit) {
	t.Helper()
	n := int64(len(f.data))
	require.Equal(t, int64(f.pos), c.Consumed(), "Consumed")
	require.Equal(t, n-int64(f.pos), c.Remaining(), "Remaining")
	require.Equal(t, f.pos == len(f.data), c.End(), "End")
	require.Equal(t, c.Consumed(), c.Sequence().Offset(c.Position()), "Offset(Position())")
	require.Equal(t, n, c.Sequence().Len(), "Sequence().Len()")
	rest := c.UnreadSequence()
	require.Equal(t, f.rest(), rest.Bytes(), "UnreadSequence")
	require.Equal(t, c.Position(), rest.Start(), "UnreadSequence().Start() == Position()")
	require.Equal(t, c.Sequence().End(), rest.End(), "UnreadSequence().End()")
	require.Equal(t, c.Consumed(), c.Sequence().Offset(rest.Start()))
	// Unread loads the next segment lazily: ask a copy, so that the
	// original keeps its state for the next operation.
	cc := *c
	u := cc.Unread()
	require.Equal(t, string(f.data[f.pos:sp.segmentEnd(f.pos)]), string(u), "Unread")
	require.Equal(t, len(u), cap(u), "Unread must not expose spare capacity")
	require.Equal(t, c.Consumed(), cc.Consumed())
}

// cursorOp is one random operation applied to both a Cursor and the
// reference; it returns a description for failure messages.
func cursorOp(t *testing.T, r *rand.Rand, c *reader.Cursor, f *flatCursor) string {
	t.Helper()
	// arguments: bytes that often occur next, or anything
	someBytes := func(max int) []byte {
		n := r.IntN(max + 1)
		if r.IntN(2) == 0 && len(f.rest()) > 0 {
			at := r.IntN(len(f.rest()))
			return slices.Clone(f.rest()[at:min(at+n, len(f.rest()))])
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab\r\n\x00\x80\xff"[r.IntN(7)]
		}
		return b
	}
	someByte := func() byte {
		if b := someBytes(1); len(b) > 0 {
			return b[0]
		}
		return 'a'
	}
	someLen := func() int {
		switch r.IntN(4) {
		case 0:
			return max(0, len(f.rest())+r.IntN(3)-1)
		case 1:
			return r.IntN(len(f.data) + 2)
		}
		return r.IntN(10)
	}
	checkSeq := func(what string, s pipe.Sequence, ok bool, want []byte, wantOK bool) string {
		require.Equal(t, wantOK, ok, what)
		if ok {
			require.Equal(t, want, s.Bytes(), what)
			require.Equal(t, int64(len(want)), s.Len(), what)
		} else {
			require.True(t, s.IsEmpty(), what)
		}
		return what
	}
	adv := r.IntN(2) == 0
	orders := []binary.ByteOrder{binary.BigEndian, binary.LittleEndian}
	switch op := r.IntN(22); op {
	case 0:
		b, ok := c.Peek()
		wb, wok := f.peek()
		require.Equal(t, wok, ok)
		require.Equal(t, wb, b, "Peek")
		return "Peek"
	case 1, 2:
		b, err := c.ReadByte()
		wb, werr := f.readByte()
		require.Equal(t, werr, err)
		require.Equal(t, wb, b, "ReadByte")
		return "ReadByte"
	case 3:
		n := someLen()
		what := fmt.Sprintf("Advance(%d)", n)
		require.Equal(t, f.advance(n), c.Advance(int64(n)), what)
		return what
	case 4:
		n := r.IntN(f.pos + 1)
		c.Rewind(int64(n))
		f.pos -= n
		return fmt.Sprintf("Rewind(%d)", n)
	case 5:
		p := someBytes(6)
		what := fmt.Sprintf("IsNext(%q, %v)", p, adv)
		require.Equal(t, f.isNext(p, adv), c.IsNext(p, adv), what)
		return what
	case 6:
		d := someByte()
		s, ok := c.ReadTo(d, adv)
		want, wok := f.readTo(d, adv)
		return checkSeq(fmt.Sprintf("ReadTo(%q, %v)", d, adv), s, ok, want, wok)
	case 7:
		d := someBytes(3)
		s, ok := c.ReadToAny(d, adv)
		want, wok := f.readToAny(d, adv)
		return checkSeq(fmt.Sprintf("ReadToAny(%q, %v)", d, adv), s, ok, want, wok)
	case 8, 9:
		d := someBytes(4)
		if r.IntN(3) == 0 {
			d = []byte("\r\n")
		}
		s, ok := c.ReadToSeq(d, adv)
		want, wok := f.readToSeq(d, adv)
		return checkSeq(fmt.Sprintf("ReadToSeq(%q, %v)", d, adv), s, ok, want, wok)
	case 10:
		b := someByte()
		what := fmt.Sprintf("SkipPast(%q)", b)
		require.Equal(t, f.skipPastAny([]byte{b}), c.SkipPast(b), what)
		return what
	case 11:
		set := someBytes(3)
		what := fmt.Sprintf("SkipPastAny(%q)", set)
		require.Equal(t, f.skipPastAny(set), c.SkipPastAny(set), what)
		return what
	case 12:
		n := someLen()
		s, ok := c.ReadN(int64(n))
		want, wok := f.readN(n)
		return checkSeq(fmt.Sprintf("ReadN(%d)", n), s, ok, want, wok)
	case 13:
		n := someLen()
		dst, want := make([]byte, n), make([]byte, n)
		ok := c.CopyTo(dst)
		require.Equal(t, f.copyTo(want), ok, "CopyTo(%d)", n)
		if ok {
			require.Equal(t, want, dst, "CopyTo(%d)", n)
		} else {
			require.Equal(t, make([]byte, n), dst, "failed CopyTo must not copy")
		}
		return fmt.Sprintf("CopyTo(%d)", n)
	case 14, 15, 16:
		size := []int{2, 4, 8}[op-14]
		order := orders[r.IntN(2)]
		want, wok := f.fixed(size, order)
		var got uint64
		var ok bool
		signed := r.IntN(2) == 0
		switch {
		case size == 2 && order == binary.BigEndian && signed:
			var v int16
			v, ok = c.ReadInt16BE()
			got = uint64(uint16(v))
		case size == 2 && order == binary.BigEndian:
			var v uint16
			v, ok = c.ReadUint16BE()
			got = uint64(v)
		case size == 2 && signed:
			var v int16
			v, ok = c.ReadInt16LE()
			got = uint64(uint16(v))
		case size == 2:
			var v uint16
			v, ok = c.ReadUint16LE()
			got = uint64(v)
		case size == 4 && order == binary.BigEndian && signed:
			var v int32
			v, ok = c.ReadInt32BE()
			got = uint64(uint32(v))
		case size == 4 && order == binary.BigEndian:
			var v uint32
			v, ok = c.ReadUint32BE()
			got = uint64(v)
		case size == 4 && signed:
			var v int32
			v, ok = c.ReadInt32LE()
			got = uint64(uint32(v))
		case size == 4:
			var v uint32
			v, ok = c.ReadUint32LE()
			got = uint64(v)
		case order == binary.BigEndian && signed:
			var v int64
			v, ok = c.ReadInt64BE()
			got = uint64(v)
		case order == binary.BigEndian:
			got, ok = c.ReadUint64BE()
		case signed:
			var v int64
			v, ok = c.ReadInt64LE()
			got = uint64(v)
		default:
			got, ok = c.ReadUint64LE()
		}
		what := fmt.Sprintf("Read%d %v signed=%v", size*8, order, signed)
		require.Equal(t, wok, ok, what)
		if ok {
			require.Equal(t, want, got, what)
		}
		return what
	case 17, 18:
		v, err := c.ReadUvarint()
		want, werr := f.uvarint()
		require.Equal(t, werr, err, "ReadUvarint")
		require.Equal(t, want, v, "ReadUvarint")
		return "ReadUvarint"
	case 19:
		v, err := c.ReadVarint()
		want, werr := f.varint()
		require.Equal(t, werr, err, "ReadVarint")
		if err == nil {
			require.Equal(t, want, v, "ReadVarint")
		}
		return "ReadVarint"
	case 20:
		// Unread on the cursor itself, then consume part of it.
		u := c.Unread()
		require.Equal(t, string(f.rest()[:len(u)]), string(u), "Unread")
		n := r.IntN(len(u) + 1)
		require.True(t, c.Advance(int64(n)))
		f.pos += n
		return fmt.Sprintf("Unread+Advance(%d)", n)
	default:
		// A copy reads on independently of the original.
		cc := *c
		cc.Advance(1)
		cc.ReadByte()
		return "copy"
	}
}

func TestCursorMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 4000 {
		sp := cursorRandomSplit(r, cursorRandomData(r))
		c := reader.NewCursor(pipe.SequenceOf(sp.parts...))
		if iter%5 == 0 {
			c.Reset(pipe.SequenceOf(sp.parts...)) // Reset is NewCursor
		}
		f := &flatCursor{data: sp.data}
		var log []string
		for range 40 {
			log = append(log, cursorOp(t, r, &c, f))
			if t.Failed() {
				t.Fatalf("%v\nops: %q", sp, log)
			}
			checkCursorState(t, &c, f, sp)
		}
	}
}

// Slices of a sequence start and end at any kind of position: the cursor
// must not read outside them.
func TestCursorOverSlices(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1500 {
		sp := cursorRandomSplit(r, cursorRandomData(r))
		s := pipe.SequenceOf(sp.parts...)
		n := len(sp.data)
		a := r.IntN(n + 1)
		b := a + r.IntN(n-a+1)
		var sub pipe.Sequence
		switch r.IntN(3) {
		case 0:
			sub = s.Slice(int64(a), int64(b))
		case 1:
			sub = s.SliceFrom(s.PositionAt(int64(a))).SliceTo(s.PositionAt(int64(b)))
		default:
			sub = s.SliceTo(s.PositionAt(int64(b))).Slice(int64(a), int64(b))
		}
		// the split as seen from inside the slice
		cuts := []int{0}
		for _, o := range sp.bounds[1 : len(sp.bounds)-1] {
			cuts = append(cuts, min(max(o-a, 0), b-a))
		}
		cuts = append(cuts, b-a)
		view := cursorSplit{data: sp.data[a:b], bounds: cuts, parts: sp.parts}
		c := reader.NewCursor(sub)
		f := &flatCursor{data: sp.data[a:b]}
		var log []string
		for range 30 {
			log = append(log, cursorOp(t, r, &c, f))
			if t.Failed() {
				t.Fatalf("%v [%d:%d]\nops: %q", sp, a, b, log)
			}
			checkCursorState(t, &c, f, view)
		}
	}
}

// cursorEverySplit calls check with data cut into two and three parts at every
// pair of offsets, and with empty parts in between.
func cursorEverySplit(data []byte, check func(s pipe.Sequence, desc string)) {
	for i := 0; i <= len(data); i++ {
		for j := i; j <= len(data); j++ {
			check(cursorSeqOf(data, i, j), fmt.Sprintf("cuts at %d,%d", i, j))
			check(cursorSeqOf(data, i, i, j, j), fmt.Sprintf("cuts at %d,%d,%d,%d", i, i, j, j))
		}
	}
	every := make([]int, len(data)+1)
	for i := range every {
		every[i] = i
	}
	check(cursorSeqOf(data, every...), "one byte per segment")
	check(cursorSeqOf(data, append(every, every...)...), "one byte per segment, empty segments between")
}

func TestCursorIntegersStraddleEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		v := r.Uint64()
		data := make([]byte, 0, 1+8+8+4+4+2+2)
		data = append(data, 0x5a) // so that the values start unaligned
		data = binary.BigEndian.AppendUint64(data, v)
		data = binary.LittleEndian.AppendUint64(data, v)
		data = binary.BigEndian.AppendUint32(data, uint32(v))
		data = binary.LittleEndian.AppendUint32(data, uint32(v))
		data = binary.BigEndian.AppendUint16(data, uint16(v))
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
		cursorEverySplit(data, func(s pipe.Sequence, desc string) {
			c := reader.NewCursor(s)
			require.True(t, c.Advance(1), desc)
			u64, ok := c.ReadUint64BE()
			require.True(t, ok, desc)
			require.Equal(t, v, u64, desc)
			c.Rewind(8)
			i64, ok := c.ReadInt64BE()
			require.True(t, ok, desc)
			require.Equal(t, int64(v), i64, desc)
			u64, ok = c.ReadUint64LE()
			require.True(t, ok, desc)
			require.Equal(t, v, u64, desc)
			c.Rewind(8)
			i64, ok = c.ReadInt64LE()
			require.True(t, ok, desc)
			require.Equal(t, int64(v), i64, desc)
			u32, ok := c.ReadUint32BE()
			require.True(t, ok, desc)
			require.Equal(t, uint32(v), u32, desc)
			c.Rewind(4)
			i32, ok := c.ReadInt32BE()
			require.True(t, ok, desc)
			require.Equal(t, int32(v), i32, desc)
			u32, ok = c.ReadUint32LE()
			require.True(t, ok, desc)
			require.Equal(t, uint32(v), u32, desc)
			c.Rewind(4)
			i32, ok = c.ReadInt32LE()
			require.True(t, ok, desc)
			require.Equal(t, int32(v), i32, desc)
			u16, ok := c.ReadUint16BE()
			require.True(t, ok, desc)
			require.Equal(t, uint16(v), u16, desc)
			c.Rewind(2)
			i16, ok := c.ReadInt16BE()
			require.True(t, ok, desc)
			require.Equal(t, int16(v), i16, desc)
			u16, ok = c.ReadUint16LE()
			require.True(t, ok, desc)
			require.Equal(t, uint16(v), u16, desc)
			c.Rewind(2)
			i16, ok = c.ReadInt16LE()
			require.True(t, ok, desc)
			require.Equal(t, int16(v), i16, desc)
			require.True(t, c.End(), desc)
		})
	}
}

func TestCursorDelimitersStraddleEdges(t *testing.T) {
	data := []byte("ab\r\ncd\r\r\nef\r\n\r\nxyz")
	want := []string{"ab", "cd\r", "ef", ""}
	cursorEverySplit(data, func(s pipe.Sequence, desc string) {
		for _, adv := range []bool{true, false} {
			c := reader.NewCursor(s)
			var got []string
			for {
				line, ok := c.ReadToSeq([]byte("\r\n"), adv)
				if !ok {
					break
				}
				got = append(got, line.String())
				if !adv {
					require.True(t, c.IsNext([]byte("\r\n"), true), desc)
				}
			}
			require.Equal(t, want, got, desc)
			require.Equal(t, "xyz", c.UnreadSequence().String(), desc)

			c.Reset(s)
			line, ok := c.ReadToSeq([]byte("\r\r\n"), adv)
			require.True(t, ok, desc)
			require.Equal(t, "ab\r\ncd", line.String(), desc)
			if adv {
				require.Equal(t, int64(9), c.Consumed(), desc)
			} else {
				require.Equal(t, int64(6), c.Consumed(), desc)
			}
			_, ok = c.ReadToSeq([]byte("\r\nxyz!"), adv)
			require.False(t, ok, desc)
			_, ok = c.ReadToSeq([]byte("\r\nxyz"), adv)
			require.True(t, ok, desc)

			c.Reset(s)
			line, ok = c.ReadToAny([]byte("fe"), adv)
			require.True(t, ok, desc)
			require.Equal(t, "ab\r\ncd\r\r\n", line.String(), desc)
			line, ok = c.ReadTo('y', adv)
			require.True(t, ok, desc)
			if adv {
				require.Equal(t, "f\r\n\r\nx", line.String(), desc)
			} else {
				require.Equal(t, "ef\r\n\r\nx", line.String(), desc)
			}
			_, ok = c.ReadTo('a', adv)
			require.False(t, ok, desc)
		}
	})
}

func TestCursorFailuresConsumeNothing(t *testing.T) {
	// Each read fails on every proper prefix of its input, whatever the
	// segmentation, and leaves the cursor where it was.
	type read struct {
		name  string
		input []byte
		read  func(c *reader.Cursor) bool
	}
	u64 := binary.BigEndian.AppendUint64(nil, 0x0102030405060708)
	reads := []read{
		{"ReadUint16BE", u64[:2], func(c *reader.Cursor) bool { _, ok := c.ReadUint16BE(); return ok }},
		{"ReadInt16LE", u64[:2], func(c *reader.Cursor) bool { _, ok := c.ReadInt16LE(); return ok }},
		{"ReadUint32LE", u64[:4], func(c *reader.Cursor) bool { _, ok := c.ReadUint32LE(); return ok }},
		{"ReadInt32BE", u64[:4], func(c *reader.Cursor) bool { _, ok := c.ReadInt32BE(); return ok }},
		{"ReadUint64BE", u64, func(c *reader.Cursor) bool { _, ok := c.ReadUint64BE(); return ok }},
		{"ReadInt64LE", u64, func(c *reader.Cursor) bool { _, ok := c.ReadInt64LE(); return ok }},
		{"ReadUvarint", binary.AppendUvarint(nil, math.MaxUint64), func(c *reader.Cursor) bool {
			_, err := c.ReadUvarint()
			if err != nil {
				require.ErrorIs(t, err, reader.ErrIncomplete)
			}
			return err == nil
		}},
		{"ReadVarint", binary.AppendVarint(nil, math.MinInt64), func(c *reader.Cursor) bool {
			_, err := c.ReadVarint()
			if err != nil {
				require.ErrorIs(t, err, reader.ErrIncomplete)
			}
			return err == nil
		}},
		{"ReadTo", []byte("abcd\n"), func(c *reader.Cursor) bool { _, ok := c.ReadTo('\n', true); return ok }},
		{"ReadToAny", []byte("abcd;"), func(c *reader.Cursor) bool { _, ok := c.ReadToAny([]byte(",;"), true); return ok }},
		{"ReadToSeq", []byte("abcd\r\n"), func(c *reader.Cursor) bool { _, ok := c.ReadToSeq([]byte("\r\n"), true); return ok }},
		{"ReadN", []byte("abcdef"), func(c *reader.Cursor) bool { _, ok := c.ReadN(6); return ok }},
		{"Advance", []byte("abcdef"), func(c *reader.Cursor) bool { return c.Advance(6) }},
		{"IsNext", []byte("abcdef"), func(c *reader.Cursor) bool { return c.IsNext([]byte("abcdef"), true) }},
		{"CopyTo", []byte("abcdef"), func(c *reader.Cursor) bool { var b [6]byte; return c.CopyTo(b[:]) }},
	}
	for _, rd := range reads {
		// a consumed prefix "zz" so that failures are not at offset 0
		full := append([]byte("zz"), rd.input...)
		for end := 2; end <= len(full); end++ {
			cursorEverySplit(full[:end], func(s pipe.Sequence, desc string) {
				c := reader.NewCursor(s)
				require.True(t, c.Advance(2))
				before := c.Position()
				ok := rd.read(&c)
				if end == len(full) {
					require.True(t, ok, "%s on %q, %s", rd.name, full[:end], desc)
					return
				}
				require.False(t, ok, "%s on %q, %s", rd.name, full[:end], desc)
				require.Equal(t, int64(2), c.Consumed(), "%s on %q, %s", rd.name, full[:end], desc)
				require.Equal(t, before, c.Position(), "%s on %q, %s", rd.name, full[:end], desc)
				require.Equal(t, full[2:end], c.UnreadSequence().Bytes(), "%s on %q, %s", rd.name, full[:end], desc)
			})
		}
	}
}

// cursorUvarintCases returns varint encodings: random values of every length,
// their truncations, overflows and odd non-canonical forms.
func cursorUvarintCases(r *rand.Rand) [][]byte {
	var cases [][]byte
	for range 300 {
		v := r.Uint64() >> r.IntN(64)
		enc := binary.AppendUvarint(nil, v)
		cases = append(cases, enc)
		cases = append(cases, enc[:r.IntN(len(enc))]) // truncated
		cases = append(cases, binary.AppendVarint(nil, int64(v)))
		cases = append(cases, append(enc, 0x33)) // trailing byte
	}
	cases = append(cases,
		nil,
		binary.AppendUvarint(nil, math.MaxUint64),
		[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},       // MaxUint64
		[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},       // overflow in byte 10
		[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},       // overflow
		[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},       // ten continuation bytes
		[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, // eleven bytes
		[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},       // 1<<63
		[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},       // non-canonical 0
		[]byte{0x80, 0x00}, // non-canonical 0
		[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, // nine continuation bytes
	)
	return cases
}

func TestCursorUvarintMatchesEncodingBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, enc := range cursorUvarintCases(r) {
		// binary.Uvarint, binary.Varint and binary.ReadUvarint are the
		// references; they disagree only on ten continuation bytes.
		v, n := binary.Uvarint(enc)
		sv, sn := binary.Varint(enc)
		rv, rerr := binary.ReadUvarint(bytes.NewReader(enc))
		tenCont := n == 0 && len(enc) >= binary.MaxVarintLen64
		cursorEverySplit(enc, func(s pipe.Sequence, desc string) {
			desc = fmt.Sprintf("% x, %s", enc, desc)
			c := reader.NewCursor(s)
			got, err := c.ReadUvarint()
			switch {
			case n > 0:
				require.NoError(t, err, desc)
				require.Equal(t, v, got, desc)
				require.Equal(t, int64(n), c.Consumed(), desc)
				require.NoError(t, rerr, desc)
				require.Equal(t, rv, got, desc)
			case n < 0 || tenCont:
				require.ErrorIs(t, err, reader.ErrOverflow, desc)
				require.Zero(t, c.Consumed(), desc)
				require.Error(t, rerr, desc) // binary.ReadUvarint's overflow error
				require.NotErrorIs(t, rerr, io.EOF, desc)
				require.NotErrorIs(t, rerr, io.ErrUnexpectedEOF, desc)
			default:
				require.ErrorIs(t, err, reader.ErrIncomplete, desc)
				require.Zero(t, c.Consumed(), desc)
				require.True(t, errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF), desc)
			}

			c.Reset(s)
			sgot, err := c.ReadVarint()
			switch {
			case sn > 0:
				require.NoError(t, err, desc)
				require.Equal(t, sv, sgot, desc)
				require.Equal(t, int64(sn), c.Consumed(), desc)
			case sn < 0 || tenCont:
				require.ErrorIs(t, err, reader.ErrOverflow, desc)
				require.Zero(t, c.Consumed(), desc)
			default:
				require.ErrorIs(t, err, reader.ErrIncomplete, desc)
				require.Zero(t, c.Consumed(), desc)
			}

			// the Cursor is an io.ByteReader
			c.Reset(s)
			bv, berr := binary.ReadUvarint(&c)
			require.Equal(t, rv, bv, desc)
			require.Equal(t, rerr, berr, desc)
		})
	}
}

func TestCursorRewindRereads(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 1000 {
		sp := cursorRandomSplit(r, cursorRandomData(r))
		c := reader.NewCursor(pipe.SequenceOf(sp.parts...))
		for !c.End() {
			from := c.Consumed()
			n := 1 + r.Int64N(c.Remaining())
			first, ok := c.ReadN(n)
			require.True(t, ok)
			back := r.Int64N(c.Consumed() + 1)
			c.Rewind(back)
			require.Equal(t, from+n-back, c.Consumed())
			again, ok := c.ReadN(back)
			require.True(t, ok)
			require.Equal(t, sp.data[from+n-back:from+n], again.Bytes(), "%v", sp)
			require.Equal(t, sp.data[from:from+n], first.Bytes(), "%v", sp)
		}
		c.Rewind(c.Consumed())
		require.Equal(t, sp.data, c.UnreadSequence().Bytes())
		require.Zero(t, c.Consumed())
	}
}

func TestCursorEmptyAndZero(t *testing.T) {
	empties := map[string]pipe.Sequence{
		"zero":             {},
		"SequenceOf()":     pipe.SequenceOf(),
		"one empty part":   pipe.SequenceOf(nil),
		"many empty parts": pipe.SequenceOf(nil, []byte{}, nil),
		"empty slice":      pipe.SequenceOf([]byte("ab"), []byte("cd")).Slice(2, 2),
	}
	for name, s := range empties {
		for _, c := range []reader.Cursor{reader.NewCursor(s), {}} {
			require.True(t, c.End(), name)
			require.Zero(t, c.Remaining(), name)
			require.Zero(t, c.Consumed(), name)
			_, ok := c.Peek()
			require.False(t, ok, name)
			_, err := c.ReadByte()
			require.ErrorIs(t, err, io.EOF, name)
			require.True(t, c.Advance(0), name)
			require.False(t, c.Advance(1), name)
			c.Rewind(0)
			require.True(t, c.IsNext(nil, true), name)
			require.False(t, c.IsNext([]byte("a"), true), name)
			_, ok = c.ReadTo('a', true)
			require.False(t, ok, name)
			_, ok = c.ReadToAny([]byte("ab"), true)
			require.False(t, ok, name)
			_, ok = c.ReadToSeq([]byte("ab"), true)
			require.False(t, ok, name)
			seq, ok := c.ReadToSeq(nil, true)
			require.True(t, ok, name)
			require.True(t, seq.IsEmpty(), name)
			require.Zero(t, c.SkipPast('a'), name)
			require.Zero(t, c.SkipPastAny([]byte("ab")), name)
			seq, ok = c.ReadN(0)
			require.True(t, ok, name)
			require.True(t, seq.IsEmpty(), name)
			_, ok = c.ReadN(1)
			require.False(t, ok, name)
			require.True(t, c.CopyTo(nil), name)
			require.False(t, c.CopyTo(make([]byte, 1)), name)
			_, ok = c.ReadUint16BE()
			require.False(t, ok, name)
			_, err = c.ReadUvarint()
			require.ErrorIs(t, err, reader.ErrIncomplete, name)
			require.Empty(t, c.Unread(), name)
			require.True(t, c.UnreadSequence().IsEmpty(), name)
			require.Equal(t, c.Sequence().End(), c.Position(), name)
		}
	}
}

func TestCursorPanics(t *testing.T) {
	c := reader.NewCursor(pipe.SequenceOf([]byte("ab"), []byte("cd")))
	require.PanicsWithValue(t, "reader: Cursor.Advance: negative count", func() { c.Advance(-1) })
	require.PanicsWithValue(t, "reader: Cursor.ReadN: negative count", func() { c.ReadN(-1) })
	require.PanicsWithValue(t, "reader: Cursor.Rewind: count out of range", func() { c.Rewind(1) })
	require.True(t, c.Advance(3))
	require.PanicsWithValue(t, "reader: Cursor.Rewind: count out of range", func() { c.Rewind(4) })
	require.PanicsWithValue(t, "reader: Cursor.Rewind: count out of range", func() { c.Rewind(-1) })
	require.Equal(t, int64(3), c.Consumed())
}

func TestCursorSkipPast(t *testing.T) {
	s := cursorSeqOf([]byte("   \t \tx  y"), 1, 1, 2, 5)
	c := reader.NewCursor(s)
	require.Equal(t, int64(3), c.SkipPast(' '))
	require.Equal(t, int64(3), c.SkipPastAny([]byte(" \t")))
	require.Zero(t, c.SkipPastAny([]byte(" \t")))
	b, _ := c.ReadByte()
	require.Equal(t, byte('x'), b)
	require.Equal(t, int64(2), c.SkipPastAny([]byte(" ")))
	require.Zero(t, c.SkipPastAny(nil))
	require.Equal(t, "y", c.UnreadSequence().String())
}

// The Sequences ReadTo returns point into the segments: no copy.
func TestCursorReturnsNoCopies(t *testing.T) {
	a, b := []byte("hello wor"), []byte("ld\nrest")
	c := reader.NewCursor(pipe.SequenceOf(a, b))
	line, ok := c.ReadTo('\n', true)
	require.True(t, ok)
	a[0], b[0] = 'H', 'L'
	require.Equal(t, "Hello worLd", line.String())
	u := c.Unread()
	b[3] = 'R'
	require.Equal(t, "Rest", string(u))
}

// Position is what a parser hands back to a pipe: parse whole lines, consume
// them, leave the partial line for the next Read.
func TestCursorPositionWithPipe(t *testing.T) {
	p := pipe.New(pipe.Options{MinimumSegmentSize: 16})
	ctx := context.Background()
	w, rd := p.Writer(), p.Reader()
	r := rand.New(rand.NewPCG(11, 12))
	var want, got []string
	go func() {
		var all []byte
		for i := range 300 {
			line := fmt.Sprintf("line %d %s", i, bytes.Repeat([]byte{'x'}, r.IntN(40)))
			want = append(want, line)
			all = append(all, line+"\r\n"...)
		}
		for len(all) > 0 {
			n := min(len(all), 1+r.IntN(50))
			w.Write(all[:n])
			all = all[n:]
			w.Flush(ctx)
		}
		w.Complete(nil)
	}()
	var c reader.Cursor
	for {
		res, err := rd.Read(ctx)
		require.NoError(t, err)
		c.Reset(res.Buffer)
		for {
			line, ok := c.ReadToSeq([]byte("\r\n"), true)
			if !ok {
				break
			}
			got = append(got, line.String())
		}
		rd.AdvanceTo(c.Position(), res.Buffer.End())
		if res.Completed {
			require.True(t, c.End())
			break
		}
	}
	rd.Complete(nil)
	require.Equal(t, want, got)
}

func TestCursorZeroAllocs(t *testing.T) {
	data := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n")
	data = binary.BigEndian.AppendUint64(data, 0x0102030405060708)
	data = binary.AppendUvarint(data, 1<<40)
	data = binary.AppendVarint(data, -1<<40)
	s := cursorSeqOf(data, 3, 3, 10, 25, 26, 30, 47, 49, 52, len(data)-3)
	crlf, sp, set := []byte("\r\n"), []byte(" "), []byte(" :")
	var sink int64
	allocs := testing.AllocsPerRun(100, func() {
		c := reader.NewCursor(s)
		c.Reset(s)
		b, _ := c.Peek()
		sink += int64(b)
		b, _ = c.ReadByte()
		sink += int64(b)
		c.Rewind(1)
		seq, _ := c.ReadTo(' ', true)
		sink += seq.Len()
		seq, _ = c.ReadToAny(set, false)
		sink += seq.Len() + c.SkipPast(' ') + c.SkipPastAny(set)
		seq, _ = c.ReadToSeq(crlf, true)
		sink += seq.Len()
		if c.IsNext(sp, true) || c.IsNext(crlf, false) {
			sink++
		}
		seq, _ = c.ReadToSeq([]byte("\r\n\r\n"), true)
		sink += seq.Len()
		var buf [4]byte
		c.CopyTo(buf[:])
		u16, _ := c.ReadUint16BE()
		u16l, _ := c.ReadUint16LE()
		c.Rewind(4)
		i16, _ := c.ReadInt16BE()
		i16l, _ := c.ReadInt16LE()
		c.Rewind(4)
		u32, _ := c.ReadUint32BE()
		c.Rewind(4)
		u32l, _ := c.ReadUint32LE()
		c.Rewind(4)
		i32, _ := c.ReadInt32BE()
		c.Rewind(4)
		i32l, _ := c.ReadInt32LE()
		c.Rewind(4)
		u64, _ := c.ReadUint64BE()
		c.Rewind(8)
		u64l, _ := c.ReadUint64LE()
		c.Rewind(8)
		i64, _ := c.ReadInt64BE()
		c.Rewind(8)
		i64l, _ := c.ReadInt64LE()
		uv, _ := c.ReadUvarint()
		v, _ := c.ReadVarint()
		sink += int64(u16) + int64(u16l) + int64(i16) + int64(i16l) + int64(u32) + int64(u32l) +
			int64(i32) + int64(i32l) + int64(u64) + int64(u64l) + i64 + i64l + int64(uv) + v
		c.Rewind(c.Consumed())
		c.Advance(5)
		seq, _ = c.ReadN(30)
		sink += seq.Len() + int64(len(c.Unread())) + c.UnreadSequence().Len() + c.Remaining()
		sink += c.Sequence().Offset(c.Position())
		if c.End() {
			sink++
		}
		_, err := c.ReadUvarint() // error path: ErrIncomplete is preallocated
		if err != nil {
			sink++
		}
	})
	require.Zero(t, allocs)
	require.NotZero(t, sink)
}
