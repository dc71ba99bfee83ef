//go:build !race

// The race detector makes sync.Pool drop a random share of what is put
// back, so allocation counts of code that pools memory are only meaningful
// without it: these tests are built only without -race (CI runs both).

package pipe_test

import (
	"context"
	"testing"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/stretchr/testify/assert"
)

func TestSteadyStateAllocatesNothing(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w, r := p.Writer(), p.Reader()
	ctx := context.Background()
	msg := make([]byte, 100)
	cycle := func() {
		buf := w.Buffer(len(msg))
		w.Advance(copy(buf, msg))
		w.Write(msg)
		if _, err := w.Flush(ctx); err != nil {
			panic(err)
		}
		res, err := r.Read(ctx)
		if err != nil || res.Buffer.Len() != 200 {
			panic("short read")
		}
		half := res.Buffer.PositionAt(100)
		r.AdvanceTo(half, half)
		res, ok, err := r.TryRead()
		if !ok || err != nil {
			panic("TryRead")
		}
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
	cycle() // warm the pool
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}
