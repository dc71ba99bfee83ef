package conntest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// TalkToLineEcho is LineEcho's client: it sends lines lines of tag (the
// i-th i*step+1 bytes long, each in two writes, so that the handler sees a
// partial line first), checks each echo, then sends "quit" and checks that
// the server closes gracefully, with nothing more to read.
func TalkToLineEcho(t testing.TB, rw io.ReadWriter, tag rune, lines, step int) {
	t.Helper()
	r := bufio.NewReader(rw)
	for j := range lines {
		line := strings.Repeat(string(tag), j*step+1) + "\n"
		_, err := io.WriteString(rw, line[:len(line)/2])
		require.NoError(t, err)
		_, err = io.WriteString(rw, line[len(line)/2:])
		require.NoError(t, err)
		got, err := r.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, line, got)
	}
	_, err := io.WriteString(rw, "quit\n")
	require.NoError(t, err)
	rest, err := io.ReadAll(r)
	assert.NoError(t, err, "the server closes gracefully")
	assert.Empty(t, rest)
}
