package auto_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/auto"
)

// The platform's default transport serves and dials TCP; the code does not
// depend on which one it is.
func Example() {
	ctx := context.Background()
	f := auto.Factory()
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
		s, _ := c.Stream()
		io.Copy(s, s) // echo until the client closes
	}()

	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	s, _ := c.Stream()
	io.WriteString(s, "ping")
	reply := make([]byte, 4)
	io.ReadFull(s, reply)
	fmt.Println(string(reply))
	// Output: ping
}
