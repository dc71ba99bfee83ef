package socks5_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"

	gosocks5 "github.com/armon/go-socks5"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/transports/socks5"
)

// A client reaching a server through a SOCKS5 proxy that wants a username
// and password: the socket transport connects to the proxy, the socks5
// layer asks it to connect on to the server. Both the proxy
// (armon/go-socks5) and the server run on loopback ports.
func Example() {
	ctx := context.Background()

	// The server greets whoever connects.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		fmt.Fprintln(c, "hello from the server")
		c.Close()
	}()

	// The proxy.
	proxy, err := gosocks5.New(&gosocks5.Config{
		Credentials: gosocks5.StaticCredentials{"alice": "s3cret"},
		Logger:      log.New(io.Discard, "", 0),
	})
	if err != nil {
		log.Fatal(err)
	}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer pl.Close()
	go proxy.Serve(pl)

	// The client.
	f := conn.Chain(&socket.Factory{}, socks5.Layer(socks5.Config{
		Proxy: pl.Addr(), Username: "alice", Password: "s3cret",
	}))
	c, err := f.Connect(ctx, ln.Addr(), conn.Properties{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	info, _ := conn.Get[*socks5.Info](c.Properties())
	fmt.Println("through the proxy:", info.Proxy == pl.Addr(), "with a password:", info.Method == socks5.MethodUsernamePassword)
	fmt.Println("remote address is the server:", c.RemoteAddr() == ln.Addr())
	s, _ := c.Stream()
	greeting, _ := bufio.NewReader(s).ReadString('\n')
	fmt.Print(greeting)
	// Output:
	// through the proxy: true with a password: true
	// remote address is the server: true
	// hello from the server
}
