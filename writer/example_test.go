package writer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
)

// A RESP reply (an array of a bulk string and an integer) encoded with a
// Cursor straight into a pipe's memory, then read back from the pipe's
// Reader.
func Example() {
	p := pipe.New(pipe.Options{})
	w := p.Writer()

	c := writer.NewCursor(w)
	value := "hello"
	c.WriteString("*2\r\n$")
	c.WriteInt(int64(len(value)))
	c.WriteString("\r\n")
	c.WriteString(value)
	c.WriteString("\r\n:")
	c.WriteInt(-42)
	c.WriteString("\r\n")
	c.Commit() // hand the bytes to w
	w.Flush(context.Background())

	r := p.Reader()
	res, _ := r.Read(context.Background())
	fmt.Printf("%q\n", res.Buffer.String())
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	// Output: "*2\r\n$5\r\nhello\r\n:-42\r\n"
}

// Length-prefixed binary frames through ToIO: each Flush is one Write to
// the destination.
func ExampleToIO() {
	var out bytes.Buffer
	w := writer.ToIO(&out, writer.Options{})
	c := writer.NewCursor(w)
	for _, payload := range []string{"ping", "pong!"} {
		c.WriteUint32BE(uint32(len(payload)))
		c.WriteUvarint(300)
		c.WriteString(payload)
	}
	c.Commit()
	w.Flush(context.Background())
	w.Complete(nil)
	fmt.Printf("% x\n", out.Bytes())
	// Output: 00 00 00 04 ac 02 70 69 6e 67 00 00 00 05 ac 02 70 6f 6e 67 21
}

// Code that speaks io.Writer writes through Stream; io.Copy reads the
// source straight into the pipe.Writer's memory.
func ExampleStream() {
	s := writer.Stream(writer.ToIO(os.Stdout, writer.Options{}))
	fmt.Fprintf(s, "%d apples\n", 3)
	io.Copy(s, strings.NewReader("and pears\n"))
	s.Close()
	// Output:
	// 3 apples
	// and pears
}

// Buffer and Advance let any append-style encoder write in place.
func ExampleCursor_Buffer() {
	p := pipe.New(pipe.Options{})
	w := p.Writer()
	c := writer.NewCursor(w)

	b := c.Buffer(32) // at least 32 bytes at the cursor
	c.Advance(len(strconv.AppendFloat(b[:0], 3.25, 'g', -1, 64)))
	c.WriteByte('\n')
	c.Commit()
	w.Flush(context.Background())

	res, _, _ := p.Reader().TryRead()
	fmt.Print(res.Buffer.String())
	p.Reader().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	// Output: 3.25
}
