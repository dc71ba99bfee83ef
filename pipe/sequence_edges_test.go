package pipe_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
)

// Edge cases of Sequence: positions at segment edges, write errors, panics,
// the zero value, straddling matches and allocations.
// TestSequencePositionsFromSlices checks that a Position works in every
// Sequence over the same bytes whose range holds its offset, whichever slice
// it came from. At a segment edge the same offset has two Positions: the
// end of the earlier segment (End of a Slice ending there) and the start of
// the later one (PositionAt, Start of a Slice beginning there). Offset
// accepts both, so SliceFrom, SliceTo and Segment must treat them alike.
func TestSequencePositionsFromSlices(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 19))
	for range 1500 {
		sp := randomSplit(r, randomData(r))
		s := pipe.SequenceOf(sp.parts...)
		n := len(sp.data)
		o := r.IntN(n + 1)
		type namedPos struct {
			name string
			p    pipe.Position
		}
		positions := []namedPos{
			{"s.PositionAt(o)", s.PositionAt(int64(o))},
			{"s.Slice(0,o).End()", s.Slice(0, int64(o)).End()},
			{"s.Slice(o,n).Start()", s.Slice(int64(o), int64(n)).Start()},
			{"s.SliceTo(PositionAt(o)).End()", s.SliceTo(s.PositionAt(int64(o))).End()},
		}
		lo := r.IntN(o + 1)
		hi := o + r.IntN(n-o+1)
		views := []struct {
			name     string
			v        pipe.Sequence
			vlo, vhi int
		}{
			{"s", s, 0, n},
			{"s.Slice(lo,hi)", s.Slice(int64(lo), int64(hi)), lo, hi},
			{"s.Slice(0,o)", s.Slice(0, int64(o)), 0, o},
			{"s.Slice(o,n)", s.Slice(int64(o), int64(n)), o, n},
			{"s.SliceFrom(s.Slice(0,o).End())", s.SliceFrom(s.Slice(0, int64(o)).End()), o, n},
		}
		for _, vw := range views {
			v, vlo, vhi := vw.v, vw.vlo, vw.vhi
			for _, np := range positions {
				p := np.p
				ctx := fmt.Sprintf("%s [%d:%d] with %s, o=%d, %v", vw.name, vlo, vhi, np.name, o, sp)
				require.NotPanics(t, func() {
					require.Equal(t, int64(o-vlo), v.Offset(p), ctx)

					from := v.SliceFrom(p)
					require.Equal(t, int64(vhi-o), from.Len(), "SliceFrom: %s", ctx)
					require.Equal(t, string(sp.data[o:vhi]), from.String(), "SliceFrom: %s", ctx)
					require.Equal(t, sp.chunksRef(o, vhi), segmentsOf(t, from), "SliceFrom: %s", ctx)
					require.Equal(t, sp.singleRef(o, vhi), from.IsSingleSegment(), "SliceFrom: %s", ctx)

					to := v.SliceTo(p)
					require.Equal(t, int64(o-vlo), to.Len(), "SliceTo: %s", ctx)
					require.Equal(t, string(sp.data[vlo:o]), to.String(), "SliceTo: %s", ctx)
					require.Equal(t, sp.chunksRef(vlo, o), segmentsOf(t, to), "SliceTo: %s", ctx)
					require.Equal(t, sp.singleRef(vlo, o), to.IsSingleSegment(), "SliceTo: %s", ctx)

					b, next := v.Segment(p)
					require.True(t, bytes.HasPrefix(sp.data[o:vhi], b), "Segment = %q: %s", b, ctx)
					require.Equal(t, o < vhi, len(b) > 0, "Segment = %q: %s", b, ctx)
					require.Equal(t, int64(o-vlo+len(b)), v.Offset(next), "Segment: %s", ctx)
				}, ctx)
			}
		}
	}
}

// TestSequenceEdgePositionMinimal is the smallest case of
// TestSequencePositionsFromSlices: offset 2 of "ab"+"cd" as the end of the
// first segment, used in a Sequence that starts in the second, and the
// other way round.
func TestSequenceEdgePositionMinimal(t *testing.T) {
	s := pipe.SequenceOf([]byte("ab"), []byte("cd"))
	left := s.Slice(0, 2)            // ends at the end of "ab"
	right := s.SliceFrom(left.End()) // starts at the start of "cd"
	require.Equal(t, int64(0), right.Offset(left.End()))
	require.Equal(t, int64(2), left.Offset(right.Start()))

	empty := right.SliceTo(left.End())
	assert.True(t, empty.IsEmpty())
	assert.NotPanics(t, func() { assert.Empty(t, empty.First()) }, "right.SliceTo(left.End()).First()")
	assert.NotPanics(t, func() { assert.Equal(t, "", empty.String()) }, "right.SliceTo(left.End()).String()")
	assert.NotPanics(t, func() { assert.True(t, empty.IsSingleSegment()) }, "right.SliceTo(left.End()).IsSingleSegment()")

	assert.NotPanics(t, func() {
		b, _ := left.Segment(right.Start())
		assert.Empty(t, b, "left.Segment(right.Start()) returns bytes past the end of left")
	})
	assert.NotPanics(t, func() {
		e := left.SliceFrom(right.Start())
		assert.True(t, e.IsEmpty())
		assert.Equal(t, "", e.String(), "left.SliceFrom(right.Start())")
	})
}

type shortWriter struct{ bytes.Buffer }

func (w *shortWriter) Write(b []byte) (int, error) {
	if len(b) > 1 {
		b = b[:len(b)-1]
	}
	return w.Buffer.Write(b)
}

type failWriter struct {
	n   int // bytes accepted before failing
	buf bytes.Buffer
}

var errFail = errors.New("fail")

func (w *failWriter) Write(b []byte) (int, error) {
	if len(b) > w.n {
		w.buf.Write(b[:w.n])
		n := w.n
		w.n = 0
		return n, errFail
	}
	w.n -= len(b)
	return w.buf.Write(b)
}

func TestSequenceWriteToErrors(t *testing.T) {
	s := pipe.SequenceOf([]byte("abc"), nil, []byte("defg"))

	var sw shortWriter
	n, err := s.WriteTo(&sw)
	assert.ErrorIs(t, err, io.ErrShortWrite)
	assert.Equal(t, int64(2), n)
	assert.Equal(t, "ab", sw.String())

	fw := failWriter{n: 5}
	n, err = s.WriteTo(&fw)
	assert.ErrorIs(t, err, errFail)
	assert.Equal(t, int64(5), n)
	assert.Equal(t, "abcde", fw.buf.String())
}

// panicMessage returns the value f panics with, or nil.
func panicMessage(f func()) (msg any) {
	defer func() { msg = recover() }()
	f()
	return nil
}

func TestSequencePanics(t *testing.T) {
	s := pipe.SequenceOf([]byte("ab"), []byte("cde"), nil, []byte("f"))
	n := s.Len()
	require.Equal(t, int64(6), n)

	for name, f := range map[string]func(){
		"PositionAt(-1)":        func() { s.PositionAt(-1) },
		"PositionAt(Len+1)":     func() { s.PositionAt(n + 1) },
		"Slice(-1,0)":           func() { s.Slice(-1, 0) },
		"Slice(0,Len+1)":        func() { s.Slice(0, n+1) },
		"Slice(3,2)":            func() { s.Slice(3, 2) },
		"Slice(Len+1,Len+1)":    func() { s.Slice(n+1, n+1) },
		"Slice(2,4).Slice(0,3)": func() { s.Slice(2, 4).Slice(0, 3) },
	} {
		assert.Panics(t, f, name)
		msg, ok := panicMessage(f).(string)
		if assert.True(t, ok, "%s: panic value is not a message", name) {
			assert.True(t, strings.HasPrefix(msg, "pipe: "), "%s: %q", name, msg)
			assert.Contains(t, msg, "out of range", name)
		}
	}

	// Positions outside a slice are rejected too.
	sub := s.Slice(2, 4)
	for name, f := range map[string]func(){
		"Offset(before)":    func() { sub.Offset(s.Start()) },
		"Offset(after)":     func() { sub.Offset(s.End()) },
		"SliceFrom(before)": func() { sub.SliceFrom(s.Start()) },
		"SliceTo(after)":    func() { sub.SliceTo(s.End()) },
	} {
		assert.Panics(t, f, name)
		msg, _ := panicMessage(f).(string)
		assert.Contains(t, msg, "outside", name)
	}

	// The edges themselves are fine.
	assert.NotPanics(t, func() { s.PositionAt(0) })
	assert.NotPanics(t, func() { s.PositionAt(n) })
	assert.NotPanics(t, func() { s.Slice(n, n) })
	assert.NotPanics(t, func() { sub.Offset(s.PositionAt(2)) })
	assert.NotPanics(t, func() { sub.Offset(s.PositionAt(4)) })
}

func TestSequenceZeroValue(t *testing.T) {
	for name, s := range map[string]pipe.Sequence{
		"zero":                  {},
		"SequenceOf()":          pipe.SequenceOf(),
		"SequenceOf(nil)":       pipe.SequenceOf(nil),
		"SequenceOf(\"\",\"\")": pipe.SequenceOf([]byte{}, nil),
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, int64(0), s.Len())
			assert.True(t, s.IsEmpty())
			assert.True(t, s.IsSingleSegment())
			assert.Empty(t, s.First())
			b, p := s.Segment(s.Start())
			assert.Empty(t, b)
			assert.Equal(t, s.End(), p)
			for range s.All() {
				t.Error("All yielded a run of an empty sequence")
			}
			assert.Equal(t, int64(0), s.Offset(s.PositionAt(0)))
			assert.Equal(t, int64(0), s.Offset(s.End()))
			assert.True(t, s.Slice(0, 0).IsEmpty())
			assert.True(t, s.SliceFrom(s.Start()).IsEmpty())
			assert.True(t, s.SliceTo(s.End()).IsEmpty())
			assert.Equal(t, int64(-1), s.IndexByte('a'))
			assert.Equal(t, int64(0), s.Index(nil))
			assert.Equal(t, int64(-1), s.Index([]byte("a")))
			assert.Equal(t, int64(-1), s.Index([]byte("ab")))
			assert.Equal(t, 0, s.CopyTo(make([]byte, 4)))
			assert.Empty(t, s.Bytes())
			assert.Equal(t, "", s.String())
			var buf bytes.Buffer
			n, err := s.WriteTo(&buf)
			assert.NoError(t, err)
			assert.Equal(t, int64(0), n)
			assert.Panics(t, func() { s.PositionAt(1) })
			assert.Panics(t, func() { s.Slice(0, 1) })
		})
	}
}

// TestSequenceIndexEdgeCases pins matches that straddle several edges,
// including empty segments in between.
func TestSequenceIndexEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		sep   string
	}{
		{[]string{"ab", "cd"}, "bc"},
		{[]string{"a", "b", "c", "d"}, "abcd"},
		{[]string{"aab", "aab"}, "aba"},
		{[]string{"xab", "", "cd"}, "bc"},
		{[]string{"ab", "", "cd"}, "dx"},
		{[]string{"ab", "", "cd"}, "cd"},
		{[]string{"ab", "", "", "cdc", "de"}, "cde"},
		{[]string{"", "abc", "", "abd"}, "cab"},
		{[]string{"aaa", "", "aab"}, "aab"},
		{[]string{"xy", "", "aaaz"}, "az"},
	} {
		parts := make([][]byte, len(tc.parts))
		for i, p := range tc.parts {
			parts[i] = []byte(p)
		}
		data := strings.Join(tc.parts, "")
		s := pipe.SequenceOf(parts...)
		var got int64
		if assert.NotPanics(t, func() { got = s.Index([]byte(tc.sep)) }, "parts=%q Index(%q)", tc.parts, tc.sep) {
			assert.Equal(t, int64(strings.Index(data, tc.sep)), got, "parts=%q Index(%q)", tc.parts, tc.sep)
		}
	}
}

var (
	sinkInt  int64
	sinkN    int
	sinkB    []byte
	sinkPos  pipe.Position
	sinkSeq  pipe.Sequence
	sinkBool bool
)

func TestSequenceZeroAllocs(t *testing.T) {
	parts := [][]byte{[]byte("hello, "), nil, []byte("wor"), []byte("ld! "), []byte("this is a "), []byte("multi-"), []byte("segment sequence")}
	s := pipe.SequenceOf(parts...)
	require.False(t, s.IsSingleSegment())
	data := bytes.Join(parts, nil)
	straddling := []byte("world")
	absent := []byte("worlds")
	dst := make([]byte, 16)

	for name, f := range map[string]func(){
		"Len":             func() { sinkInt = s.Len() },
		"IsEmpty":         func() { sinkBool = s.IsEmpty() },
		"IsSingleSegment": func() { sinkBool = s.IsSingleSegment() },
		"First":           func() { sinkB = s.First() },
		"Segment loop": func() {
			n := 0
			for p := s.Start(); ; {
				var b []byte
				if b, p = s.Segment(p); len(b) == 0 {
					break
				}
				n += len(b)
			}
			sinkN = n
		},
		"IndexByte":         func() { sinkInt = s.IndexByte('!') },
		"IndexByte(absent)": func() { sinkInt = s.IndexByte('#') },
		"Index(straddling)": func() { sinkInt = s.Index(straddling) },
		"Index(absent)":     func() { sinkInt = s.Index(absent) },
		"Slice":             func() { sinkSeq = s.Slice(5, 30).Slice(2, 20) },
		"PositionAt":        func() { sinkPos = s.PositionAt(25) },
		"Offset":            func() { sinkInt = s.Offset(s.PositionAt(12)) },
		"SliceFrom/SliceTo": func() { sinkSeq = s.SliceFrom(s.PositionAt(3)).SliceTo(s.PositionAt(17)) },
		"CopyTo":            func() { sinkN = s.CopyTo(dst) },
	} {
		f() // warm up
		assert.Equal(t, 0.0, testing.AllocsPerRun(100, f), name)
	}

	// The operations above did their work.
	assert.Equal(t, int64(bytes.Index(data, straddling)), s.Index(straddling))
	assert.Equal(t, 16, s.CopyTo(dst))
	assert.Equal(t, data[:16], dst)
}

func TestSequenceSliceFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 2000 {
		data := randomData(rng)
		s := pipe.SequenceOf(randomSplit(rng, data).parts...)
		if a := rng.Int64N(s.Len() + 1); rng.IntN(2) == 0 {
			s = s.Slice(a, s.Len()) // a First() that starts mid-segment
		}
		first := len(s.First())
		i := rng.IntN(first + 1)
		j := i + rng.IntN(first-i+1)
		want := s.Slice(int64(i), int64(j))
		got := s.SliceFirst(i, j)
		require.Equal(t, want.Bytes(), got.Bytes())
		require.Equal(t, s.Offset(want.Start()), s.Offset(got.Start()))
		require.Equal(t, s.Offset(want.End()), s.Offset(got.End()))
		if int64(first) < s.Len() {
			assert.Panics(t, func() { s.SliceFirst(0, first+1) }, "past the first segment")
		}
	}
	assert.Panics(t, func() { pipe.SequenceOf([]byte("ab")).SliceFirst(1, 0) })
	assert.Panics(t, func() { pipe.SequenceOf([]byte("ab")).SliceFirst(0, 3) })
}
