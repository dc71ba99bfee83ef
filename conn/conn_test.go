package conn_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/writer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair returns a connected client and server connection of f, bound to
// addr (an anonymous memory address if none is given).
func pair(t *testing.T, f conn.Factory, addr ...net.Addr) (client, server conn.Connection) {
	t.Helper()
	ctx := testkit.Context(t)
	var at net.Addr = memory.Addr("")
	if len(addr) > 0 {
		at = addr[0]
	}
	l, err := f.Bind(ctx, at, conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	client, err = f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	server, err = l.Accept(ctx)
	require.NoError(t, err)
	return client, server
}

func TestViewsFirstAskedWins(t *testing.T) {
	client, server := pair(t, &memory.Factory{})

	s1, err := client.Stream()
	require.NoError(t, err)
	s2, err := client.Stream()
	require.NoError(t, err)
	assert.Same(t, s1, s2, "the same view twice is the same object")
	_, err = client.Pipe()
	assert.ErrorIs(t, err, conn.ErrViewTaken)

	p1, err := server.Pipe()
	require.NoError(t, err)
	p2, err := server.Pipe()
	require.NoError(t, err)
	assert.Same(t, p1, p2)
	_, err = server.Stream()
	assert.ErrorIs(t, err, conn.ErrViewTaken)

	client.Close()
	server.Close()
	_, err = client.Stream()
	assert.ErrorIs(t, err, net.ErrClosed)
}

// TestSameBytesThroughEitherView sends 1 MB from a Stream view to a Pipe
// view and back.
func TestSameBytesThroughEitherView(t *testing.T) {
	client, server := pair(t, &memory.Factory{})
	data := testkit.RandomBytes(1<<20, 5)
	want := sha256.Sum256(data)

	echoed := testkit.Async(func() {
		p, err := server.Pipe()
		if err != nil {
			panic(err)
		}
		out := writer.Stream(p.Output())
		io.Copy(out, reader.Stream(p.Input()))
		server.Close()
	})
	s, err := client.Stream()
	require.NoError(t, err)
	go func() {
		s.Write(data)
		s.(interface{ CloseWrite() error }).CloseWrite()
	}()
	got, err := io.ReadAll(s)
	require.NoError(t, err)
	assert.Equal(t, want, sha256.Sum256(got))
	testkit.RequireDone(t, echoed)
	client.Close()
}

func TestCloseIsGracefulAbortIsNot(t *testing.T) {
	f := &memory.Factory{}
	for _, view := range []string{"stream", "pipe"} {
		t.Run(view, func(t *testing.T) {
			client, server := pair(t, f)
			if view == "stream" {
				s, err := client.Stream()
				require.NoError(t, err)
				_, err = s.Write([]byte("goodbye"))
				require.NoError(t, err)
			} else {
				p, err := client.Pipe()
				require.NoError(t, err)
				p.Output().Write([]byte("goodbye")) // not even flushed: Close flushes
			}
			require.NoError(t, client.Close())
			assert.ErrorIs(t, client.Close(), net.ErrClosed, "second Close")

			s, err := server.Stream()
			require.NoError(t, err)
			got, err := io.ReadAll(s)
			require.NoError(t, err, "the peer reads everything, then io.EOF")
			assert.Equal(t, "goodbye", string(got))
			server.Close()
		})
	}

	client, server := pair(t, f)
	s, err := server.Stream()
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 1))
		read <- err
	}()
	boom := errors.New("aborted by test")
	client.Abort(boom) // from another goroutine than the reader's
	assert.ErrorIs(t, <-read, boom, "the peer's pending read fails")
	server.Close()
}

func TestPropertiesPassThroughLayers(t *testing.T) {
	type transportKey struct{ name string }
	type layerKey struct{ level int }
	type secret struct{}

	var props conn.Properties
	props = conn.With(props, transportKey{"memory"})
	props = conn.With(props, secret{})
	// Four layers, each adding its own entry and overriding the level.
	for level := 1; level <= 4; level++ {
		props = conn.With(props, layerKey{level})
		if level == 2 {
			props = conn.Without[secret](props)
		}
	}
	tk, ok := conn.Get[transportKey](props)
	assert.True(t, ok, "passed through four layers")
	assert.Equal(t, "memory", tk.name)
	lk, ok := conn.Get[layerKey](props)
	assert.True(t, ok)
	assert.Equal(t, 4, lk.level, "the top layer's entry hides the lower ones")
	_, ok = conn.Get[secret](props)
	assert.False(t, ok, "hidden by a layer")
	_, ok = conn.Get[*bytes.Buffer](props)
	assert.False(t, ok, "absent")
	_, ok = conn.Get[int](conn.Properties{})
	assert.False(t, ok, "the zero bag is empty")

	merged := conn.Merge(conn.With(conn.Properties{}, 1), conn.With(conn.With(conn.Properties{}, 2), "s"))
	n, _ := conn.Get[int](merged)
	s, _ := conn.Get[string](merged)
	assert.Equal(t, 2, n, "Merge: the second bag wins")
	assert.Equal(t, "s", s)
	assert.Equal(t, "[string int]", merged.String())
}

// TestCloseReportsTheFinalFlushError closes a Pipe-view socket connection
// whose peer reset it: the flush Close does must fail, and say so.
func TestCloseReportsTheFinalFlushError(t *testing.T) {
	client, server := pair(t, &socket.Factory{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	server.Abort(errors.New("reset")) // a TCP reset
	time.Sleep(50 * time.Millisecond) // let it arrive

	p, err := client.Pipe()
	require.NoError(t, err)
	p.Output().Write(make([]byte, 1<<20))
	err = client.Close()
	require.Error(t, err, "the bytes Close flushed did not go out")
	assert.True(t, errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET), "got %v", err)
}

func TestCloseAfterTheOutputCompleted(t *testing.T) {
	client, server := pair(t, &socket.Factory{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer server.Close()

	p, err := client.Pipe()
	require.NoError(t, err)
	p.Output().Write([]byte("request"))
	p.Output().Complete(nil) // the usual half-close of a Pipe view
	s, err := server.Stream()
	require.NoError(t, err)
	got, err := io.ReadAll(s)
	require.NoError(t, err)
	assert.Equal(t, "request", string(got))
	s.(*net.TCPConn).CloseWrite()
	assert.NoError(t, client.Close(), "nothing was left to flush")
}
