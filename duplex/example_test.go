package duplex_test

import (
	"bufio"
	"fmt"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// Two ends joined by pipes, used through their net.Conn faces: code
// written for net.Conn runs on bedrock pipes unchanged.
func ExampleNewPair() {
	client, server := duplex.NewPair(pipe.Options{})
	go func() {
		c := duplex.ToConn(server)
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Fprintf(c, "echo: %s", line)
	}()

	c := duplex.ToConn(client)
	fmt.Fprintf(c, "hello\n")
	reply, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(reply)
	c.Close()
	// Output: echo: hello
}
