package socket_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/socket"
)

// An echo server on a loopback port the system picks, reading and writing
// pooled memory through the Pipe view, and a client using the Stream view,
// a plain net.Conn.
func Example() {
	ctx := context.Background()
	f := &socket.Factory{}
	l, err := f.Bind(ctx, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	served := make(chan error, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			served <- err
			return
		}
		p, _ := c.Pipe()
		in, out := p.Input(), p.Output()
		for {
			res, err := in.Read(ctx)
			if err != nil {
				c.Abort(err)
				served <- err
				return
			}
			res.Buffer.WriteTo(out) // copies into the output's memory
			in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
			out.Flush(ctx)
			if res.Completed { // the client half-closed
				served <- c.Close()
				return
			}
		}
	}()

	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	if err != nil {
		log.Fatal(err)
	}
	s, _ := c.Stream() // a *net.TCPConn
	fmt.Fprintln(s, "hello, socket")
	reply, _ := bufio.NewReader(s).ReadString('\n')
	fmt.Print(reply)
	c.Close()
	fmt.Println(<-served)
	// Output:
	// hello, socket
	// <nil>
}
