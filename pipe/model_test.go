package pipe_test

import (
	"context"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
)

// TestModel drives a pipe from one goroutine with random operations and
// checks every observation against a trivial model: the bytes flushed and
// not consumed, the bytes written and not flushed, and how many of the
// flushed bytes the reader examined.
func TestModel(t *testing.T) {
	runs := 300
	if testing.Short() {
		runs = 50
	}
	for seed := range uint64(runs) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { runModel(t, seed) })
	}
}

func runModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	pause := int64(1 + rng.IntN(2000))
	opts := pipe.Options{
		MinimumSegmentSize:    1 + rng.IntN(700),
		PauseWriterThreshold:  pause,
		ResumeWriterThreshold: 1 + rng.Int64N(pause),
	}
	p := pipe.New(opts)
	w, r := p.Writer(), p.Reader()

	var (
		flushed, unflushed []byte // the model
		examined           int    // bytes of flushed the reader examined
		all, got           []byte // everything written; everything consumed
	)
	fill := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		all = append(all, b...)
		return b
	}
	for step := range 400 {
		switch op := rng.IntN(10); {
		case op < 3: // Write
			b := fill(rng.IntN(300))
			_, err := w.Write(b)
			require.NoError(t, err)
			unflushed = append(unflushed, b...)
		case op < 5: // Buffer, copy, Advance
			hint := rng.IntN(300)
			buf := w.Buffer(hint)
			require.GreaterOrEqual(t, len(buf), max(hint, 1))
			b := fill(rng.IntN(min(len(buf), 400) + 1))
			w.Advance(copy(buf, b))
			unflushed = append(unflushed, b...)
		case op < 7: // Flush; it would wait exactly when over the threshold
			wouldWait := int64(len(flushed)+len(unflushed)-examined) >= pause
			res, err := w.Flush(testkit.Canceled())
			if wouldWait {
				require.ErrorIs(t, err, context.Canceled, "step %d", step)
			} else {
				require.NoError(t, err, "step %d", step)
			}
			assert.False(t, res.Completed)
			flushed, unflushed = append(flushed, unflushed...), nil
			assert.Equal(t, 0, w.UnflushedBytes())
		default: // TryRead, then AdvanceTo or Consume at random positions
			res, ok, err := r.TryRead()
			require.NoError(t, err)
			require.Equal(t, len(flushed) > examined, ok, "step %d: TryRead ready iff bytes are unexamined", step)
			if !ok {
				continue
			}
			require.Equal(t, flushed, res.Buffer.Bytes(), "step %d", step)
			n := len(flushed)
			e := examined + rng.IntN(n-examined+1)
			c := rng.IntN(e + 1)
			if rng.IntN(4) == 0 {
				r.Consume(res.Buffer.PositionAt(int64(c)))
				e = max(examined, c)
			} else {
				r.AdvanceTo(res.Buffer.PositionAt(int64(c)), res.Buffer.PositionAt(int64(e)))
			}
			got = append(got, flushed[:c]...)
			flushed, examined = flushed[c:], e-c
		}
		require.Equal(t, int64(len(flushed)), p.Buffered())
		require.Equal(t, len(unflushed), w.UnflushedBytes())
	}

	w.Complete(nil)
	for {
		res, err := r.Read(testkit.Context(t))
		require.NoError(t, err)
		require.True(t, res.Completed)
		got = append(got, res.Buffer.Bytes()...)
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if res.Buffer.IsEmpty() {
			break
		}
	}
	require.Equal(t, all, got, "the bytes out are the bytes in")
	r.Complete(nil)
}

// streamSize is the size of the concurrent stream: 100 MB, or 8 MB with
// -short; BEDROCK_STREAM_MB overrides it.
func streamSize(t *testing.T) int64 {
	if s := os.Getenv("BEDROCK_STREAM_MB"); s != "" {
		mb, err := strconv.Atoi(s)
		require.NoError(t, err)
		return int64(mb) << 20
	}
	if testing.Short() {
		return 8 << 20
	}
	return 100 << 20
}

// TestConcurrentStream streams pseudo-random bytes from a writer goroutine
// to a reader goroutine with random chunking, random flush points and random
// consumed/examined positions, and compares checksums.
func TestConcurrentStream(t *testing.T) {
	size := streamSize(t)
	p := pipe.New(pipe.Options{})
	ctx := testkit.Context(t)
	boom := errors.New("writer done with an error")

	var sent uint32
	wrote := testkit.Async(func() {
		w := p.Writer()
		rng := rand.New(rand.NewPCG(1, 2))
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = byte(rng.Uint32())
		}
		for n := int64(0); n < size; {
			c := chunk[:min(int64(1+rng.IntN(len(chunk))), size-n)]
			c = c[rng.IntN(len(c)):] // vary the content too
			if rng.IntN(2) == 0 {
				w.Write(c)
			} else {
				w.Advance(copy(w.Buffer(len(c)), c))
			}
			sent = crc32.Update(sent, crc32.IEEETable, c)
			n += int64(len(c))
			if rng.IntN(3) == 0 {
				if _, err := w.Flush(ctx); err != nil {
					panic(err)
				}
			}
		}
		w.Complete(boom)
	})

	r := p.Reader()
	rng := rand.New(rand.NewPCG(3, 4))
	var received uint32
	var total int64
	for {
		res, err := r.Read(ctx)
		if err != nil {
			require.ErrorIs(t, err, boom)
			break
		}
		buf := res.Buffer
		c := buf.Len()
		if !res.Completed && rng.IntN(3) == 0 {
			c = rng.Int64N(c + 1) // leave some for later, examined all
		}
		for b := range buf.Slice(0, c).All() {
			received = crc32.Update(received, crc32.IEEETable, b)
		}
		total += c
		r.AdvanceTo(buf.PositionAt(c), buf.End())
	}
	r.Complete(nil)
	testkit.RequireDone(t, wrote)
	assert.Equal(t, size, total)
	assert.Equal(t, sent, received, "checksums of the bytes in and out")
}

// TestSlowConsumerBoundsMemory checks that a fast producer cannot make a
// slow consumer buffer more than the pause threshold plus one flush.
func TestSlowConsumerBoundsMemory(t *testing.T) {
	const pause, chunk = 32 << 10, 5000
	p := pipe.New(pipe.Options{PauseWriterThreshold: pause})
	ctx := testkit.Context(t)
	wrote := testkit.Async(func() {
		w := p.Writer()
		msg := make([]byte, chunk)
		for range 2000 {
			w.Write(msg)
			if _, err := w.Flush(ctx); err != nil {
				panic(err)
			}
		}
		w.Complete(nil)
	})
	r := p.Reader()
	var maxSeen, total int64
	for reads := 0; ; reads++ {
		res, err := r.Read(ctx)
		require.NoError(t, err)
		maxSeen = max(maxSeen, res.Buffer.Len())
		// Consume (and examine) a little at a time: slow. A reader that
		// examined everything would lift the backpressure by design.
		c := min(res.Buffer.Len(), 3000)
		total += c
		r.AdvanceTo(res.Buffer.PositionAt(c), res.Buffer.PositionAt(c))
		if res.Completed && res.Buffer.Len() == c {
			break
		}
	}
	testkit.RequireDone(t, wrote)
	assert.Equal(t, int64(2000*chunk), total)
	assert.LessOrEqual(t, maxSeen, int64(pause+chunk), "buffered bytes stay bounded")
	assert.Greater(t, maxSeen, int64(chunk), "the producer did run ahead")
}
