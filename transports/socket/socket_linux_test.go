//go:build linux

package socket_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/socket"
)

// sockopt reads an integer socket option of c's socket.
func sockopt(t *testing.T, c conn.Connection, level, opt int) int {
	t.Helper()
	tc, ok := conn.Get[*net.TCPConn](c.Properties())
	require.True(t, ok)
	rc, err := tc.SyscallConn()
	require.NoError(t, err)
	var v int
	var serr error
	require.NoError(t, rc.Control(func(fd uintptr) {
		v, serr = syscall.GetsockoptInt(int(fd), level, opt)
	}))
	require.NoError(t, serr)
	return v
}

var tcpLoopback = endpoint{"tcp", func(*testing.T) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }}

func TestNoDelay(t *testing.T) {
	noLeaks(t)
	client, server := pair(t, &socket.Factory{}, tcpLoopback)
	assert.NotZero(t, sockopt(t, client, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "client")
	assert.NotZero(t, sockopt(t, server, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "server")

	on, off := true, false
	client, server = pair(t, &socket.Factory{NoDelay: &off}, tcpLoopback)
	assert.Zero(t, sockopt(t, client, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "client")
	assert.Zero(t, sockopt(t, server, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "server")

	client, server = pair(t, &socket.Factory{NoDelay: &on}, tcpLoopback)
	assert.NotZero(t, sockopt(t, client, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "client")
	assert.NotZero(t, sockopt(t, server, syscall.IPPROTO_TCP, syscall.TCP_NODELAY), "server")
}

func TestKeepAlive(t *testing.T) {
	noLeaks(t)

	// The default: the net package's, on with 15 s.
	client, server := pair(t, &socket.Factory{}, tcpLoopback)
	for _, c := range []conn.Connection{client, server} {
		assert.NotZero(t, sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE))
		assert.Equal(t, 15, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE))
	}

	// A period of its own.
	client, server = pair(t, &socket.Factory{KeepAlive: 37 * time.Second}, tcpLoopback)
	for _, c := range []conn.Connection{client, server} {
		assert.NotZero(t, sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE))
		assert.Equal(t, 37, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE))
		assert.Equal(t, 37, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL))
	}

	// Disabled.
	client, server = pair(t, &socket.Factory{KeepAlive: -1}, tcpLoopback)
	for _, c := range []conn.Connection{client, server} {
		assert.Zero(t, sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE))
	}
}

// TestAbortResets aborts one side, its view in use or not: the peer's next
// read fails with a reset, through either view.
func TestAbortResets(t *testing.T) {
	for _, tc := range []struct {
		name             string
		abortClient      bool
		abortedView      string // "", "stream" or "pipe"
		peerReadsThrough string // "stream" or "pipe"
	}{
		{"client/no_view/peer_stream", true, "", "stream"},
		{"client/stream/peer_pipe", true, "stream", "pipe"},
		{"server/pipe/peer_stream", false, "pipe", "stream"},
		{"server/stream/peer_pipe", false, "stream", "pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			ctx := testkit.Context(t)
			client, server := pair(t, &socket.Factory{}, tcpLoopback)
			aborted, peer := client, server
			if !tc.abortClient {
				aborted, peer = server, client
			}
			switch tc.abortedView {
			case "stream":
				s, err := aborted.Stream()
				require.NoError(t, err)
				_, err = s.Write([]byte("some bytes"))
				require.NoError(t, err)
			case "pipe":
				p, err := aborted.Pipe()
				require.NoError(t, err)
				p.Output().Write([]byte("unflushed bytes, discarded"))
			}

			// The peer is blocked reading when the reset arrives.
			readErr := make(chan error, 1)
			go func() {
				switch tc.peerReadsThrough {
				case "stream":
					s, err := peer.Stream()
					if err != nil {
						readErr <- err
						return
					}
					buf := make([]byte, 64)
					for {
						if _, err := s.Read(buf); err != nil {
							readErr <- err
							return
						}
					}
				case "pipe":
					p, err := peer.Pipe()
					if err != nil {
						readErr <- err
						return
					}
					for {
						res, err := p.Input().Read(ctx)
						if err != nil {
							readErr <- err
							return
						}
						p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
						if res.Completed {
							readErr <- errors.New("the stream ended cleanly")
							return
						}
					}
				}
			}()
			time.Sleep(20 * time.Millisecond)
			aborted.Abort(errors.New("test abort"))
			err := <-readErr
			assert.ErrorIs(t, err, syscall.ECONNRESET)
			assert.NotErrorIs(t, err, context.DeadlineExceeded)

			assert.ErrorIs(t, aborted.Close(), net.ErrClosed)
			peer.Abort(nil)
		})
	}
}
