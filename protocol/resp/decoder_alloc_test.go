//go:build !race

// Allocation counts of pooled code are only meaningful without the race
// detector.

package resp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// A Decoder reading nested values that arrive in pieces, through a
// protocol.Reader, allocates nothing in the steady state: its stack of
// counts is grown once.
func TestDecoderAllocatesNothing(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := protocol.NewReader[resp.Value](p.Reader(), resp.NewDecoder(resp.Codec{Inline: true}), protocol.ReaderOptions{})
	ctx := context.Background()
	pieces := []string{"*3\r\n$3\r\nfoo\r\n*2\r\n%1\r\n+k", "ey\r\n*1\r\n:1\r\n+long simple str", "ing\r\n$5\r\nab", "cde\r\nSET k", "ey value\r\n"}
	cycle := func() {
		read := 0
		for _, piece := range pieces {
			p.Writer().Write([]byte(piece))
			if _, err := p.Writer().Flush(ctx); err != nil {
				panic(err)
			}
			for {
				v, ok, err := r.TryRead()
				if err != nil {
					panic(err)
				}
				if !ok {
					break
				}
				if v.Kind != resp.Array && v.Kind != resp.Inline {
					panic("read back")
				}
				read++
				r.Advance()
			}
		}
		if read != 2 {
			panic("read back")
		}
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}
