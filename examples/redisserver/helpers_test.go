package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
	"github.com/f2bac256/bedrock/transports/socket"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"),
	)
}

// transports are the transports every server test runs on.
var transports = []string{"auto", "socket"}

// startServer runs the server on a free loopback port over transport and
// returns its address. It is shut down, and must have stopped, when t
// ends.
func startServer(t *testing.T, transport string) string {
	t.Helper()
	addr, _ := startServerLogged(t, transport)
	return addr
}

// startServerLogged is startServer that also returns the server's log.
func startServerLogged(t *testing.T, transport string) (string, *testkit.LogBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	logger, log := testkit.NewLogger(slog.LevelDebug)
	go func() {
		done <- run(ctx, "127.0.0.1:0", transport, logger, func(a net.Addr) { addrs <- a })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err, "graceful shutdown")
		case <-time.After(testkit.Wait):
			t.Error("the server did not shut down")
		}
	})
	select {
	case a := <-addrs:
		return a.String(), log
	case err := <-done:
		t.Fatalf("the server did not start: %v", err)
	case <-time.After(testkit.Wait):
		t.Fatal("the server did not start in time")
	}
	return "", nil
}

// client is a Redis client built from bedrock pieces: resp.Command over a
// protocol.Writer, replies from a protocol.Reader of resp.Value, on a
// socket connection's Pipe view.
type client struct {
	t   *testing.T
	c   conn.Connection
	ctx context.Context
	w   *protocol.Writer[[][]byte]
	r   *protocol.Reader[resp.Value]
}

// dial connects a client to addr, closed when t ends.
func dial(t *testing.T, addr string) *client {
	t.Helper()
	ctx := testkit.Context(t)
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	require.NoError(t, err)
	c, err := (&socket.Factory{}).Connect(ctx, tcp, conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Abort(nil) })
	p, err := c.Pipe()
	require.NoError(t, err)
	return &client{
		t: t, c: c, ctx: ctx,
		w: protocol.NewWriter[[][]byte](p.Output(), resp.Command{}),
		r: protocol.NewReader[resp.Value](p.Input(), resp.Codec{}, protocol.ReaderOptions{}),
	}
}

// args turns words into a command.
func args(words ...string) [][]byte {
	a := make([][]byte, len(words))
	for i, w := range words {
		a[i] = []byte(w)
	}
	return a
}

// do sends one command and returns its reply as resp.Value.String shows
// it: +OK, :1, $"value", $nil, -ERR ..., *[...].
func (c *client) do(words ...string) string {
	c.t.Helper()
	require.NoError(c.t, c.w.Write(c.ctx, args(words...)))
	return c.reply()
}

// reply reads one reply.
func (c *client) reply() string {
	c.t.Helper()
	v, err := c.r.Read(c.ctx)
	require.NoError(c.t, err)
	s := v.String()
	c.r.Advance()
	return s
}

// requireClosed checks that the server closed the connection: the next
// read finds the end of the stream.
func (c *client) requireClosed() {
	c.t.Helper()
	_, err := c.r.Read(c.ctx)
	require.ErrorIs(c.t, err, io.EOF, "the server closed the connection")
}

// rawDial opens a plain TCP connection to addr, closed when t ends, with
// deadlines so that a broken test fails instead of hanging.
func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testkit.Wait)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	testkit.SetDeadlines(t, testkit.Wait, c)
	return c
}

// readN reads exactly n bytes from c.
func readN(t *testing.T, c net.Conn, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	require.NoError(t, err)
	return string(b)
}
