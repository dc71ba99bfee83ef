package metrics_test

import (
	"context"
	"fmt"
	"io"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/metrics"
)

func Example() {
	ctx := context.Background()
	var m metrics.Meter
	f := conn.Chain(&memory.Factory{}, metrics.Layer(&m))

	l, _ := f.Bind(ctx, memory.Addr("server"), conn.Properties{})
	defer l.Close()
	c, _ := f.Connect(ctx, l.Addr(), conn.Properties{})
	s, _ := l.Accept(ctx)

	cs, _ := c.Stream()
	cs.Write([]byte("hello, server"))
	c.Close()
	ss, _ := s.Stream()
	got, _ := io.ReadAll(ss)
	stats, _ := conn.Get[*metrics.ConnStats](s.Properties())
	fmt.Printf("server read %q: %d bytes\n", got, stats.BytesRead())
	s.Close()

	fmt.Printf("%+v\n", m.Snapshot())
	// Output:
	// server read "hello, server": 13 bytes
	// {BytesRead:13 BytesWritten:13 Open:0 Opened:2 Closed:2}
}
