package duplex_test

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/nettest"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

func TestToConnOverPairPassesNettest(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := duplex.NewPair(pipe.Options{})
		c1, c2 = duplex.ToConn(a), duplex.ToConn(b)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func TestToConnSmallPipesPassNettest(t *testing.T) {
	// Tiny segments and thresholds: writes block on backpressure.
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := duplex.NewPair(pipe.Options{MinimumSegmentSize: 64, PauseWriterThreshold: 1024})
		c1, c2 = duplex.ToConn(a), duplex.ToConn(b)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func TestToConnCloseSemantics(t *testing.T) {
	a, b := duplex.NewPair(pipe.Options{})
	ca, cb := duplex.ToConn(a), duplex.ToConn(b)

	_, err := ca.Write([]byte("bye"))
	require.NoError(t, err)
	require.NoError(t, ca.Close())
	assert.ErrorIs(t, ca.Close(), net.ErrClosed, "second Close")
	_, err = ca.Read(make([]byte, 1))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = ca.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed)

	got, err := io.ReadAll(cb)
	require.NoError(t, err, "the other side reads what was written, then io.EOF")
	assert.Equal(t, "bye", string(got))
	_, err = cb.Write([]byte("anyone?"))
	assert.ErrorIs(t, err, io.ErrClosedPipe, "the closed side reads no more")
}

func TestToConnCloseUnblocksPendingCalls(t *testing.T) {
	a, _ := duplex.NewPair(pipe.Options{PauseWriterThreshold: 4})
	c := duplex.ToConn(a)
	readErr, writeErr := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	go func() {
		_, err := c.Write([]byte("too much for the threshold"))
		writeErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, c.Close())
	for _, ch := range []chan error{readErr, writeErr} {
		select {
		case err := <-ch:
			assert.ErrorIs(t, err, net.ErrClosed)
		case <-time.After(10 * time.Second):
			t.Fatal("a pending call survived Close")
		}
	}
}

func TestToConnDeadlines(t *testing.T) {
	a, b := duplex.NewPair(pipe.Options{})
	ca, cb := duplex.ToConn(a), duplex.ToConn(b)

	require.NoError(t, ca.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err := ca.Read(make([]byte, 1))
	var nerr net.Error
	require.True(t, errors.As(err, &nerr))
	assert.True(t, nerr.Timeout())
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)

	// Extending the deadline makes the conn usable again.
	require.NoError(t, ca.SetReadDeadline(time.Time{}))
	_, err = cb.Write([]byte("late"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(ca, buf)
	require.NoError(t, err)
	assert.Equal(t, "late", string(buf))
	assert.Equal(t, "duplex", ca.LocalAddr().Network())
}

func TestToConnCloseWrite(t *testing.T) {
	a, b := duplex.NewPair(pipe.Options{})
	ca, cb := duplex.ToConn(a), duplex.ToConn(b)
	hc, ok := ca.(interface{ CloseWrite() error })
	require.True(t, ok, "ToConn conns half-close like *net.TCPConn")

	_, err := ca.Write([]byte("request"))
	require.NoError(t, err)
	require.NoError(t, hc.CloseWrite())
	_, err = ca.Write([]byte("more"))
	assert.ErrorIs(t, err, io.ErrClosedPipe)

	got, err := io.ReadAll(cb)
	require.NoError(t, err, "the peer reads io.EOF after the request")
	assert.Equal(t, "request", string(got))
	_, err = cb.Write([]byte("reply"))
	require.NoError(t, err, "the other direction still works")
	buf := make([]byte, 5)
	_, err = io.ReadFull(ca, buf)
	require.NoError(t, err)
	assert.Equal(t, "reply", string(buf))
	require.NoError(t, ca.Close())
	require.NoError(t, cb.Close())
}
