//go:build !race

// Allocation counts are only meaningful without the race detector.

package resp_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/protocol/resp"
)

// ParseCommand allocates nothing once dst has room for the arguments.
func TestParseCommandAllocatesNothing(t *testing.T) {
	stream := []byte(strings.Repeat("*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n", 16))
	args := make([][]byte, 0, 8)
	run := func() {
		for b := stream; len(b) > 0; {
			var n int
			var ok bool
			if args, n, ok = (resp.Codec{}).ParseCommand(b, args[:0]); !ok || len(args) != 3 {
				panic("not a command")
			}
			b = b[n:]
		}
	}
	require.NotPanics(t, run)
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, run))
}
