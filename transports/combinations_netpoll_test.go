//go:build (linux || darwin) && (amd64 || arm64)

package transports_test

import (
	"net"

	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/netpoll"
)

func init() {
	// netpoll closes a connection when its peer half-closes (see its
	// package doc): its stacks echo without half-closing.
	// netpoll's pollers live as long as the process.
	leakOptions = append(leakOptions, goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"))
	bases = append(bases, base{"netpoll", func() conn.Factory { return &netpoll.Factory{} },
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, false})
}
