package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// BenchmarkPipelined measures the server's work per command (parse,
// execute, reply, one flush per batch) over in-memory pipes, with batches
// of 16 commands as redis-benchmark -P 16 sends them: one op is one
// command.
func BenchmarkPipelined(b *testing.B) {
	for _, tc := range []struct{ name, cmd string }{
		{"PING", "*1\r\n$4\r\nPING\r\n"},
		{"SET", "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n"},
		{"GET", "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const depth = 16
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			client, server := duplex.NewPair(pipe.Options{})
			h := NewHandler(newStore(), slog.New(slog.DiscardHandler))
			h.store.Set([]byte("key:__rand_int__"), []byte("xxx"), SetAlways, 0, false)
			done := make(chan error, 1)
			go func() { done <- h.Serve(ctx, server) }()
			batch := []byte(strings.Repeat(tc.cmd, depth))
			replies := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})
			b.SetBytes(int64(len(tc.cmd)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += depth {
				client.Output().Write(batch)
				if _, err := client.Output().Flush(ctx); err != nil {
					b.Fatal(err)
				}
				for range depth {
					if _, err := replies.Read(ctx); err != nil {
						b.Fatal(err)
					}
					replies.Advance()
				}
			}
			b.StopTimer()
			client.Output().Complete(nil)
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
