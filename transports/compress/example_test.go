package compress_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/compress"
	"github.com/f2bac256/bedrock/transports/memory"
)

// An echo server and its client, both compressing with zstd over the
// in-memory transport; the client's Stats show what compression saved.
func Example() {
	ctx := context.Background()
	transport := conn.Chain(&memory.Factory{}, compress.Layer(compress.Config{Algorithm: compress.Zstd}))
	l, err := transport.Bind(ctx, memory.Addr("echo"), conn.Properties{})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := l.Accept(ctx)
		if err != nil {
			return
		}
		s, _ := c.Stream()
		io.Copy(s, s) // decompresses what it reads, compresses what it writes
		c.Close()
	}()

	c, err := transport.Connect(ctx, l.Addr(), conn.Properties{})
	if err != nil {
		panic(err)
	}
	s, _ := c.Stream()
	msg := strings.Repeat("all work and no play makes Jack a dull boy. ", 100)
	fmt.Fprint(s, msg)
	reply := make([]byte, len(msg))
	io.ReadFull(s, reply)
	fmt.Println("echoed intact:", string(reply) == msg)

	stats, _ := conn.Get[*compress.Stats](c.Properties())
	_, raw := stats.Raw()
	_, compressed := stats.Compressed()
	fmt.Printf("%v: wrote %d bytes, compressed smaller: %v\n", stats.Algorithm(), raw, compressed < raw)
	c.Close()
	<-served
	// Output:
	// echoed intact: true
	// zstd: wrote 4400 bytes, compressed smaller: true
}
