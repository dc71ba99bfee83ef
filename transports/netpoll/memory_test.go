//go:build (linux || darwin) && (amd64 || arm64) && !race

package netpoll

import (
	"net"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
)

// TestInputMemoryIsReused: the input buffers netpoll reads into go back to
// its pool once the reader advances past them, and are read into again.
// Echoing 8 MiB in 8 KiB rounds costs far less than 8 MiB of fresh memory;
// when the transport kept netpoll's buffer list alive (it never released
// the nodes it had sliced), every byte landed in new memory, with a page
// fault per 4 KiB.
func TestInputMemoryIsReused(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	cc, sc := pair(t, &f, l)
	c, s := pipes(t, cc, sc)
	const round, rounds = 8 << 10, 1024
	msg := testkit.RandomBytes(round, 7)

	ctx := testkit.Context(t)
	var werr error
	done := testkit.Async(func() {
		in, out := s.Input(), s.Output()
		for range rounds {
			res, err := in.ReadAtLeast(testkit.Context(t), round)
			if werr = err; err != nil {
				return
			}
			res.Buffer.Slice(0, round).CopyTo(out.Buffer(round))
			out.Advance(round)
			in.Consume(res.Buffer.PositionAt(round))
			if _, werr = out.Flush(ctx); werr != nil {
				return
			}
		}
	})

	got := make([]byte, round)
	echo := func() {
		_, err := c.Output().Write(msg)
		require.NoError(t, err)
		_, err = c.Output().Flush(ctx)
		require.NoError(t, err)
		res, err := c.Input().ReadAtLeast(ctx, round)
		require.NoError(t, err)
		res.Buffer.Slice(0, round).CopyTo(got)
		c.Input().Consume(res.Buffer.PositionAt(round))
		require.Equal(t, msg, got)
	}
	for range 64 { // warm up: buffers grown, pools filled
		echo()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range rounds - 64 {
		echo()
	}
	runtime.ReadMemStats(&after)
	testkit.RequireDone(t, done)
	require.NoError(t, werr)
	allocated := after.TotalAlloc - before.TotalAlloc
	transferred := uint64(2 * round * (rounds - 64)) // both directions
	assert.Less(t, allocated, transferred/8, "bytes allocated while echoing %d bytes", transferred)
}
