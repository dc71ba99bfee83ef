package socket_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/socket"
)

func TestViewsFirstAccessWins(t *testing.T) {
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			noLeaks(t)
			f := &socket.Factory{}
			l := bind(t, f, ep.addr(t))
			for _, streamFirst := range []bool{true, false} {
				client, server := connect(t, f, l)
				for _, c := range []conn.Connection{client, server} {
					if streamFirst {
						s1, err := c.Stream()
						require.NoError(t, err)
						_, err = c.Pipe()
						assert.ErrorIs(t, err, conn.ErrViewTaken)
						s2, err := c.Stream()
						require.NoError(t, err)
						assert.Same(t, s1, s2)
					} else {
						p1, err := c.Pipe()
						require.NoError(t, err)
						_, err = c.Stream()
						assert.ErrorIs(t, err, conn.ErrViewTaken)
						p2, err := c.Pipe()
						require.NoError(t, err)
						assert.True(t, p1 == p2, "Pipe returned two different pipes")
					}
				}
				require.NoError(t, client.Close())
				require.NoError(t, server.Close())
				_, err := client.Stream()
				assert.ErrorIs(t, err, net.ErrClosed)
				_, err = server.Pipe()
				assert.ErrorIs(t, err, net.ErrClosed)
			}
		})
	}
}

// TestViewsCarryTheSameBytes sends 1 MB through one view and receives it
// through the other, in both directions of the pairing.
func TestViewsCarryTheSameBytes(t *testing.T) {
	data := make([]byte, 1<<20)
	rand.Read(data)
	want := sha256.Sum256(data)

	for _, ep := range endpoints {
		for _, clientStream := range []bool{true, false} {
			name := ep.name + "/client_pipe_to_server_stream"
			if clientStream {
				name = ep.name + "/client_stream_to_server_pipe"
			}
			t.Run(name, func(t *testing.T) {
				noLeaks(t)
				ctx := testkit.Context(t)
				client, server := pair(t, &socket.Factory{}, ep)

				sent := make(chan error, 1)
				go func() {
					if clientStream {
						sent <- sendStream(client, data)
					} else {
						sent <- sendPipe(ctx, client, data)
					}
				}()
				var got [sha256.Size]byte
				var n int64
				var err error
				if clientStream {
					got, n, err = receivePipe(ctx, server)
				} else {
					got, n, err = receiveStream(server)
				}
				require.NoError(t, err)
				require.NoError(t, <-sent)
				assert.Equal(t, int64(len(data)), n)
				assert.Equal(t, want, got)
				assert.NoError(t, server.Close())
			})
		}
	}
}

// sendStream writes data through c's Stream in uneven writes and closes c.
func sendStream(c conn.Connection, data []byte) error {
	s, err := c.Stream()
	if err != nil {
		return err
	}
	for i, size := 0, 1; i < len(data); size = size*7%65521 + 1 {
		n := min(size, len(data)-i)
		if _, err := s.Write(data[i : i+n]); err != nil {
			return err
		}
		i += n
	}
	return c.Close()
}

// sendPipe writes data through c's Pipe, some with Buffer and Advance, some
// with Write, flushing now and then, and closes c.
func sendPipe(ctx context.Context, c conn.Connection, data []byte) error {
	p, err := c.Pipe()
	if err != nil {
		return err
	}
	out := p.Output()
	for i, size := 0, 1; i < len(data); size = size*7%65521 + 1 {
		n := min(size, len(data)-i)
		if size%2 == 0 {
			buf := out.Buffer(n)
			copy(buf, data[i:i+n])
			out.Advance(n)
		} else if _, err := out.Write(data[i : i+n]); err != nil {
			return err
		}
		i += n
		if size%3 == 0 {
			if _, err := out.Flush(ctx); err != nil {
				return err
			}
		}
	}
	return c.Close() // flushes the rest
}

// receiveStream reads c's Stream to io.EOF.
func receiveStream(c conn.Connection) ([sha256.Size]byte, int64, error) {
	var sum [sha256.Size]byte
	s, err := c.Stream()
	if err != nil {
		return sum, 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, s)
	h.Sum(sum[:0])
	return sum, n, err
}

// receivePipe reads c's Pipe to its end, in place.
func receivePipe(ctx context.Context, c conn.Connection) ([sha256.Size]byte, int64, error) {
	var sum [sha256.Size]byte
	p, err := c.Pipe()
	if err != nil {
		return sum, 0, err
	}
	in := p.Input()
	h := sha256.New()
	var n int64
	for {
		res, err := in.Read(ctx)
		if err != nil {
			return sum, n, err
		}
		for seg := range res.Buffer.All() {
			h.Write(seg)
		}
		n += res.Buffer.Len()
		in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if res.Completed {
			break
		}
	}
	h.Sum(sum[:0])
	return sum, n, nil
}

func TestProperties(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}

	t.Run("tcp", func(t *testing.T) {
		l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		tl, ok := conn.Get[*net.TCPListener](l.Properties())
		require.True(t, ok, "listener properties %v", l.Properties())
		assert.Equal(t, l.Addr(), tl.Addr())
		_, ok = conn.Get[*net.UnixListener](l.Properties())
		assert.False(t, ok)

		client, server := connect(t, f, l)
		for _, c := range []conn.Connection{client, server} {
			tc, ok := conn.Get[*net.TCPConn](c.Properties())
			require.True(t, ok, "connection properties %v", c.Properties())
			assert.Equal(t, c.LocalAddr(), tc.LocalAddr())
			assert.Equal(t, c.RemoteAddr(), tc.RemoteAddr())
			_, ok = conn.Get[*net.UnixConn](c.Properties())
			assert.False(t, ok)
			s, err := c.Stream()
			require.NoError(t, err)
			assert.Same(t, tc, s, "the Stream view is the socket itself")
		}
		assert.Equal(t, client.LocalAddr().String(), server.RemoteAddr().String())
		assert.Equal(t, l.Addr().String(), client.RemoteAddr().String())
	})

	t.Run("unix", func(t *testing.T) {
		path := t.TempDir() + string(os.PathSeparator) + "s"
		l := bind(t, f, &net.UnixAddr{Net: "unix", Name: path})
		ul, ok := conn.Get[*net.UnixListener](l.Properties())
		require.True(t, ok, "listener properties %v", l.Properties())
		assert.Equal(t, l.Addr(), ul.Addr())
		assert.Equal(t, path, l.Addr().String())

		client, server := connect(t, f, l)
		for _, c := range []conn.Connection{client, server} {
			uc, ok := conn.Get[*net.UnixConn](c.Properties())
			require.True(t, ok, "connection properties %v", c.Properties())
			_, ok = conn.Get[*net.TCPConn](c.Properties())
			assert.False(t, ok)
			p, err := c.Pipe()
			require.NoError(t, err)
			assert.Equal(t, uc.LocalAddr(), p.(interface{ LocalAddr() net.Addr }).LocalAddr())
		}
		require.NoError(t, client.Close())
		require.NoError(t, server.Close())

		// Closing the listener removes the socket file, and only then.
		_, err := os.Stat(path)
		require.NoError(t, err)
		require.NoError(t, l.Close())
		_, err = os.Stat(path)
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestAcceptCanceled(t *testing.T) {
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			noLeaks(t)
			f := &socket.Factory{}
			l := bind(t, f, ep.addr(t))

			// Already canceled.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := l.Accept(ctx)
			assert.ErrorIs(t, err, context.Canceled)

			// Canceled while blocked, many times over: each time Accept
			// returns promptly and the deadline it used is cleared.
			for range 20 {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(5*time.Millisecond, cancel)
				start := time.Now()
				_, err := l.Accept(ctx)
				assert.ErrorIs(t, err, context.Canceled)
				assert.Less(t, time.Since(start), 2*time.Second)
				cancel()
			}

			// A deadline.
			ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
			_, err = l.Accept(ctx)
			cancel()
			assert.ErrorIs(t, err, context.DeadlineExceeded)

			// The listener still accepts, with and without a cancelable
			// context.
			client, server := connect(t, f, l)
			echo(t, client, server)
			accepted := make(chan error, 1)
			go func() {
				c, err := l.Accept(context.Background())
				if err == nil {
					c.Close()
				}
				accepted <- err
			}()
			c, err := f.Connect(testkit.Context(t), l.Addr(), conn.Properties{})
			require.NoError(t, err)
			require.NoError(t, <-accepted)
			c.Close()
		})
	}
}

// TestAcceptCanceledConcurrently cancels one of two blocked Accepts: the
// other goes on waiting and gets the next connection.
func TestAcceptCanceledConcurrently(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})

	for range 10 {
		waiting := make(chan error, 1)
		go func() {
			c, err := l.Accept(testkit.Context(t))
			if err == nil {
				c.Close()
			}
			waiting <- err
		}()
		ctx, cancel := context.WithCancel(context.Background())
		canceled := make(chan error, 1)
		go func() {
			_, err := l.Accept(ctx)
			canceled <- err
		}()
		time.Sleep(10 * time.Millisecond)
		cancel()
		assert.ErrorIs(t, <-canceled, context.Canceled)

		select {
		case err := <-waiting:
			t.Fatalf("the other Accept returned %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		c, err := f.Connect(testkit.Context(t), l.Addr(), conn.Properties{})
		require.NoError(t, err)
		require.NoError(t, <-waiting)
		c.Close()
	}
}

func TestAcceptAfterClose(t *testing.T) {
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			noLeaks(t)
			l := bind(t, &socket.Factory{}, ep.addr(t))

			// Blocked when the listener closes, with either kind of context.
			errs := make(chan error, 2)
			go func() {
				_, err := l.Accept(context.Background())
				errs <- err
			}()
			go func() {
				_, err := l.Accept(testkit.Context(t))
				errs <- err
			}()
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, l.Close())
			for range 2 {
				assert.ErrorIs(t, <-errs, net.ErrClosed)
			}

			// After.
			_, err := l.Accept(context.Background())
			assert.ErrorIs(t, err, net.ErrClosed)
			_, err = l.Accept(testkit.Context(t))
			assert.ErrorIs(t, err, net.ErrClosed)
			assert.ErrorIs(t, l.Close(), net.ErrClosed)
		})
	}
}

func TestConnectRefused(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	addr := l.Addr()
	require.NoError(t, l.Close())

	_, err := f.Connect(testkit.Context(t), addr, conn.Properties{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "socket: connect tcp "+addr.String()+": "), err.Error())
	if runtime.GOOS != "windows" { // Windows reports WSAECONNREFUSED
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	}
	var oe *net.OpError
	assert.ErrorAs(t, err, &oe)

	// Unix: no such socket file.
	_, err = f.Connect(testkit.Context(t), &net.UnixAddr{Net: "unix", Name: t.TempDir() + "/none"}, conn.Properties{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "socket: connect unix ")
}

func TestConnectCanceled(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBindErrors(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	_, err := f.Bind(testkit.Context(t), l.Addr(), conn.Properties{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "socket: bind tcp "+l.Addr().String()+": "), err.Error())
	if runtime.GOOS != "windows" {
		assert.ErrorIs(t, err, syscall.EADDRINUSE)
	}

	for _, addr := range []net.Addr{&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, &net.UnixAddr{Net: "unixgram", Name: "x"}} {
		_, err = f.Bind(testkit.Context(t), addr, conn.Properties{})
		var unknown net.UnknownNetworkError
		assert.ErrorAs(t, err, &unknown)
		_, err = f.Connect(testkit.Context(t), addr, conn.Properties{})
		assert.ErrorAs(t, err, &unknown)
	}
	_, err = f.Connect(testkit.Context(t), nil, conn.Properties{})
	assert.Error(t, err)
	_, err = f.Bind(testkit.Context(t), nil, conn.Properties{})
	assert.Error(t, err)
}

func TestGracefulClosePipe(t *testing.T) {
	data := make([]byte, 300<<10)
	rand.Read(data)
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			noLeaks(t)
			client, server := pair(t, &socket.Factory{}, ep)
			p, err := client.Pipe()
			require.NoError(t, err)
			_, err = p.Output().Write(data) // never flushed: Close does it
			require.NoError(t, err)

			received := make(chan []byte, 1)
			go func() {
				s, _ := server.Stream()
				b, _ := io.ReadAll(s) // to io.EOF
				received <- b
			}()
			require.NoError(t, client.Close())
			assert.Equal(t, data, <-received)

			// And the end of the stream is io.EOF, not an error.
			s, err := server.Stream()
			require.NoError(t, err)
			n, err := s.Read(make([]byte, 1))
			assert.Equal(t, 0, n)
			assert.Equal(t, io.EOF, err)
			require.NoError(t, server.Close())
		})
	}
}

// TestServerPipeToClientStream closes the server's Pipe after a reply: the
// client's Stream reads it all, then io.EOF.
func TestServerPipeToClientStream(t *testing.T) {
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			noLeaks(t)
			client, server := pair(t, &socket.Factory{}, ep)
			echo(t, client, server)
		})
	}
}

// echo has server echo over its Pipe what client sends over its Stream,
// then close both gracefully.
func echo(t *testing.T, client, server conn.Connection) {
	t.Helper()
	ctx := testkit.Context(t)
	done := make(chan error, 1)
	go func() { done <- echoPipe(ctx, server) }()

	s, err := client.Stream()
	require.NoError(t, err)
	msg := []byte("hello, bedrock\n")
	_, err = s.Write(msg)
	require.NoError(t, err)
	s.(interface{ CloseWrite() error }).CloseWrite()
	got, err := io.ReadAll(s)
	require.NoError(t, err)
	assert.Equal(t, msg, got)
	require.NoError(t, <-done)
	require.NoError(t, client.Close())
}

// echoPipe copies c's Pipe input to its output until the input ends, then
// closes c.
func echoPipe(ctx context.Context, c conn.Connection) error {
	p, err := c.Pipe()
	if err != nil {
		return err
	}
	if err := copyPipe(ctx, p); err != nil {
		c.Abort(err)
		return err
	}
	return c.Close()
}

func copyPipe(ctx context.Context, p duplex.Pipe) error {
	in, out := p.Input(), p.Output()
	for {
		res, err := in.Read(ctx)
		if err != nil {
			return err
		}
		if _, err := res.Buffer.WriteTo(out); err != nil {
			return err
		}
		in.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if _, err := out.Flush(ctx); err != nil {
			return err
		}
		if res.Completed {
			return nil
		}
	}
}

func TestHTTP(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from bedrock socket, "+r.Host)
	})
	served := make(chan error, 1)
	go func() { served <- http.Serve(conn.NetListener(l), mux) }()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range 3 { // the second and third reuse the connection
		resp, err := client.Get("http://" + l.Addr().String() + "/hello")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "hello from bedrock socket, "+l.Addr().String(), string(body))
	}

	tr.CloseIdleConnections()
	require.NoError(t, l.Close())
	assert.ErrorIs(t, <-served, net.ErrClosed)
}

func TestIPv6Loopback(t *testing.T) {
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	probe.Close()
	noLeaks(t)

	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv6loopback})
	addr := l.Addr().(*net.TCPAddr)
	assert.True(t, addr.IP.Equal(net.IPv6loopback), addr.String())
	assert.NotZero(t, addr.Port)
	client, server := connect(t, f, l)
	_, ok := conn.Get[*net.TCPConn](client.Properties())
	assert.True(t, ok)
	echo(t, client, server)
}

// TestDualStack binds "tcp" on ":0" and connects over IPv4, and over IPv6
// where the host has it.
func TestDualStack(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{})
	port := l.Addr().(*net.TCPAddr).Port
	require.NotZero(t, port)

	addrs := []net.Addr{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
	if probe, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		probe.Close()
		addrs = append(addrs, &net.TCPAddr{IP: net.IPv6loopback, Port: port})
	}
	for _, addr := range addrs {
		accepted := make(chan conn.Connection, 1)
		go func() {
			c, err := l.Accept(testkit.Context(t))
			assert.NoError(t, err)
			accepted <- c
		}()
		client, err := f.Connect(testkit.Context(t), addr, conn.Properties{})
		require.NoError(t, err, addr.String())
		server := <-accepted
		require.NotNil(t, server)
		echo(t, client, server)
	}
}

// TestAbortUnix closes a Unix connection: the peer reads the end of the
// stream.
func TestAbortUnix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows' AF_UNIX may report a reset")
	}
	noLeaks(t)
	client, server := pair(t, &socket.Factory{}, endpoints[1])
	client.Abort(errors.New("test abort"))
	s, err := server.Stream()
	require.NoError(t, err)
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = s.Read(make([]byte, 1))
	assert.Equal(t, io.EOF, err)
	assert.ErrorIs(t, client.Close(), net.ErrClosed)
}

// TestAcceptForeignDeadline sets the listener's deadline behind its back:
// Accept reports the timeout instead of retrying in a loop.
func TestAcceptForeignDeadline(t *testing.T) {
	noLeaks(t)
	f := &socket.Factory{}
	l := bind(t, f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	tl, ok := conn.Get[*net.TCPListener](l.Properties())
	require.True(t, ok)
	require.NoError(t, tl.SetDeadline(time.Now().Add(-time.Second)))
	_, err := l.Accept(context.Background())
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	_, err = l.Accept(testkit.Context(t))
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.NoError(t, tl.SetDeadline(time.Time{}))

	client, server := connect(t, f, l)
	echo(t, client, server)
}
