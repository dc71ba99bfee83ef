package transports_test

import (
	"bufio"
	"context"
	stdtls "crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/compress"
	"github.com/f2bac256/bedrock/transports/logging"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/transports/tls"
)

// An echo server and client composed from the socket transport and the
// TLS, compression and logging layers: the same stack serves both sides.
// The log shows each layer-wrapped connection's events (only their
// messages and sides here, to keep the output stable).
func Example_echo() {
	pki := testkit.NewPKI(&testing.T{}) // in-memory certificates for the example
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != slog.MessageKey && a.Key != "side" {
				return slog.Attr{} // drop levels, times, addresses, durations
			}
			return a
		},
	}))
	stack := conn.Chain(&socket.Factory{},
		tls.Layer(tls.Config{Client: pki.ClientConfig(), Server: pki.ServerConfig()}),
		compress.Layer(compress.Config{Algorithm: compress.Zstd}),
		logging.Layer(logger, logging.Options{}),
	)
	ctx := context.Background()

	l, err := stack.Bind(ctx, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	if err != nil {
		panic(err)
	}
	srv := &conn.Server{Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
		s, _ := c.Stream()
		io.Copy(s, s)
	})}
	go srv.Serve(l)

	c, err := stack.Connect(ctx, l.Addr(), conn.Properties{})
	if err != nil {
		panic(err)
	}
	state, _ := conn.Get[*stdtls.ConnectionState](c.Properties())
	s, _ := c.Stream()
	fmt.Fprintln(s, "hello through tls and zstd")
	line, _ := bufio.NewReader(s).ReadString('\n')
	fmt.Print("echo: ", line)
	fmt.Println("tls:", stdtls.VersionName(state.Version))
	c.Close()
	srv.Shutdown(ctx)
	// Unordered output:
	// msg=bind
	// msg=connect side=client
	// msg=accept side=server
	// echo: hello through tls and zstd
	// tls: TLS 1.3
	// msg=close side=client
	// msg=close side=server
	// msg="listener closed"
}
