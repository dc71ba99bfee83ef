package resp_test

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// A client writes commands with Command; the server reads them, inline or
// not, and answers with the Append functions; the client reads the replies.
func Example() {
	ctx := context.Background()
	requests, replies := pipe.New(pipe.Options{}), pipe.New(pipe.Options{})

	// The client's side: two commands, and one inline as telnet sends it.
	cw := protocol.NewWriter[[][]byte](requests.Writer(), resp.Command{})
	if err := cw.WriteMany(ctx, [][]byte{[]byte("SET"), []byte("k"), []byte("v")}, [][]byte{[]byte("HGETALL"), []byte("h")}); err != nil {
		fmt.Println(err)
		return
	}
	requests.Writer().Write([]byte("PING\r\n"))
	requests.Writer().Complete(nil)

	// The server's side.
	// A Decoder per stream: a command arriving in many reads is read in
	// one pass.
	sr := protocol.NewReader[resp.Value](requests.Reader(), resp.NewDecoder(resp.Codec{Inline: true}), protocol.ReaderOptions{})
	out := protocol.NewWriter[resp.Value](replies.Writer(), resp.Codec{})
	for {
		cmd, err := sr.Read(ctx)
		if err != nil {
			fmt.Println("server:", err)
			break
		}
		it := cmd.Elements()
		name, _ := it.Next()
		fmt.Printf("server: %s %s with %d arguments\n", cmd.Kind, name.Data.String(), it.Remaining())
		var reply []byte
		switch name.Data.String() {
		case "SET":
			reply = []byte("+OK\r\n")
		case "HGETALL":
			reply = []byte("%1\r\n$5\r\nfield\r\n$5\r\nvalue\r\n")
		default:
			reply = []byte("+PONG\r\n")
		}
		v, _, _, _ := resp.Codec{}.Parse(pipe.SequenceOf(reply))
		if err := out.Write(ctx, v); err != nil {
			fmt.Println(err)
		}
		sr.Advance()
	}
	replies.Writer().Complete(nil)

	// The client reads the replies.
	cr := protocol.NewReader[resp.Value](replies.Reader(), resp.NewDecoder(resp.Codec{}), protocol.ReaderOptions{})
	for {
		v, err := cr.Read(ctx)
		if err != nil {
			fmt.Println("client:", err)
			break
		}
		// v references the pipe's memory: use it before Advance.
		fmt.Printf("client: %s %q", v.Kind, v.Data.String())
		v.Each(func(e resp.Value) bool {
			fmt.Printf(" [%s %q]", e.Kind, e.Data.String())
			return true
		})
		fmt.Println()
		cr.Advance()
	}
	// Output:
	// server: Array SET with 2 arguments
	// server: Array HGETALL with 1 arguments
	// server: Inline PING with 0 arguments
	// server: EOF
	// client: SimpleString "OK"
	// client: Map "$5\r\nfield\r\n$5\r\nvalue\r\n" [BulkString "field"] [BulkString "value"]
	// client: SimpleString "PONG"
	// client: EOF
}

// Parse on its own, and the elements of a nested reply.
func ExampleCodec_Parse() {
	buf := pipe.SequenceOf([]byte("*3\r\n:1\r\n*2\r\n$3\r\nfoo\r\n_\r\n,-inf\r\n:4"), []byte("2\r\n"))
	var codec resp.Codec
	for {
		v, consumed, _, err := codec.Parse(buf)
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println(v.Kind, v.Len, v.Int)
		for it := v.Elements(); it.Remaining() > 0; {
			e, _ := it.Next()
			fmt.Println(" ", e.Kind, e.Len, e.Float, e.Int)
		}
		buf = buf.SliceFrom(consumed)
	}
	// Output:
	// Array 3 0
	//   Integer 0 0 1
	//   Array 2 0 0
	//   Double 0 -Inf 0
	// Integer 0 42
	// reader: incomplete: more data needed
}
