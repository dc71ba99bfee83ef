package duplex_test

import (
	"context"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/nettest"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

func TestFromConnToConnPassesNettest(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			accepted <- c
		}()
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		c1 = duplex.ToConn(duplex.FromConn(raw, duplex.Options{}))
		c2 = duplex.ToConn(duplex.FromConn(<-accepted, duplex.Options{}))
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

// TestFromConnEcho streams random data through an echo server built from
// the adapters (FromIO, Stream, ToIO) over loopback TCP.
func TestFromConnEcho(t *testing.T) {
	size := testkit.BigSize()
	client, server := testkit.TCPPair(t)

	served := make(chan error, 1)
	go func() {
		p := duplex.FromConn(server, duplex.Options{})
		out := writer.Stream(p.Output())
		_, err := io.Copy(out, reader.Stream(p.Input()))
		out.Close()
		p.Input().Complete(nil)
		served <- err
	}()

	rng := rand.New(rand.NewPCG(7, 7))
	chunk := make([]byte, 256<<10)
	for i := range chunk {
		chunk[i] = byte(rng.Uint32())
	}
	var sent uint32
	go func() {
		for n := 0; n < size; {
			c := chunk[:min(1+rng.IntN(len(chunk)), size-n)]
			sent = crc32.Update(sent, crc32.IEEETable, c)
			if _, err := client.Write(c); err != nil {
				return
			}
			n += len(c)
		}
		client.CloseWrite()
	}()
	h := crc32.NewIEEE()
	client.SetReadDeadline(time.Now().Add(time.Minute))
	n, err := io.Copy(h, client)
	require.NoError(t, err)
	assert.Equal(t, int64(size), n, "the echo ends after the server's half-close")
	assert.Equal(t, sent, h.Sum32())
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not finish")
	}
}

func TestFromConnAddressesAndClose(t *testing.T) {
	client, server := testkit.TCPPair(t)
	p := duplex.FromConn(server, duplex.Options{})
	c := duplex.ToConn(p)
	assert.Equal(t, server.LocalAddr(), c.LocalAddr())
	assert.Equal(t, server.RemoteAddr(), c.RemoteAddr())

	_, err := c.Write([]byte("last"))
	require.NoError(t, err)
	require.NoError(t, c.Close())

	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(client)
	require.NoError(t, err, "the peer reads what was written, then EOF")
	assert.Equal(t, "last", string(got))
	_, err = server.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed, "both sides completed: the conn is closed")
}

func TestFromConnReadIsCancelable(t *testing.T) {
	_, server := testkit.TCPPair(t)
	p := duplex.FromConn(server, duplex.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := p.Input().Read(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestFromConnCloseDoesNotResetUnreadInput closes a connection whose peer
// sent bytes that were never read, right after flushing 8 MiB to a peer
// that reads slowly: a plain close would make the kernel reset the
// connection and the peer would lose the tail of the 8 MiB.
func TestFromConnCloseDoesNotResetUnreadInput(t *testing.T) {
	client, server := testkit.TCPPair(t)
	_, err := server.Write([]byte("never read by the client"))
	require.NoError(t, err)
	time.Sleep(10 * time.Millisecond) // let it reach the client's receive buffer

	data := testkit.RandomBytes(8<<20, 9)
	p := duplex.FromConn(client, duplex.Options{})
	closed := testkit.Async(func() {
		p.Output().Write(data)
		p.Output().Complete(nil) // flush and half-close
		p.Input().Complete(nil)  // both done: close, lingering
	})
	time.Sleep(50 * time.Millisecond) // a slow reader
	server.SetReadDeadline(time.Now().Add(testkit.Wait))
	got, err := io.ReadAll(server)
	require.NoError(t, err, "no reset: the peer reads everything, then EOF")
	assert.Equal(t, len(data), len(got))
	assert.Equal(t, crc32.ChecksumIEEE(data), crc32.ChecksumIEEE(got))
	server.Close() // the client's linger ends with this end of stream
	testkit.RequireDone(t, closed)
}
