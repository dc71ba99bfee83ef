//go:build (linux || darwin) && (amd64 || arm64)

package readpath

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stream sends total bytes to a reader and returns what it drained.
func stream(tb testing.TB, r Reader, total int64, measure func(func())) int64 {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sent := make(chan error, 1)
	go func() { sent <- Send(l, total) }()
	drain, closer, err := r.Dial(ctx, l.Addr())
	require.NoError(tb, err)
	defer closer.Close()
	var n int64
	measure(func() {
		n, err = drain()
	})
	require.NoError(tb, err)
	require.NoError(tb, <-sent)
	return n
}

// BenchmarkRead drains a loopback stream; MB/s is per byte read, and
// every reader pays the kernel's copy: the differences are what each
// adds on top. bedrock-netpoll-copy is bedrock-netpoll with one copy of
// every byte added.
func BenchmarkRead(b *testing.B) {
	for _, r := range Readers() {
		b.Run("impl="+r.Name, func(b *testing.B) {
			b.SetBytes(ChunkSize)
			b.ReportAllocs()
			total := int64(b.N) * ChunkSize
			n := stream(b, r, total, func(f func()) {
				b.ResetTimer()
				f()
				b.StopTimer()
			})
			require.Equal(b, total, n)
		})
	}
}

// Every reader drains every byte sent, up to the peer's end.
func TestReadersDrainEverything(t *testing.T) {
	for _, r := range Readers() {
		t.Run(r.Name, func(t *testing.T) {
			for _, total := range []int64{0, 1, ChunkSize - 1, 3*ChunkSize + 17} {
				require.Equal(t, total, stream(t, r, total, func(f func()) { f() }), "total %d", total)
			}
		})
	}
}
