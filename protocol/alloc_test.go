//go:build !race

// Allocation counts of pooled code are only meaningful without the race
// detector.

package protocol_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
)

// Writing a message and reading it back allocates nothing.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w := protocol.NewWriter[[]byte](p.Writer(), tiny{})
	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	ctx := context.Background()
	msg := []byte("a small message")
	cycle := func() {
		if err := w.Write(ctx, msg); err != nil {
			panic(err)
		}
		m, err := r.Read(ctx)
		if err != nil || m.Len() != int64(len(msg)) {
			panic("read back")
		}
		r.Advance()
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}
