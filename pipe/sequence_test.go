package pipe_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
)

// The property tests below split the same bytes into segments at random
// edges (empty parts included) and check every Sequence method against the
// same question asked of the flat []byte.

// split is data cut into parts; bounds[i] is the offset of parts[i] in data
// and bounds[len(parts)] == len(data).
type split struct {
	data   []byte
	parts  [][]byte
	bounds []int
}

// randomData returns 0..~400 bytes, usually from a small alphabet so that
// separators recur and matches straddle segment edges.
func randomData(r *rand.Rand) []byte {
	return testkit.RandomData(r, 400, []byte("abcd"), nil, []byte("ab"))
}

// randomSplit cuts data at random edges into 1..12 parts. Cuts may repeat or
// fall at either end, giving empty parts anywhere. Each part is copied into
// its own allocation whose spare capacity holds junk, so reading past a
// part's length shows up as wrong content.
func randomSplit(r *rand.Rand, data []byte) split {
	nParts := 1 + r.IntN(12)
	if r.IntN(6) == 0 {
		nParts = 1
	}
	cuts := testkit.RandomCuts(r, len(data), nParts)
	parts := testkit.PartsAt(data, cuts)
	for i, p := range parts {
		parts[i] = testkit.Guard(p, 1+r.IntN(4))
	}
	return split{data: data, parts: parts, bounds: cuts}
}

// singleRef reports whether data[lo:hi] lies in one part of sp (or is empty):
// what IsSingleSegment must answer for that range.
func (sp split) singleRef(lo, hi int) bool {
	if lo == hi {
		return true
	}
	for i := range sp.parts {
		if sp.bounds[i] <= lo && hi <= sp.bounds[i+1] {
			return true
		}
	}
	return false
}

// chunksRef returns the non-empty intersections of the parts with
// data[lo:hi]: the runs Segment and All must return, in order.
func (sp split) chunksRef(lo, hi int) [][]byte {
	var out [][]byte
	for i := range sp.parts {
		a, b := max(lo, sp.bounds[i]), min(hi, sp.bounds[i+1])
		if a < b {
			out = append(out, sp.data[a:b])
		}
	}
	return out
}

func (sp split) String() string { return fmt.Sprintf("parts=%q", sp.parts) }

// view is a Sequence over data[lo:hi] of a split, built one of several ways.
type view struct {
	name   string
	s      pipe.Sequence
	lo, hi int
	sp     split
}

func (v view) data() []byte { return v.sp.data[v.lo:v.hi] }

func (v view) String() string {
	return fmt.Sprintf("%s [%d:%d] of %v", v.name, v.lo, v.hi, v.sp)
}

// randomViews returns the whole sequence of a random split and slices of it
// made with Slice, nested Slice, SliceFrom and SliceTo.
func randomViews(r *rand.Rand) []view {
	sp := randomSplit(r, randomData(r))
	s := pipe.SequenceOf(sp.parts...)
	n := len(sp.data)
	vs := []view{{"whole", s, 0, n, sp}}

	a := r.IntN(n + 1)
	b := a + r.IntN(n-a+1)
	sub := s.Slice(int64(a), int64(b))
	vs = append(vs, view{fmt.Sprintf("Slice(%d,%d)", a, b), sub, a, b, sp})

	c := r.IntN(b - a + 1)
	d := c + r.IntN(b-a-c+1)
	vs = append(vs, view{fmt.Sprintf("Slice(%d,%d).Slice(%d,%d)", a, b, c, d),
		sub.Slice(int64(c), int64(d)), a + c, a + d, sp})

	vs = append(vs, view{fmt.Sprintf("SliceFrom(PositionAt(%d))", a),
		s.SliceFrom(s.PositionAt(int64(a))), a, n, sp})
	vs = append(vs, view{fmt.Sprintf("SliceTo(PositionAt(%d))", b),
		s.SliceTo(s.PositionAt(int64(b))), 0, b, sp})
	from := s.SliceFrom(s.PositionAt(int64(a)))
	vs = append(vs, view{fmt.Sprintf("SliceFrom(PositionAt(%d)).SliceTo(PositionAt(%d))", a, b-a),
		from.SliceTo(from.PositionAt(int64(b - a))), a, b, sp})
	return vs
}

// forViews runs check on every view of iters random splits, with a fixed
// seed so that a failure reproduces.
func forViews(t *testing.T, seed uint64, iters int, check func(t *testing.T, r *rand.Rand, v view)) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed*0x9E3779B97F4A7C15+1))
	for range iters {
		for _, v := range randomViews(r) {
			check(t, r, v)
			if t.Failed() {
				t.Fatalf("first failure on %v", v)
			}
		}
	}
}

// segmentsOf walks s with Segment as its documentation shows.
func segmentsOf(t *testing.T, s pipe.Sequence) [][]byte {
	t.Helper()
	var out [][]byte
	p := s.Start()
	for i := 0; ; i++ {
		require.LessOrEqual(t, i, 64, "Segment loop does not end")
		b, next := s.Segment(p)
		if len(b) == 0 {
			require.Equal(t, s.End(), next, "Segment at the end must return End()")
			return out
		}
		out = append(out, b)
		p = next
	}
}

func TestSequenceProperties(t *testing.T) {
	const iters = 1500

	t.Run("Len", func(t *testing.T) {
		forViews(t, 1, iters, func(t *testing.T, _ *rand.Rand, v view) {
			assert.Equal(t, int64(len(v.data())), v.s.Len(), "%v", v)
		})
	})

	t.Run("IsEmpty", func(t *testing.T) {
		forViews(t, 2, iters, func(t *testing.T, _ *rand.Rand, v view) {
			assert.Equal(t, len(v.data()) == 0, v.s.IsEmpty(), "%v", v)
		})
	})

	t.Run("IsSingleSegment", func(t *testing.T) {
		forViews(t, 3, iters, func(t *testing.T, _ *rand.Rand, v view) {
			assert.Equal(t, v.sp.singleRef(v.lo, v.hi), v.s.IsSingleSegment(), "%v", v)
			if v.name == "whole" {
				nonEmpty := 0
				for _, p := range v.sp.parts {
					if len(p) > 0 {
						nonEmpty++
					}
				}
				assert.Equal(t, nonEmpty <= 1, v.s.IsSingleSegment(), "%v", v)
			}
		})
	})

	t.Run("First", func(t *testing.T) {
		forViews(t, 4, iters, func(t *testing.T, _ *rand.Rand, v view) {
			data, first := v.data(), v.s.First()
			assert.True(t, bytes.HasPrefix(data, first), "First %q is not a prefix of %q; %v", first, data, v)
			if len(data) > 0 {
				assert.NotEmpty(t, first, "%v", v)
				// The first run is the rest of the part holding data[0].
				assert.Equal(t, v.sp.chunksRef(v.lo, v.hi)[0], first, "%v", v)
			}
			if v.s.IsSingleSegment() {
				assert.True(t, bytes.Equal(data, first), "%v", v) // nil and empty alike
			}
		})
	})

	t.Run("StartEndOffset", func(t *testing.T) {
		forViews(t, 5, iters, func(t *testing.T, _ *rand.Rand, v view) {
			assert.Equal(t, int64(0), v.s.Offset(v.s.Start()), "%v", v)
			assert.Equal(t, v.s.Len(), v.s.Offset(v.s.End()), "%v", v)
			assert.Equal(t, v.data(), v.s.SliceFrom(v.s.Start()).Bytes(), "%v", v)
			assert.Equal(t, v.data(), v.s.SliceTo(v.s.End()).Bytes(), "%v", v)
			assert.True(t, v.s.SliceFrom(v.s.End()).IsEmpty(), "%v", v)
			assert.True(t, v.s.SliceTo(v.s.Start()).IsEmpty(), "%v", v)
		})
	})

	t.Run("PositionAt", func(t *testing.T) {
		forViews(t, 6, iters, func(t *testing.T, _ *rand.Rand, v view) {
			data := v.data()
			for o := range len(data) + 1 {
				p := v.s.PositionAt(int64(o))
				require.Equal(t, int64(o), v.s.Offset(p), "offset %d; %v", o, v)
				// Segment from p starts with data[o].
				b, next := v.s.Segment(p)
				require.True(t, bytes.HasPrefix(data[o:], b), "Segment(PositionAt(%d)) = %q; %v", o, b, v)
				require.Equal(t, o < len(data), len(b) > 0, "Segment(PositionAt(%d)) = %q; %v", o, b, v)
				require.Equal(t, int64(o+len(b)), v.s.Offset(next), "offset %d; %v", o, v)
			}
			assert.Equal(t, v.s.Len(), v.s.Offset(v.s.PositionAt(v.s.Len())), "%v", v)
		})
	})

	t.Run("Segment", func(t *testing.T) {
		forViews(t, 7, iters, func(t *testing.T, _ *rand.Rand, v view) {
			chunks := segmentsOf(t, v.s)
			for i, c := range chunks {
				require.NotEmpty(t, c, "chunk %d empty before the end; %v", i, v)
			}
			assert.Equal(t, v.data(), bytes.Join(chunks, nil), "%v", v)
			// One run per non-empty part, cut at the ends of the view.
			assert.Equal(t, v.sp.chunksRef(v.lo, v.hi), chunks, "%v", v)
		})
	})

	t.Run("All", func(t *testing.T) {
		forViews(t, 8, iters, func(t *testing.T, _ *rand.Rand, v view) {
			var chunks [][]byte
			for b := range v.s.All() {
				require.NotEmpty(t, b, "%v", v)
				chunks = append(chunks, b)
			}
			assert.Equal(t, v.data(), bytes.Join(chunks, nil), "%v", v)
			assert.Equal(t, v.sp.chunksRef(v.lo, v.hi), chunks, "%v", v)

			// Stopping early after k runs: All must not call yield again
			// (that would panic in range-over-func).
			for k := 1; k <= len(chunks); k++ {
				var got [][]byte
				for b := range v.s.All() {
					got = append(got, b)
					if len(got) == k {
						break
					}
				}
				assert.Equal(t, chunks[:k], got, "break after %d; %v", k, v)
			}
		})
	})

	t.Run("Slice", func(t *testing.T) {
		forViews(t, 9, iters, func(t *testing.T, r *rand.Rand, v view) {
			data := v.data()
			for range 8 {
				a := r.IntN(len(data) + 1)
				b := a + r.IntN(len(data)-a+1)
				sub := v.s.Slice(int64(a), int64(b))
				require.Equal(t, data[a:b], sub.Bytes(), "Slice(%d,%d); %v", a, b, v)
				require.Equal(t, int64(b-a), sub.Len(), "Slice(%d,%d); %v", a, b, v)
				require.Equal(t, v.sp.singleRef(v.lo+a, v.lo+b), sub.IsSingleSegment(), "Slice(%d,%d); %v", a, b, v)
				require.Equal(t, v.sp.chunksRef(v.lo+a, v.lo+b), segmentsOf(t, sub), "Slice(%d,%d); %v", a, b, v)

				c := r.IntN(b - a + 1)
				d := c + r.IntN(b-a-c+1)
				nested := sub.Slice(int64(c), int64(d))
				require.Equal(t, data[a+c:a+d], nested.Bytes(), "Slice(%d,%d).Slice(%d,%d); %v", a, b, c, d, v)
				require.Equal(t, v.sp.chunksRef(v.lo+a+c, v.lo+a+d), segmentsOf(t, nested),
					"Slice(%d,%d).Slice(%d,%d); %v", a, b, c, d, v)
			}
			assert.Equal(t, data, v.s.Slice(0, v.s.Len()).Bytes(), "%v", v)
		})
	})

	t.Run("SliceFromSliceTo", func(t *testing.T) {
		forViews(t, 10, iters, func(t *testing.T, r *rand.Rand, v view) {
			data := v.data()
			for range 8 {
				a := r.IntN(len(data) + 1)
				b := a + r.IntN(len(data)-a+1)
				from := v.s.SliceFrom(v.s.PositionAt(int64(a)))
				require.Equal(t, data[a:], from.Bytes(), "SliceFrom(PositionAt(%d)); %v", a, v)
				require.Equal(t, v.sp.chunksRef(v.lo+a, v.hi), segmentsOf(t, from), "SliceFrom(PositionAt(%d)); %v", a, v)
				require.Equal(t, v.sp.singleRef(v.lo+a, v.hi), from.IsSingleSegment(), "SliceFrom(PositionAt(%d)); %v", a, v)

				to := v.s.SliceTo(v.s.PositionAt(int64(b)))
				require.Equal(t, data[:b], to.Bytes(), "SliceTo(PositionAt(%d)); %v", b, v)
				require.Equal(t, v.sp.chunksRef(v.lo, v.lo+b), segmentsOf(t, to), "SliceTo(PositionAt(%d)); %v", b, v)
				require.Equal(t, v.sp.singleRef(v.lo, v.lo+b), to.IsSingleSegment(), "SliceTo(PositionAt(%d)); %v", b, v)

				// A position of s is a position of the part of s after it.
				mid := from.SliceTo(v.s.PositionAt(int64(b)))
				require.Equal(t, data[a:b], mid.Bytes(), "SliceFrom(%d).SliceTo(%d); %v", a, b, v)
				require.Equal(t, v.sp.chunksRef(v.lo+a, v.lo+b), segmentsOf(t, mid), "SliceFrom(%d).SliceTo(%d); %v", a, b, v)
			}
		})
	})

	t.Run("IndexByte", func(t *testing.T) {
		forViews(t, 11, iters, func(t *testing.T, r *rand.Rand, v view) {
			data := v.data()
			var present [256]bool
			for _, c := range data {
				present[c] = true
			}
			// Bytes that occur (taken from random places) ...
			for range 4 {
				if len(data) == 0 {
					break
				}
				c := data[r.IntN(len(data))]
				require.Equal(t, int64(bytes.IndexByte(data, c)), v.s.IndexByte(c), "IndexByte(%q); %v", c, v)
			}
			// ... a few that do not ...
			for _, c := range []byte{'z', 0, testkit.Junk, byte(r.IntN(256))} {
				require.Equal(t, int64(bytes.IndexByte(data, c)), v.s.IndexByte(c), "IndexByte(%q); %v", c, v)
				if !present[c] {
					require.Equal(t, int64(-1), v.s.IndexByte(c), "IndexByte(%q); %v", c, v)
				}
			}
			// ... and every byte of the small alphabets.
			for _, c := range []byte("abcd") {
				require.Equal(t, int64(bytes.IndexByte(data, c)), v.s.IndexByte(c), "IndexByte(%q); %v", c, v)
			}
		})
	})

	t.Run("Index", func(t *testing.T) {
		forViews(t, 12, iters, func(t *testing.T, r *rand.Rand, v view) {
			data := v.data()
			check := func(sep []byte) {
				t.Helper()
				var got int64
				require.NotPanics(t, func() { got = v.s.Index(sep) }, "Index(%q); %v", sep, v)
				require.Equal(t, int64(bytes.Index(data, sep)), got, "Index(%q); %v", sep, v)
			}
			for k := 0; k <= 6; k++ {
				// Separators taken from random places, so that many of
				// the first matches straddle segment edges.
				for range 3 {
					if k > len(data) {
						break
					}
					i := r.IntN(len(data) - k + 1)
					sep := data[i : i+k]
					check(sep)
					if k > 0 {
						// The same with its last byte changed: usually absent.
						absent := slices.Clone(sep)
						absent[k-1] = 'z'
						check(absent)
					}
				}
				// Random separators of the small alphabet, present or not.
				sep := make([]byte, k)
				for j := range sep {
					sep[j] = "ab"[r.IntN(2)]
				}
				check(sep)
			}
			check(nil)
			check(append(slices.Clone(data), 'a')) // longer than s
		})
	})

	t.Run("CopyTo", func(t *testing.T) {
		forViews(t, 13, iters, func(t *testing.T, r *rand.Rand, v view) {
			data := v.data()
			for _, n := range []int{0, len(data) / 2, max(len(data)-1, 0), len(data), len(data) + 1, len(data) + 1 + r.IntN(8)} {
				dst := bytes.Repeat([]byte{0x55}, n)
				got := v.s.CopyTo(dst)
				want := min(n, len(data))
				require.Equal(t, want, got, "CopyTo(len %d); %v", n, v)
				require.Equal(t, data[:want], dst[:want], "CopyTo(len %d); %v", n, v)
				require.Equal(t, bytes.Repeat([]byte{0x55}, n-want), dst[want:], "CopyTo(len %d) wrote past the count; %v", n, v)
			}
		})
	})

	t.Run("Bytes", func(t *testing.T) {
		forViews(t, 14, iters, func(t *testing.T, _ *rand.Rand, v view) {
			data := v.data()
			b := v.s.Bytes()
			require.Equal(t, data, b, "%v", v)
			require.Len(t, b, len(data), "%v", v)
			if len(b) > 0 {
				// Bytes is a copy.
				b[0] ^= 0xFF
				require.Equal(t, data, v.s.Bytes(), "Bytes shares memory with s; %v", v)
			}
		})
	})

	t.Run("String", func(t *testing.T) {
		forViews(t, 15, iters, func(t *testing.T, _ *rand.Rand, v view) {
			assert.Equal(t, string(v.data()), v.s.String(), "%v", v)
			assert.Equal(t, string(v.data()), fmt.Sprint(v.s), "%v", v)
		})
	})

	t.Run("WriteToBuffer", func(t *testing.T) {
		forViews(t, 16, iters, func(t *testing.T, _ *rand.Rand, v view) {
			var buf bytes.Buffer
			buf.WriteString("x")
			n, err := v.s.WriteTo(&buf)
			require.NoError(t, err, "%v", v)
			require.Equal(t, int64(len(v.data())), n, "%v", v)
			require.Equal(t, append([]byte("x"), v.data()...), buf.Bytes(), "%v", v)
		})
	})

	t.Run("WriteToTCP", func(t *testing.T) {
		client, server := testkit.TCPPair(t)
		testkit.SetDeadlines(t, 2*testkit.Wait, client, server) // a broken test cannot hang
		var _ io.WriterTo = pipe.Sequence{}
		forViews(t, 17, 150, func(t *testing.T, _ *rand.Rand, v view) {
			data := v.data() // at most 400 bytes: fits in the socket buffers
			n, err := v.s.WriteTo(client)
			require.NoError(t, err, "%v", v)
			require.Equal(t, int64(len(data)), n, "%v", v)
			got := make([]byte, len(data))
			_, err = io.ReadFull(server, got)
			require.NoError(t, err, "%v", v)
			require.Equal(t, data, got, "%v", v)
		})
	})
}

// TestSequenceWriteToTCPLarge sends more than the socket buffers hold, in
// many segments, so the gather write is partial and must be resumed.
func TestSequenceWriteToTCPLarge(t *testing.T) {
	client, server := testkit.TCPPair(t)
	testkit.SetDeadlines(t, 2*testkit.Wait, client, server)
	r := rand.New(rand.NewPCG(18, 18))
	data := make([]byte, 256<<10)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	sp := randomSplit(r, data)
	for len(sp.parts) < 8 {
		sp = randomSplit(r, data)
	}
	s := pipe.SequenceOf(sp.parts...)
	require.False(t, s.IsSingleSegment())

	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		got := make([]byte, len(data))
		_, err := io.ReadFull(server, got)
		done <- result{got, err}
	}()
	n, err := s.WriteTo(client)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), n)
	res := <-done
	require.NoError(t, res.err)
	require.True(t, bytes.Equal(data, res.b), "bytes received differ from the bytes sent")
}

func ExampleSequenceOf() {
	s := pipe.SequenceOf([]byte("hello, "), []byte("wor"), []byte("ld"))
	fmt.Println(s.Len(), s.IsSingleSegment())
	fmt.Println(s.Index([]byte("world")))
	for p := s.Start(); ; {
		var b []byte
		if b, p = s.Segment(p); len(b) == 0 {
			break
		}
		fmt.Printf("%q\n", b)
	}
	fmt.Println(s.Slice(4, 9))
	// Output:
	// 12 false
	// 7
	// "hello, "
	// "wor"
	// "ld"
	// o, wo
}
