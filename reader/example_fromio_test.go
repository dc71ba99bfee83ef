package reader_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/f2bac256/bedrock/reader"
)

// FromIO turns any io.Reader into a pipe.Reader: here a reader that
// answers a request split into three reads.
func ExampleFromIO() {
	src := strings.NewReader("GET / HTTP/1.1\r\n\r\n")
	r := reader.FromIO(src, reader.Options{MinimumReadSize: 8, BufferSize: 8})
	ctx := context.Background()
	for {
		res, err := r.Read(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		if i := res.Buffer.Index([]byte("\r\n\r\n")); i >= 0 {
			fmt.Printf("request head: %q\n", res.Buffer.Slice(0, i).String())
			r.AdvanceTo(res.Buffer.PositionAt(i+4), res.Buffer.PositionAt(i+4))
			return
		}
		// Not complete: consume nothing, examine everything, read more.
		r.AdvanceTo(res.Buffer.Start(), res.Buffer.End())
	}
	// Output: request head: "GET / HTTP/1.1"
}

// Stream turns a pipe.Reader back into an io.Reader.
func ExampleStream() {
	r := reader.FromIO(strings.NewReader("round trip"), reader.Options{})
	b, err := io.ReadAll(reader.Stream(r))
	fmt.Println(string(b), err)
	// Output: round trip <nil>
}
