//go:build (linux || darwin) && (amd64 || arm64)

package netpoll_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/netpoll"
)

// A server reads netpoll's buffers through the Pipe view, without
// copying, and answers; the client uses the Stream view.
func Example() {
	ctx := context.Background()
	var f netpoll.Factory
	l, err := f.Bind(ctx, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	if err != nil {
		panic(err)
	}
	defer l.Close()

	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			return
		}
		defer c.Close()
		p, _ := c.Pipe()
		res, err := p.Input().ReadAtLeast(ctx, 5)
		if err != nil {
			return
		}
		fmt.Fprintf(p.Output(), "hello, %s", res.Buffer.Slice(0, 5))
		p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
		p.Output().Flush(ctx)
	}()

	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	s, _ := c.Stream()
	io.WriteString(s, "world")
	reply := make([]byte, len("hello, world"))
	io.ReadFull(s, reply)
	fmt.Println(string(reply))
	// Output: hello, world
}
