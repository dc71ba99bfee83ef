package pipe_test

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
)

// A writer sends newline-terminated messages in pieces; the reader parses
// whole lines in place and leaves a partial line for the next Read.
func Example() {
	p := pipe.New(pipe.Options{})
	ctx := context.Background()

	go func() {
		w := p.Writer()
		for _, piece := range []string{"hel", "lo\nwor", "ld\n", "bye\n"} {
			w.Write([]byte(piece))
			w.Flush(ctx)
		}
		w.Complete(nil)
	}()

	r := p.Reader()
	for {
		res, err := r.Read(ctx)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		buf := res.Buffer
		for {
			i := buf.IndexByte('\n')
			if i < 0 {
				break
			}
			fmt.Printf("line %q\n", buf.Slice(0, i).String())
			buf = buf.Slice(i+1, buf.Len())
		}
		// Consumed: the whole lines. Examined: everything, so the next Read
		// waits for more data rather than returning the partial line again.
		r.AdvanceTo(buf.Start(), res.Buffer.End())
		if res.Completed {
			r.Complete(nil)
			return
		}
	}
	// Output:
	// line "hello"
	// line "world"
	// line "bye"
}

// Writing straight into the pipe's memory: no intermediate buffer.
func ExampleWriter_Buffer() {
	p := pipe.New(pipe.Options{})
	w := p.Writer()

	buf := w.Buffer(5) // at least 5 bytes of pooled memory
	n := copy(buf, "hello")
	w.Advance(n)
	w.Flush(context.Background())

	res, _, _ := p.Reader().TryRead()
	fmt.Println(res.Buffer.String())
	p.Reader().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	// Output: hello
}
