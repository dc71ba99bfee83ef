package logging_test

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/logging"
	"github.com/f2bac256/bedrock/transports/memory"
)

func Example() {
	// A text logger without the varying attributes, for the example's output.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	ctx := context.Background()
	f := conn.Chain(&memory.Factory{}, logging.Layer(logger, logging.Options{Trace: true, TraceBytes: 8}))

	l, _ := f.Bind(ctx, memory.Addr("server"), conn.Properties{})
	c, _ := f.Connect(ctx, l.Addr(), conn.Properties{})
	s, _ := l.Accept(ctx)
	cs, _ := c.Stream()
	cs.Write([]byte("hi"))
	c.Close()
	ss, _ := s.Stream()
	io.ReadAll(ss)
	s.Close()
	l.Close()
	// Output:
	// level=INFO msg=bind addr=server
	// level=INFO msg=connect side=client remote=server local=client-1
	// level=INFO msg=accept side=server remote=client-1 local=server
	// level=DEBUG msg=write side=client remote=server n=2 data=6869
	// level=INFO msg=close side=client remote=server local=client-1 read=0 written=2
	// level=DEBUG msg=read side=server remote=client-1 n=2 data=6869
	// level=DEBUG msg=read side=server remote=client-1 n=0 err=EOF
	// level=INFO msg=close side=server remote=client-1 local=server read=2 written=0
	// level=INFO msg="listener closed" addr=server
}
