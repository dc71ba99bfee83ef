package line_test

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/line"
)

// Lines written with a protocol.Writer and read back with a
// protocol.Reader, over a Pipe.
func Example() {
	ctx := context.Background()
	p := pipe.New(pipe.Options{})
	codec := line.Codec{Delimiter: line.CRLF, MaxLength: 64}

	w := protocol.NewWriter[[]byte](p.Writer(), codec)
	if err := w.WriteMany(ctx, []byte("HELO example.com"), []byte("MAIL FROM:<a@example.com>"), []byte("QUIT")); err != nil {
		fmt.Println(err)
		return
	}
	p.Writer().Complete(nil)

	r := protocol.NewReader[pipe.Sequence](p.Reader(), codec, protocol.ReaderOptions{})
	for {
		msg, err := r.Read(ctx)
		if err != nil {
			fmt.Println(err)
			break
		}
		// msg references the pipe's memory: use it before Advance.
		fmt.Printf("%q\n", msg.String())
		r.Advance()
	}
	// Output:
	// "HELO example.com"
	// "MAIL FROM:<a@example.com>"
	// "QUIT"
	// EOF
}

// Parse on its own: the line without its delimiter, and where the next one
// starts.
func ExampleCodec_Parse() {
	buf := pipe.SequenceOf([]byte("first\nsec"), []byte("ond\nthi"))
	var codec line.Codec // LF
	for {
		msg, consumed, _, err := codec.Parse(buf)
		if err != nil {
			fmt.Println(err, "with", buf.Len(), "bytes left")
			break
		}
		fmt.Println(msg.String())
		buf = buf.SliceFrom(consumed)
	}
	// Output:
	// first
	// second
	// reader: incomplete: more data needed with 3 bytes left
}
