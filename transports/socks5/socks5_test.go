package socks5_test

import (
	"bytes"
	gocontext "context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	gosocks5 "github.com/armon/go-socks5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	xcontext "golang.org/x/net/context"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/transports/socks5"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startProxy serves an armon/go-socks5 proxy, configured by cfg, on a
// loopback port; it stops at t's cleanup.
func startProxy(t *testing.T, cfg *gosocks5.Config) net.Addr {
	if cfg.Logger == nil {
		cfg.Logger = log.New(io.Discard, "", 0)
	}
	srv, err := gosocks5.New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	// Serve returns once the listener is closed; each connection it
	// serves ends when both its ends are closed.
	done := testkit.Async(func() { srv.Serve(ln) })
	t.Cleanup(func() {
		ln.Close()
		testkit.RequireDone(t, done)
	})
	return ln.Addr()
}

// startEcho serves an echo on a loopback port, sending back what it reads
// and closing once the client half-closed; it stops at t's cleanup.
func startEcho(t *testing.T) *net.TCPAddr {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(testkit.Wait))
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) *net.TCPAddr {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	return addr
}

// through returns the socket transport behind a socks5 layer to proxy.
func through(proxy net.Addr, user, password string) conn.Factory {
	return conn.Chain(&socket.Factory{}, socks5.Layer(socks5.Config{Proxy: proxy, Username: user, Password: password}))
}

// echoStream sends data on c's Stream view, half-closes and checks that
// the same bytes come back, then the end of the stream.
func echoStream(t *testing.T, c conn.Connection, data []byte) {
	s, err := c.Stream()
	require.NoError(t, err)
	testkit.SetDeadlines(t, testkit.Wait, s)
	var werr error
	sent := testkit.Async(func() {
		if _, werr = s.Write(data); werr == nil {
			werr = s.(interface{ CloseWrite() error }).CloseWrite()
		}
	})
	got, err := io.ReadAll(s)
	testkit.RequireDone(t, sent)
	require.NoError(t, werr)
	require.NoError(t, err)
	require.Equal(t, len(data), len(got))
	assert.True(t, bytes.Equal(data, got), "the echo differs")
}

func TestEchoThroughProxy(t *testing.T) {
	proxy := startProxy(t, &gosocks5.Config{})
	target := startEcho(t)
	c, err := through(proxy, "", "").Connect(testkit.Context(t), target, conn.Properties{})
	require.NoError(t, err)
	defer c.Close()

	assert.Equal(t, target, c.RemoteAddr())
	info, ok := conn.Get[*socks5.Info](c.Properties())
	require.True(t, ok)
	assert.Equal(t, proxy, info.Proxy)
	assert.Equal(t, socks5.MethodNoAuth, info.Method)
	bound, ok := info.Bound.(*net.TCPAddr)
	require.True(t, ok, "armon/go-socks5 reports the IP its dial to the target bound")
	assert.True(t, bound.IP.IsLoopback())
	assert.NotZero(t, bound.Port)
	tcp, ok := conn.Get[*net.TCPConn](c.Properties())
	require.True(t, ok, "the socket's property passes through")
	assert.Equal(t, proxy.String(), tcp.RemoteAddr().String(), "the socket is connected to the proxy")
	assert.Equal(t, tcp.LocalAddr(), c.LocalAddr())

	s, err := c.Stream()
	require.NoError(t, err)
	assert.Equal(t, target, s.RemoteAddr())
	echoStream(t, c, testkit.RandomBytes(1<<20, 1))
}

func TestEchoThroughProxyPipeView(t *testing.T) {
	proxy := startProxy(t, &gosocks5.Config{})
	target := startEcho(t)
	ctx := testkit.Context(t)
	c, err := through(proxy, "", "").Connect(ctx, target, conn.Properties{})
	require.NoError(t, err)
	p, err := c.Pipe()
	require.NoError(t, err)
	data := testkit.RandomBytes(256<<10, 2)
	var werr error
	sent := testkit.Async(func() {
		if _, werr = p.Output().Write(data); werr == nil {
			_, werr = p.Output().Flush(ctx)
		}
		p.Output().Complete(nil) // half-closes: the echo ends
	})
	var got []byte
	for {
		res, err := p.Input().Read(ctx)
		require.NoError(t, err)
		got = append(got, res.Buffer.Bytes()...)
		p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if res.Completed {
			break
		}
	}
	testkit.RequireDone(t, sent)
	require.NoError(t, werr)
	assert.True(t, bytes.Equal(data, got), "the echo differs")
	assert.NoError(t, c.Close(), "the output was completed: nothing left to flush")
}

func TestUsernamePassword(t *testing.T) {
	proxy := startProxy(t, &gosocks5.Config{Credentials: gosocks5.StaticCredentials{"alice": "s3cret"}})
	target := startEcho(t)
	ctx := testkit.Context(t)

	c, err := through(proxy, "alice", "s3cret").Connect(ctx, target, conn.Properties{})
	require.NoError(t, err)
	info, _ := conn.Get[*socks5.Info](c.Properties())
	assert.Equal(t, socks5.MethodUsernamePassword, info.Method)
	echoStream(t, c, []byte("hello, alice"))
	c.Close()

	_, err = through(proxy, "alice", "wrong").Connect(ctx, target, conn.Properties{})
	assert.ErrorIs(t, err, socks5.ErrAuthFailed)
	assert.ErrorContains(t, err, "socks5: connect "+target.String()+" via "+proxy.String()+": ")

	_, err = through(proxy, "", "").Connect(ctx, target, conn.Properties{})
	assert.ErrorIs(t, err, socks5.ErrNoAcceptableMethods, "the proxy requires credentials")
}

func TestTargetRefused(t *testing.T) {
	proxy := startProxy(t, &gosocks5.Config{})
	target := closedPort(t)
	_, err := through(proxy, "", "").Connect(testkit.Context(t), target, conn.Properties{})
	var re *socks5.ReplyError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, []byte{socks5.ReplyConnectionRefused, socks5.ReplyGeneralFailure}, re.Code)
	if re.Code == socks5.ReplyConnectionRefused {
		assert.ErrorContains(t, err, "connection refused (code 5)")
	}
}

// recordingResolver resolves every name to 127.0.0.1 and records them.
type recordingResolver struct {
	mu    sync.Mutex
	names []string
}

func (r *recordingResolver) Resolve(ctx xcontext.Context, name string) (xcontext.Context, net.IP, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
	if name != "localhost" {
		return ctx, nil, errors.New("no such host")
	}
	return ctx, net.IPv4(127, 0, 0, 1), nil
}

func TestHostnameSentAsDomain(t *testing.T) {
	resolver := &recordingResolver{}
	proxy := startProxy(t, &gosocks5.Config{Resolver: resolver})
	target := startEcho(t)
	ctx := testkit.Context(t)
	addr := socks5.Addr("localhost:" + strconv.Itoa(target.Port))
	c, err := through(proxy, "", "").Connect(ctx, addr, conn.Properties{})
	require.NoError(t, err)
	assert.Equal(t, addr, c.RemoteAddr())
	echoStream(t, c, []byte("hello, localhost"))
	c.Close()

	// A name only the proxy could resolve: the client does not look it up.
	_, err = through(proxy, "", "").Connect(ctx, socks5.Addr("db.internal.invalid:5432"), conn.Properties{})
	var re *socks5.ReplyError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, socks5.ReplyHostUnreachable, re.Code, "armon/go-socks5's answer to a failed resolution")

	resolver.mu.Lock()
	defer resolver.mu.Unlock()
	assert.Equal(t, []string{"localhost", "db.internal.invalid"}, resolver.names, "the proxy resolves the names")
}

// holdingProxy accepts connections on a loopback port and never answers;
// each accepted connection's end (the client closing it) is reported on
// the returned channel.
func holdingProxy(t *testing.T) (net.Addr, <-chan error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ended := make(chan error, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(testkit.Wait))
				_, err := io.Copy(io.Discard, c)
				ended <- err
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr(), ended
}

func TestProxyNeverAnswers(t *testing.T) {
	proxy, ended := holdingProxy(t)
	f := through(proxy, "", "")
	target := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 80}

	ctx, cancel := gocontext.WithTimeout(gocontext.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.Connect(ctx, target, conn.Properties{})
	assert.ErrorIs(t, err, gocontext.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second, "the deadline interrupts the handshake promptly")
	select {
	case err := <-ended:
		assert.False(t, errors.Is(err, os.ErrDeadlineExceeded), "the proxy's connection ends when the client aborts it: %v", err)
	case <-time.After(testkit.Wait):
		t.Fatal("the connection to the proxy was not closed")
	}

	ctx, cancel = gocontext.WithCancel(gocontext.Background())
	done := testkit.Async(func() { _, err = f.Connect(ctx, target, conn.Properties{}) })
	testkit.RequireBlocked(t, done)
	cancel()
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, err, gocontext.Canceled)
}

func TestProxyDown(t *testing.T) {
	proxy := closedPort(t)
	_, err := through(proxy, "", "").Connect(testkit.Context(t), startEcho(t), conn.Properties{})
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.ErrorContains(t, err, "via "+proxy.String()+": socket: connect")
}

func TestAbortReachesTarget(t *testing.T) {
	proxy := startProxy(t, &gosocks5.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var targetErr error
	served := testkit.Async(func() {
		c, err := ln.Accept()
		if err != nil {
			targetErr = err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(testkit.Wait))
		c.Write([]byte("hi"))
		_, targetErr = io.Copy(io.Discard, c)
	})

	c, err := through(proxy, "", "").Connect(testkit.Context(t), ln.Addr(), conn.Properties{})
	require.NoError(t, err)
	s, err := c.Stream()
	require.NoError(t, err)
	testkit.SetDeadlines(t, testkit.Wait, s)
	got := make([]byte, 2)
	_, err = io.ReadFull(s, got)
	require.NoError(t, err)
	testkit.RequireBlocked(t, served)
	c.Abort(errors.New("enough"))
	testkit.RequireDone(t, served)
	assert.NoError(t, targetErr, "the proxy closes its connection to the target")
	_, err = c.Stream()
	assert.ErrorIs(t, err, net.ErrClosed)
}

// TestOverMemory runs the layer over the memory transport: Bind passes
// through, and the handshake's deadline works on a memory Stream view.
func TestOverMemory(t *testing.T) {
	var mem memory.Factory
	ctx := testkit.Context(t)
	f := conn.Chain(&mem, socks5.Layer(socks5.Config{Proxy: memory.Addr("proxy")}))

	l, err := f.Bind(ctx, memory.Addr("svc"), conn.With(conn.Properties{}, lowerKey{}))
	require.NoError(t, err)
	defer l.Close()
	assert.Equal(t, memory.Addr("svc"), l.Addr())
	_, ok := conn.Get[lowerKey](l.Properties())
	assert.True(t, ok, "the listener is the lower factory's")
	client, err := mem.Connect(ctx, memory.Addr("svc"), conn.Properties{})
	require.NoError(t, err)
	defer client.Close()
	server, err := l.Accept(ctx)
	require.NoError(t, err, "a direct client reaches the server: no handshake on the server side")
	defer server.Close()
	_, ok = conn.Get[*socks5.Info](server.Properties())
	assert.False(t, ok)

	_, err = f.Connect(ctx, targetIPv4, conn.Properties{})
	assert.ErrorIs(t, err, memory.ErrConnectionRefused, "no proxy bound yet")

	pl, err := mem.Bind(ctx, memory.Addr("proxy"), conn.Properties{})
	require.NoError(t, err)
	defer pl.Close()
	short, cancel := gocontext.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = f.Connect(short, targetIPv4, conn.Properties{})
	assert.ErrorIs(t, err, gocontext.DeadlineExceeded, "the memory proxy never answers")
	held, err := pl.Accept(ctx)
	require.NoError(t, err)
	p, err := held.Pipe()
	require.NoError(t, err)
	for {
		res, err := p.Input().Read(ctx)
		if err != nil {
			break // the client's abort
		}
		p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if res.Completed {
			break
		}
	}
	require.NoError(t, ctx.Err(), "the client aborts the connection to the proxy")
	held.Close()
}
