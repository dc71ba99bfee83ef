package conntest

import (
	"context"
	"errors"
	"io"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
)

// ErrQuit is what LineEcho returns for the line "quit": the server then
// closes the connection.
var ErrQuit = errors.New("conntest: quit")

// LineEcho is a conn.InputHandler that echoes every whole line buffered,
// without waiting for more input, and returns io.EOF once the input
// ended. The line "quit" ends the connection (ErrQuit); "panic" panics.
var LineEcho = conn.InputHandlerFunc(func(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
	in, out := p.Input(), p.Output()
	for {
		res, ok, err := in.TryRead()
		if err != nil || !ok {
			return err
		}
		buf := res.Buffer
		consumed := buf.Start()
		for {
			rest := buf.SliceFrom(consumed)
			i := rest.IndexByte('\n')
			if i < 0 {
				break
			}
			line := rest.Slice(0, i+1)
			switch line.String() {
			case "quit\n":
				in.AdvanceTo(line.End(), line.End())
				out.Flush(ctx)
				return ErrQuit
			case "panic\n":
				panic("conntest: asked to panic")
			}
			if _, err := out.Write(line.Bytes()); err != nil {
				in.AdvanceTo(consumed, consumed)
				return err
			}
			consumed = line.End()
		}
		in.AdvanceTo(consumed, buf.End())
		if _, err := out.Flush(ctx); err != nil {
			return err
		}
		if res.Completed {
			return io.EOF
		}
	}
})

// Input returns a conn.Server NewInput that serves every connection with h.
func Input(h conn.InputHandler) func(conn.Connection) conn.InputHandler {
	return func(conn.Connection) conn.InputHandler { return h }
}
