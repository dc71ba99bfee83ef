//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/cloudwego/netpoll"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
)

// netpoll starts its pollers (one goroutine each, in (*defaultPoll).Wait,
// blocked in epoll_wait or kevent) on first use and keeps them for the
// process's life: they are ignored by naming that function, wherever it is
// on the stack (the top is a syscall or the runtime's). Its task runner's
// workers exit once idle and are not ignored. Its logger, which reports
// resets it sees, writes to io.Discard.
func TestMain(m *testing.M) {
	netpoll.SetLoggerOutput(io.Discard)
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"),
	)
}

// networks are the address kinds the tests run on.
func networks(t *testing.T) map[string]net.Addr {
	return map[string]net.Addr{
		"tcp":  &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)},
		"unix": &net.UnixAddr{Net: "unix", Name: filepath.Join(t.TempDir(), "s")},
	}
}

// bind listens on addr, closed at t's cleanup.
func bind(t *testing.T, f *Factory, addr net.Addr) conn.Listener {
	t.Helper()
	l, err := f.Bind(testkit.Context(t), addr, conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// pair connects to l and accepts; both connections are aborted at t's
// cleanup.
func pair(t *testing.T, f *Factory, l conn.Listener) (client, server conn.Connection) {
	t.Helper()
	ctx := testkit.Context(t)
	client, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { client.Abort(nil) })
	server, err = l.Accept(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { server.Abort(nil) })
	require.Equal(t, client.LocalAddr().String(), server.RemoteAddr().String())
	return client, server
}

// pipes returns the Pipe views of c and s.
func pipes(t *testing.T, c, s conn.Connection) (duplex.Pipe, duplex.Pipe) {
	t.Helper()
	cp, err := c.Pipe()
	require.NoError(t, err)
	sp, err := s.Pipe()
	require.NoError(t, err)
	return cp, sp
}

// send writes b to w and flushes.
func send(t *testing.T, w pipe.Writer, b []byte) {
	t.Helper()
	_, err := w.Write(b)
	require.NoError(t, err)
	_, err = w.Flush(testkit.Context(t))
	require.NoError(t, err)
}

// readAll reads from r until Completed or an error and returns the bytes
// and the error.
func readAll(ctx context.Context, r pipe.Reader) ([]byte, error) {
	var got []byte
	for {
		res, err := r.Read(ctx)
		if err != nil {
			return got, err
		}
		got = append(got, res.Buffer.Bytes()...)
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if res.Completed {
			return got, nil
		}
	}
}

// readN reads exactly n bytes from r.
func readN(t *testing.T, r pipe.Reader, n int) []byte {
	t.Helper()
	res, err := r.ReadAtLeast(testkit.Context(t), n)
	require.NoError(t, err)
	require.GreaterOrEqual(t, res.Buffer.Len(), int64(n))
	got := res.Buffer.Slice(0, int64(n)).Bytes()
	r.Consume(res.Buffer.PositionAt(int64(n)))
	return got
}
