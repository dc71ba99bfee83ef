//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cloudwego/netpoll"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
)

func TestEchoPipeView(t *testing.T) {
	for name, addr := range networks(t) {
		t.Run(name, func(t *testing.T) {
			var f Factory
			l := bind(t, &f, addr)
			c, s := pair(t, &f, l)
			cp, sp := pipes(t, c, s)
			msg := testkit.RandomBytes(100_000, 1)
			send(t, cp.Output(), msg)
			got := readN(t, sp.Input(), len(msg))
			require.Equal(t, msg, got)
			send(t, sp.Output(), got)
			assert.Equal(t, msg, readN(t, cp.Input(), len(msg)))

			// Close is graceful: the peer reads everything, then the end.
			send(t, sp.Output(), []byte("bye"))
			require.NoError(t, s.Close())
			rest, err := readAll(testkit.Context(t), cp.Input())
			require.NoError(t, err)
			assert.Equal(t, "bye", string(rest))
			assert.ErrorIs(t, s.Close(), net.ErrClosed)
		})
	}
}

func TestEchoStreamView(t *testing.T) {
	for name, addr := range networks(t) {
		t.Run(name, func(t *testing.T) {
			var f Factory
			l := bind(t, &f, addr)
			c, s := pair(t, &f, l)
			cs, err := c.Stream()
			require.NoError(t, err)
			ss, err := s.Stream()
			require.NoError(t, err)
			testkit.SetDeadlines(t, testkit.Wait, cs, ss)
			msg := testkit.RandomBytes(200_000, 2)
			echoed := testkit.Async(func() {
				buf := make([]byte, len(msg))
				if _, err := io.ReadFull(ss, buf); err == nil {
					ss.Write(buf)
				}
			})
			_, err = cs.Write(msg)
			require.NoError(t, err)
			got := make([]byte, len(msg))
			_, err = io.ReadFull(cs, got)
			require.NoError(t, err)
			assert.Equal(t, msg, got)
			testkit.RequireDone(t, echoed)
			assert.Equal(t, c.LocalAddr().String(), cs.LocalAddr().String())
		})
	}
}

func TestFirstViewWinsAndProperties(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	c, s := pair(t, &f, l)
	p, err := c.Pipe()
	require.NoError(t, err)
	again, err := c.Pipe()
	require.NoError(t, err)
	assert.Same(t, p.(*npConn), again.(*npConn))
	_, err = c.Stream()
	assert.ErrorIs(t, err, conn.ErrViewTaken)
	_, err = s.Stream()
	require.NoError(t, err)
	_, err = s.Pipe()
	assert.ErrorIs(t, err, conn.ErrViewTaken)

	for _, x := range []conn.Connection{c, s} {
		nc, ok := conn.Get[netpoll.Connection](x.Properties())
		require.True(t, ok)
		assert.True(t, nc.IsActive())
	}
	assert.Equal(t, l.Addr().String(), c.RemoteAddr().String())
	assert.Equal(t, c.LocalAddr().String(), s.RemoteAddr().String())
	assert.Equal(t, c.RemoteAddr().String(), s.LocalAddr().String())
}

// TestReadIsZeroCopy checks that the bytes a Read returns are netpoll's
// own input memory, the memory the kernel wrote into: the Sequence's first
// byte is the first byte of the node netpoll handed over.
func TestReadIsZeroCopy(t *testing.T) {
	handed := make(chan []byte, 64)
	hook := func(bs [][]byte) {
		for _, b := range bs {
			select {
			case handed <- b:
			default:
			}
		}
	}
	takeHook.Store(&hook)
	defer takeHook.Store(nil)

	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	c, s := pair(t, &f, l)
	cp, sp := pipes(t, c, s)
	msg := testkit.RandomBytes(3000, 3)
	send(t, cp.Output(), msg)

	res, err := sp.Input().ReadAtLeast(testkit.Context(t), len(msg))
	require.NoError(t, err)
	first := res.Buffer.First()
	require.NotEmpty(t, first)
	var node []byte
	select {
	case node = <-handed:
	case <-time.After(testkit.Wait):
		t.Fatal("netpoll handed nothing over")
	}
	require.NotEmpty(t, node)
	assert.Equal(t, unsafe.Pointer(unsafe.SliceData(node)), unsafe.Pointer(unsafe.SliceData(first)),
		"the Sequence is netpoll's buffer, not a copy")
	assert.Equal(t, msg, res.Buffer.Bytes())
	sp.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
}

func TestPeerHalfClose(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	peer, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer peer.Close()
	s, err := l.Accept(testkit.Context(t))
	require.NoError(t, err)
	defer s.Abort(nil)
	sp, err := s.Pipe()
	require.NoError(t, err)

	msg := testkit.RandomBytes(50_000, 4)
	_, err = peer.Write(msg)
	require.NoError(t, err)
	require.NoError(t, peer.(*net.TCPConn).CloseWrite())
	got, err := readAll(testkit.Context(t), sp.Input())
	require.NoError(t, err, "a clean end is not an error")
	assert.Equal(t, msg, got, "the bytes before the end are all read")
	_, err = sp.Input().Read(testkit.Context(t))
	assert.NoError(t, err, "Read after the end keeps returning Completed")
}

func TestPeerReset(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	peer, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	s, err := l.Accept(testkit.Context(t))
	require.NoError(t, err)
	defer s.Abort(nil)
	sp, err := s.Pipe()
	require.NoError(t, err)

	send(t, sp.Output(), []byte("hello"))
	buf := make([]byte, 5)
	_, err = io.ReadFull(peer, buf)
	require.NoError(t, err)
	require.NoError(t, peer.(*net.TCPConn).SetLinger(0))
	require.NoError(t, peer.Close()) // a reset

	_, err = readAll(testkit.Context(t), sp.Input())
	if runtime.GOOS == "linux" {
		require.Error(t, err)
		assert.ErrorIs(t, err, syscall.ECONNRESET)
		assert.ErrorContains(t, err, "netpoll: ")
	}
	_, err = sp.Output().Write([]byte("x"))
	require.NoError(t, err)
	_, err = sp.Output().Flush(testkit.Context(t))
	assert.Error(t, err, "a flush after the reset fails")
	assert.NoError(t, s.Close(), "closing a reset connection is no error")
}

func TestAbortResetsPeer(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	c, s := pair(t, &f, l)
	cp, sp := pipes(t, c, s)
	read := make(chan error, 1)
	go func() {
		_, err := readAll(testkit.Context(t), cp.Input())
		read <- err
	}()
	s.Abort(errors.New("boom"))
	select {
	case err := <-read:
		if runtime.GOOS == "linux" {
			assert.ErrorIs(t, err, syscall.ECONNRESET)
		}
	case <-time.After(testkit.Wait):
		t.Fatal("peer's Read did not end")
	}
	_, err := sp.Input().Read(testkit.Context(t))
	assert.ErrorContains(t, err, "boom", "the aborted side reads Abort's error")
}

func TestReadCancellation(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	c, s := pair(t, &f, l)
	cp, sp := pipes(t, c, s)
	in := sp.Input()

	_, err := in.Read(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled)
	_, ok, err := in.TryRead()
	require.NoError(t, err)
	assert.False(t, ok, "nothing to read")

	ctx, cancel := context.WithCancel(context.Background())
	done := testkit.Async(func() {
		_, err := in.Read(ctx)
		assert.ErrorIs(t, err, context.Canceled)
	})
	testkit.RequireBlocked(t, done)
	cancel()
	testkit.RequireDone(t, done)

	var canceled bool
	done = testkit.Async(func() {
		res, err := in.Read(testkit.Context(t))
		if assert.NoError(t, err) {
			canceled = res.Canceled
			in.AdvanceTo(res.Buffer.Start(), res.Buffer.End())
		}
	})
	testkit.RequireBlocked(t, done)
	in.CancelPendingRead()
	testkit.RequireDone(t, done)
	assert.True(t, canceled)

	// The connection still works.
	send(t, cp.Output(), []byte("after"))
	assert.Equal(t, "after", string(readN(t, in, 5)))
}

func TestExaminedBytesWaitForMore(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	c, s := pair(t, &f, l)
	cp, sp := pipes(t, c, s)
	in := sp.Input()
	send(t, cp.Output(), []byte("ab"))
	res, err := in.ReadAtLeast(testkit.Context(t), 2)
	require.NoError(t, err)
	in.AdvanceTo(res.Buffer.Start(), res.Buffer.End()) // examined, not consumed
	_, err = in.Read(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled, "Read waits for bytes beyond those examined")
	send(t, cp.Output(), []byte("c"))
	res, err = in.Read(testkit.Context(t))
	require.NoError(t, err)
	assert.Equal(t, "abc", res.Buffer.String())
	in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	assert.Panics(t, func() { in.AdvanceTo(res.Buffer.End(), res.Buffer.End()) })
}

// TestCloseRacingReadAndFlush closes and aborts connections while their
// views are in use on other goroutines: nothing may panic or hang.
func TestCloseRacingReadAndFlush(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	rounds := 50
	if testing.Short() || testkit.RaceEnabled {
		rounds = 20
	}
	for i := range rounds {
		c, s := pair(t, &f, l)
		cp, sp := pipes(t, c, s)
		reader := testkit.Async(func() { readAll(testkit.Context(t), sp.Input()) })
		writer := testkit.Async(func() {
			msg := bytes.Repeat([]byte{byte(i)}, 64<<10)
			for {
				if _, err := sp.Output().Write(msg); err != nil {
					return
				}
				if _, err := sp.Output().Flush(testkit.Context(t)); err != nil {
					return
				}
			}
		})
		peer := testkit.Async(func() { readAll(testkit.Context(t), cp.Input()) })
		time.Sleep(time.Millisecond)
		if i%2 == 0 {
			s.Abort(nil)
		} else {
			c.Abort(nil)
			s.Abort(nil)
		}
		testkit.RequireDone(t, reader)
		testkit.RequireDone(t, writer)
		c.Abort(nil)
		testkit.RequireDone(t, peer)
	}
}

func TestAcceptContextAndClose(t *testing.T) {
	var f Factory
	l, err := f.Bind(testkit.Context(t), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	_, err = l.Accept(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled)

	ctx, cancel := context.WithCancel(context.Background())
	done := testkit.Async(func() {
		_, err := l.Accept(ctx)
		assert.ErrorIs(t, err, context.Canceled)
	})
	testkit.RequireBlocked(t, done)
	cancel()
	testkit.RequireDone(t, done)

	done = testkit.Async(func() {
		_, err := l.Accept(testkit.Context(t))
		assert.ErrorIs(t, err, net.ErrClosed)
	})
	testkit.RequireBlocked(t, done)
	require.NoError(t, l.Close())
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, l.Close(), net.ErrClosed)
	_, err = l.Accept(testkit.Context(t))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = f.Connect(testkit.Context(t), l.Addr(), conn.Properties{})
	assert.Error(t, err, "nobody listens any more")
}

func TestCloseClosesConnectionsNotAccepted(t *testing.T) {
	var f Factory
	l, err := f.Bind(testkit.Context(t), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	peer, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer peer.Close()
	time.Sleep(20 * time.Millisecond) // let the kernel queue it
	require.NoError(t, l.Close())
	peer.SetReadDeadline(time.Now().Add(testkit.Wait))
	_, err = peer.Read(make([]byte, 1))
	assert.Error(t, err, "the queued connection was closed")
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}

func TestConnectErrors(t *testing.T) {
	var f Factory
	ctx := testkit.Context(t)
	_, err := f.Connect(ctx, nil, conn.Properties{})
	assert.ErrorContains(t, err, "netpoll: connect: nil address")
	_, err = f.Connect(ctx, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, conn.Properties{})
	var unknown net.UnknownNetworkError
	assert.ErrorAs(t, err, &unknown)
	_, err = f.Bind(ctx, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, conn.Properties{})
	assert.ErrorAs(t, err, &unknown)
	_, err = f.Connect(testkit.Canceled(), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, conn.Properties{})
	assert.ErrorIs(t, err, context.Canceled)

	// A port nobody listens on refuses.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr()
	ln.Close()
	_, err = f.Connect(ctx, addr, conn.Properties{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "netpoll: connect tcp "+addr.String())
}

// TestAbortInterruptsBlockedFlush fills the socket of a peer that does not
// read until Flush blocks (backpressure), then aborts from elsewhere.
func TestAbortInterruptsBlockedFlush(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	peer, err := net.Dial("tcp", l.Addr().String()) // never reads
	require.NoError(t, err)
	defer peer.Close()
	s, err := l.Accept(testkit.Context(t))
	require.NoError(t, err)
	defer s.Abort(nil)
	sp, err := s.Pipe()
	require.NoError(t, err)
	chunk := make([]byte, 1<<20)
	blocked := make(chan error, 1)
	var flushed atomic.Int64
	go func() {
		for {
			sp.Output().Write(chunk)
			if _, err := sp.Output().Flush(context.Background()); err != nil {
				blocked <- err
				return
			}
			flushed.Add(1)
		}
	}()
	var last int64 = -1
	for last != flushed.Load() { // until Flush stops returning
		last = flushed.Load()
		select {
		case err := <-blocked:
			t.Fatalf("Flush failed before the abort: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.Less(t, last, int64(1000), "a peer that does not read blocks Flush")
	s.Abort(errors.New("stop"))
	select {
	case err := <-blocked:
		assert.ErrorContains(t, err, "stop")
	case <-time.After(testkit.Wait):
		t.Fatal("Abort did not interrupt the blocked Flush")
	}
}

// TestListenerCloseClosesIdleConnections checks the documented shutdown:
// netpoll closes the accepted connections it finds idle.
func TestListenerCloseLeavesConnectionsOpen(t *testing.T) {
	var f Factory
	l, err := f.Bind(testkit.Context(t), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	c, s := pair(t, &f, l)
	cp, sp := pipes(t, c, s)
	send(t, cp.Output(), []byte("x"))
	assert.Equal(t, "x", string(readN(t, sp.Input(), 1)))
	require.NoError(t, l.Close())
	send(t, cp.Output(), []byte("y"))
	assert.Equal(t, "y", string(readN(t, sp.Input(), 1)), "the accepted connection still reads")
	send(t, sp.Output(), []byte("z"))
	assert.Equal(t, "z", string(readN(t, cp.Input(), 1)), "and writes")
}

// TestFlushToSlowPeer: a flush larger than the socket's buffers sends what
// the kernel takes at once and the rest as the peer drains it; Flush waits
// until then, and every byte arrives in order. (The peer is a net.Conn: a
// netpoll peer would read everything at once, netpoll reads without bound.)
func TestFlushToSlowPeer(t *testing.T) {
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	peer, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer peer.Close()
	s, err := l.Accept(testkit.Context(t))
	require.NoError(t, err)
	defer s.Abort(nil)
	sp, err := s.Pipe()
	require.NoError(t, err)

	msg := testkit.RandomBytes(16<<20, 3)
	var ferr error
	flushed := testkit.Async(func() {
		if _, ferr = sp.Output().Write(msg); ferr == nil {
			_, ferr = sp.Output().Flush(testkit.Context(t))
		}
	})
	testkit.RequireBlocked(t, flushed)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(peer, got)
	require.NoError(t, err)
	testkit.RequireDone(t, flushed)
	require.NoError(t, ferr)
	assert.True(t, bytes.Equal(msg, got), "16 MiB arrive intact")
}
