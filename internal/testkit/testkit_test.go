package testkit_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
)

func TestContexts(t *testing.T) {
	ctx := testkit.Context(t)
	deadline, ok := ctx.Deadline()
	require.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(testkit.Wait), deadline, time.Second)
	assert.NoError(t, ctx.Err())
	assert.ErrorIs(t, testkit.Canceled().Err(), context.Canceled)
}

func TestAsync(t *testing.T) {
	release := make(chan struct{})
	done := testkit.Async(func() { <-release })
	testkit.RequireBlocked(t, done)
	close(release)
	testkit.RequireDone(t, done)
}

func TestTCPPair(t *testing.T) {
	client, server := testkit.TCPPair(t)
	testkit.SetDeadlines(t, testkit.Wait, client, server)
	assert.Equal(t, "127.0.0.1", client.RemoteAddr().(*net.TCPAddr).IP.String())
	_, err := client.Write([]byte("ping"))
	require.NoError(t, err)
	got := make([]byte, 4)
	_, err = io.ReadFull(server, got)
	require.NoError(t, err)
	assert.Equal(t, "ping", string(got))
}

func TestRandomBytes(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 1000} {
		b := testkit.RandomBytes(n, 5)
		assert.Len(t, b, n)
		assert.Equal(t, b, testkit.RandomBytes(n, 5), "the same seed gives the same bytes")
	}
	assert.NotEqual(t, testkit.RandomBytes(64, 1), testkit.RandomBytes(64, 2))
}

func TestRandomData(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		b := testkit.RandomData(rng, 100, []byte("ab"))
		require.Less(t, len(b), 100)
		require.Empty(t, bytes.Trim(b, "ab"))
	}
}

func TestRandomParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	seen := map[int]bool{}
	for range 2000 {
		data := testkit.RandomBytes(rng.IntN(20), rng.Uint64())
		parts := testkit.RandomParts(rng, data, 5)
		require.NotEmpty(t, parts)
		require.LessOrEqual(t, len(parts), 5)
		seen[len(parts)] = true
		require.Equal(t, string(data), string(bytes.Join(parts, nil)))
		cuts := testkit.RandomCuts(rng, len(data), 4)
		require.Len(t, cuts, 5)
		require.True(t, slices.IsSorted(cuts))
		require.Equal(t, 0, cuts[0])
		require.Equal(t, len(data), cuts[4])
	}
	assert.Len(t, seen, 5, "every part count from 1 to maxParts occurs")
}

func TestGuard(t *testing.T) {
	data := []byte("abcdef")
	g := testkit.Guard(data[1:3], 3)
	assert.Equal(t, "bc", string(g))
	assert.Equal(t, 5, cap(g))
	assert.Equal(t, []byte{'b', 'c', testkit.Junk, testkit.Junk, testkit.Junk}, g[:cap(g)])
	g[0] = 'x'
	assert.Equal(t, "abcdef", string(data), "the part is a copy")
}
