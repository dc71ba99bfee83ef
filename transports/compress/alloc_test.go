//go:build !race

// Allocation counts are only meaningful without the race detector.

package compress_test

import (
	"io"
	"testing"

	"github.com/f2bac256/bedrock/transports/compress"
	"github.com/stretchr/testify/assert"
)

// The layer adds no allocation per message: a round trip allocates
// nothing once warm, but for one of the S2 library's (it pools its
// buffers as slices, which boxes them).
func TestRoundTripAllocations(t *testing.T) {
	msg := compressible(1024)
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			client, server := compressed(t, compress.Config{Algorithm: alg})
			c, s := streams(t, client, server)
			buf := make([]byte, len(msg))
			roundTrip := func() {
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(s, buf); err != nil {
					t.Fatal(err)
				}
			}
			roundTrip() // creates the encoder and the decoder
			allocs := testing.AllocsPerRun(1000, roundTrip)
			limit := 0.0
			if alg == compress.S2 {
				limit = 1
			}
			assert.LessOrEqual(t, allocs, limit)
		})
	}
}
