package conn_test

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/memory"
)

// An echo server and its client on the in-memory transport. The server
// reads through the Stream view; swapping the transport for
// transports/socket changes nothing else.
func Example() {
	ctx := context.Background()
	transport := &memory.Factory{}
	l, err := transport.Bind(ctx, memory.Addr("echo"), conn.Properties{})
	if err != nil {
		panic(err)
	}
	srv := &conn.Server{Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
		s, _ := c.Stream()
		io.Copy(s, s)
	})}
	go srv.Serve(l)

	client := &conn.Client{Transport: transport}
	c, err := client.Connect(ctx, memory.Addr("echo"), conn.Properties{})
	if err != nil {
		panic(err)
	}
	s, _ := c.Stream()
	fmt.Fprintln(s, "hello, bedrock")
	line, _ := bufio.NewReader(s).ReadString('\n')
	fmt.Print(line)
	c.Close()
	srv.Shutdown(ctx)
	// Output: hello, bedrock
}

// Layers expose what they know as typed properties; the ones above pass
// them on, override them or hide them.
func ExampleGet() {
	type cipher struct{ name string }
	type rawSocket struct{}

	var p conn.Properties
	p = conn.With(p, rawSocket{})           // a transport exposes its socket
	p = conn.With(p, cipher{"AES-128-GCM"}) // a TLS layer adds its state...
	p = conn.Without[rawSocket](p)          // ...and hides the raw socket

	if c, ok := conn.Get[cipher](p); ok {
		fmt.Println("cipher:", c.name)
	}
	_, ok := conn.Get[rawSocket](p)
	fmt.Println("raw socket visible:", ok)
	// Output:
	// cipher: AES-128-GCM
	// raw socket visible: false
}
