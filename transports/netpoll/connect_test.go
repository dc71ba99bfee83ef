//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
)

// TestConnectToPeerThatWritesAndCloses connects to peers that write and
// close at once, as a server refusing a client with a message does: the
// connection is made, every byte written is read, then the end, and the
// peer sees one connection only. (netpoll's own dialer failed such a dial
// with "closed by peer" and the transport dialed again.)
func TestConnectToPeerThatWritesAndCloses(t *testing.T) {
	var f Factory
	for name, addr := range networks(t) {
		for _, size := range []int{0, 5, 65_535, 300_000} {
			ln, err := net.Listen(addr.Network(), addr.String())
			require.NoError(t, err)
			msg := testkit.RandomBytes(size, uint64(size))
			accepted := make(chan int, 1)
			go func() {
				n := 0
				defer func() { accepted <- n }()
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					n++
					c.Write(msg)
					c.Close()
				}
			}()
			for round := range 20 {
				c, err := f.Connect(testkit.Context(t), ln.Addr(), conn.Properties{})
				require.NoError(t, err, "%s, %d bytes, round %d", name, size, round)
				p, err := c.Pipe()
				require.NoError(t, err)
				got, err := readAll(testkit.Context(t), p.Input())
				require.NoError(t, err, "%s, %d bytes, round %d", name, size, round)
				require.Equal(t, len(msg), len(got), "%s, %d bytes, round %d", name, size, round)
				require.Equal(t, string(msg), string(got))
				c.Close()
			}
			ln.Close()
			assert.Equal(t, 20, <-accepted, "%s, %d bytes: one connection per Connect", name, size)
		}
	}
}
