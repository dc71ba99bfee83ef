//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
)

// TestLastBytesBeforeCloseArrive: bytes flushed just before Close reach
// the peer even when the closing side has unread input (half the rounds):
// Close lingers until the peer's end instead of resetting the connection,
// which made the peer's kernel drop the bytes it had not handed over yet
// (about one round in twenty failed with "connection reset by peer").
func TestLastBytesBeforeCloseArrive(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	for i := range 200 {
		c, s := pair(t, &f, l)
		cp, sp := pipes(t, c, s)
		var got []byte
		var err error
		read := testkit.Async(func() { got, err = readAll(testkit.Context(t), sp.Input()) })
		if i%2 == 0 {
			send(t, cp.Output(), []byte("hi"))
			send(t, sp.Output(), []byte("reply")) // unread by the client
		}
		send(t, cp.Output(), []byte("hello"))
		require.NoError(t, c.Close())
		testkit.RequireDone(t, read)
		require.NoError(t, err, "round %d", i)
		want := "hello"
		if i%2 == 0 {
			want = "hihello"
		}
		require.Equal(t, want, string(got), "round %d", i)
	}
}
