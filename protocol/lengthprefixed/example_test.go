package lengthprefixed_test

import (
	"context"
	"fmt"
	"io"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/lengthprefixed"
)

// Messages framed by a 4-byte big-endian length that counts itself, written
// with a protocol.Writer and read back with a protocol.Reader. The bodies
// reference the pipe's memory until Advance.
func Example() {
	codec := lengthprefixed.Codec{Header: lengthprefixed.Uint32BE, Adjust: -4}
	p := pipe.New(pipe.Options{})
	ctx := context.Background()

	go func() {
		w := protocol.NewWriter[[]byte](p.Writer(), codec)
		w.WriteMany(ctx, []byte("hello"), []byte(""), []byte("world"))
		p.Writer().Complete(nil)
	}()

	r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{})
	for {
		body, err := r.Read(ctx)
		if err == io.EOF {
			break
		} else if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%d bytes: %q\n", body.Len(), body.String())
		r.Advance()
	}
	p.Reader().Complete(nil)

	// A declared length smaller than the header itself is malformed.
	bad := pipe.SequenceOf([]byte{0, 0, 0, 2, 'x'})
	_, _, _, err := codec.Parse(bad)
	fmt.Println(err)
	// Output:
	// 5 bytes: "hello"
	// 0 bytes: ""
	// 5 bytes: "world"
	// lengthprefixed: bad length: declared length 2-4 is negative
}
