package limits_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/limits"
	"github.com/f2bac256/bedrock/transports/memory"
)

func Example() {
	ctx := context.Background()
	var mem memory.Factory
	server := conn.Chain(&mem, limits.Layer(limits.Config{MaxConnections: 1}))
	l, _ := server.Bind(ctx, memory.Addr("one-at-a-time"), conn.Properties{})
	defer l.Close()

	first, _ := mem.Connect(ctx, l.Addr(), conn.Properties{})
	defer first.Close()
	s, _ := l.Accept(ctx)
	defer s.Close()

	second, _ := mem.Connect(ctx, l.Addr(), conn.Properties{})
	defer second.Close()
	_, err := l.Accept(ctx)
	var ferr *conn.FilterError
	fmt.Println(errors.As(err, &ferr), errors.Is(err, limits.ErrTooManyConnections))
	// Output: true true
}
