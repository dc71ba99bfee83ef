package testkit

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ConnPair listens on network and address, dials the listener and returns
// both ends of the connection, closed at tb's cleanup. Dialing and
// accepting are each bounded by Wait; the listener is closed on return.
func ConnPair(tb testing.TB, network, address string) (client, server net.Conn) {
	tb.Helper()
	ln, err := net.Listen(network, address)
	require.NoError(tb, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			c = nil
		}
		accepted <- c
	}()
	client, err = net.DialTimeout(network, ln.Addr().String(), Wait)
	require.NoError(tb, err)
	tb.Cleanup(func() { client.Close() })
	select {
	case server = <-accepted:
	case <-time.After(Wait):
		tb.Fatal("accept timed out")
	}
	require.NotNil(tb, server, "accept failed")
	tb.Cleanup(func() { server.Close() })
	return client, server
}

// TCPPair returns both ends of a loopback TCP connection on 127.0.0.1,
// closed at tb's cleanup. See ConnPair.
func TCPPair(tb testing.TB) (client, server *net.TCPConn) {
	tb.Helper()
	c, s := ConnPair(tb, "tcp", "127.0.0.1:0")
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// SetDeadlines sets the read and write deadlines of every conn to d from
// now, so that a broken test fails instead of hanging on them.
func SetDeadlines(tb testing.TB, d time.Duration, conns ...net.Conn) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for _, c := range conns {
		require.NoError(tb, c.SetDeadline(deadline))
	}
}
