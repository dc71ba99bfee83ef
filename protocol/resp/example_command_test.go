package resp_test

import (
	"fmt"

	"github.com/f2bac256/bedrock/protocol/resp"
)

// A server reads the commands of a pipelined batch in place with
// ParseCommand, and leaves what it refuses (here a command cut short at
// the end of the bytes received) to Parse.
func ExampleCodec_ParseCommand() {
	batch := []byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n*1\r\n$4\r\nPI")
	codec := resp.Codec{Inline: true}
	var args [][]byte
	for {
		var n int
		var ok bool
		if args, n, ok = codec.ParseCommand(batch, args[:0]); !ok {
			break
		}
		fmt.Printf("%q\n", args)
		batch = batch[n:]
	}
	fmt.Printf("left to Parse: %q\n", batch)
	// Output:
	// ["GET" "k"]
	// ["SET" "k" "v"]
	// ["PING"]
	// left to Parse: "*1\r\n$4\r\nPI"
}
