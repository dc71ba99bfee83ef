package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// A Handler serves a client over any duplex.Pipe: here an in-memory one,
// with commands pipelined in one write, the last one inline.
func ExampleHandler_Serve() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, server := duplex.NewPair(pipe.Options{})
	h := NewHandler(newStore(), slog.New(slog.DiscardHandler))
	go h.Serve(ctx, server)

	w := protocol.NewWriter[[][]byte](client.Output(), resp.Command{})
	w.WriteMany(ctx,
		[][]byte{[]byte("SET"), []byte("greeting"), []byte("hello")},
		[][]byte{[]byte("GET"), []byte("greeting")},
		[][]byte{[]byte("INCR"), []byte("greeting")},
	)
	client.Output().Write([]byte("EXISTS greeting nothing\r\n"))
	client.Output().Flush(ctx)

	r := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})
	for range 4 {
		v, err := r.Read(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(v)
		r.Advance()
	}
	// Output:
	// +OK
	// $"hello"
	// -ERR value is not an integer or out of range
	// :1
}
