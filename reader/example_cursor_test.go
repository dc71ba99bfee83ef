package reader_test

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

// Parsing "\r\n"-terminated lines that straddle segment edges, without
// copying them.
func ExampleCursor_ReadToSeq() {
	s := pipe.SequenceOf([]byte("GET / HTTP/1.1\r"), []byte("\nHost: exa"), []byte("mple.com\r\n\r\npartial"))
	c := reader.NewCursor(s)
	crlf := []byte("\r\n")
	for {
		line, ok := c.ReadToSeq(crlf, true)
		if !ok {
			break
		}
		if line.IsEmpty() {
			fmt.Println("end of headers")
			continue
		}
		fmt.Printf("%q in %d segment(s)\n", line.String(), len(cursorExampleSegments(line)))
	}
	fmt.Printf("left for the next read: %q\n", c.UnreadSequence().String())
	// Output:
	// "GET / HTTP/1.1" in 1 segment(s)
	// "Host: example.com" in 2 segment(s)
	// end of headers
	// left for the next read: "partial"
}

func cursorExampleSegments(s pipe.Sequence) (out [][]byte) {
	for b := range s.All() {
		out = append(out, b)
	}
	return out
}

// Parsing length-prefixed frames (a big-endian uint16 type, a uvarint
// length, the payload) from a pipe: a frame that is not all there yet is
// left for the next Read, and the consumed position goes back to the pipe.
func ExampleCursor_frames() {
	p := pipe.New(pipe.Options{})
	ctx := context.Background()

	var frames []byte
	for i, payload := range []string{"hello", "", "a longer payload"} {
		frames = binary.BigEndian.AppendUint16(frames, uint16(i+1))
		frames = binary.AppendUvarint(frames, uint64(len(payload)))
		frames = append(frames, payload...)
	}
	go func() {
		w := p.Writer()
		for len(frames) > 0 { // in uneven pieces
			n := min(len(frames), 7)
			w.Write(frames[:n])
			frames = frames[n:]
			w.Flush(ctx)
		}
		w.Complete(nil)
	}()

	r := p.Reader()
	var c reader.Cursor
	for {
		res, err := r.Read(ctx)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		c.Reset(res.Buffer)
		for {
			start := c.Consumed()
			typ, ok := c.ReadUint16BE()
			if !ok {
				break
			}
			n, err := c.ReadUvarint()
			if err != nil { // reader.ErrIncomplete: wait for more
				c.Rewind(c.Consumed() - start)
				break
			}
			payload, ok := c.ReadN(int64(n))
			if !ok {
				c.Rewind(c.Consumed() - start)
				break
			}
			fmt.Printf("frame type %d: %q\n", typ, payload.String())
		}
		r.AdvanceTo(c.Position(), res.Buffer.End())
		if res.Completed {
			r.Complete(nil)
			return
		}
	}
	// Output:
	// frame type 1: "hello"
	// frame type 2: ""
	// frame type 3: "a longer payload"
}

// A Cursor is an io.ByteReader.
func ExampleCursor_ReadByte() {
	c := reader.NewCursor(pipe.SequenceOf([]byte{0xac}, []byte{0x02, 'x'}))
	v, err := binary.ReadUvarint(&c)
	fmt.Println(v, err, c.Remaining())
	// Output: 300 <nil> 1
}
