package conn_test

import (
	"context"
	"fmt"
	"io"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/memory"
)

// A layer that prints what its connections read and write, and their
// totals when they close. The client uses the Stream view and the server
// the Pipe view: the hooks see the bytes either way, the Pipe's in place as
// the server consumes and commits them.
func ExampleObserve() {
	printing := func(f conn.Factory) conn.Factory {
		return conn.Filter(f, func(_ context.Context, c conn.Connection, side conn.Side) (conn.Connection, error) {
			var read, written int // one goroutine uses each connection here
			show := func(what string, b conn.Chunk, err error) {
				fmt.Printf("%v %s %q", side, what, b.AppendTo(nil))
				if err != nil {
					fmt.Print(": ", err)
				}
				fmt.Println()
			}
			return conn.Observe(c, conn.Observer{
				Read: func(b conn.Chunk, err error) {
					read += b.Len()
					show("read", b, err)
				},
				Write: func(b conn.Chunk, err error) {
					written += b.Len()
					show("wrote", b, err)
				},
				Closed: func(error) { fmt.Printf("%v closed: read %d, written %d\n", side, read, written) },
			}), nil
		})
	}
	ctx := context.Background()
	f := conn.Chain(&memory.Factory{}, printing)
	l, _ := f.Bind(ctx, memory.Addr("server"), conn.Properties{})
	defer l.Close()
	c, _ := f.Connect(ctx, l.Addr(), conn.Properties{})
	s, _ := l.Accept(ctx)

	cs, _ := c.Stream()
	cs.Write([]byte("ping"))

	sp, _ := s.Pipe()
	res, _ := sp.Input().ReadAtLeast(ctx, 4)
	sp.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	copy(sp.Output().Buffer(4), "pong")
	sp.Output().Advance(4)
	sp.Output().Flush(ctx)
	s.Close()

	io.ReadAll(cs)
	c.Close()
	// Output:
	// client wrote "ping"
	// server read "ping"
	// server wrote "pong"
	// server closed: read 4, written 4
	// client read "pong"
	// client read "": EOF
	// client closed: read 4, written 4
}
