package protocol_test

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
)

// A Writer and a Reader of a tiny length-prefixed protocol over a pipe: any
// connection's Pipe view works the same way.
func Example() {
	ctx := context.Background()
	p := pipe.New(pipe.Options{})
	w := protocol.NewWriter[[]byte](p.Writer(), tiny{})
	w.WriteMany(ctx, []byte("hello"), []byte("protocol"))
	p.Writer().Complete(nil)

	r := protocol.NewReader[pipe.Sequence](p.Reader(), tiny{}, protocol.ReaderOptions{})
	for {
		msg, err := r.Read(ctx)
		if err != nil {
			fmt.Println("end:", err)
			return
		}
		fmt.Println(msg.String()) // msg points into the pipe's memory
		r.Advance()
	}
	// Output:
	// hello
	// protocol
	// end: EOF
}
