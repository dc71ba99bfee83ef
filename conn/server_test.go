package conn_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
)

// serve starts s on a new memory listener and returns the factory, the
// address and a channel receiving Serve's result.
func serve(t *testing.T, s *conn.Server) (*memory.Factory, conn.Listener, <-chan error) {
	t.Helper()
	f := &memory.Factory{}
	l, err := f.Bind(testkit.Context(t), memory.Addr(""), conn.Properties{})
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	return f, l, served
}

// dial connects to l and returns the connection's Stream view.
func dial(t *testing.T, f conn.Factory, l conn.Listener) (conn.Connection, io.ReadWriter) {
	t.Helper()
	c, err := f.Connect(testkit.Context(t), l.Addr(), conn.Properties{})
	require.NoError(t, err)
	s, err := c.Stream()
	require.NoError(t, err)
	return c, s
}

// echo echoes lines through the Stream view until the peer closes.
var echo = conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
	s, err := c.Stream()
	if err != nil {
		return
	}
	io.Copy(s, s)
})

func TestServerServesConcurrently(t *testing.T) {
	s := &conn.Server{Handler: echo}
	f, l, served := serve(t, s)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, rw := dial(t, f, l)
			defer c.Close()
			msg := []byte(strings.Repeat(string(rune('a'+i)), 1000))
			rw.Write(msg)
			got := make([]byte, len(msg))
			_, err := io.ReadFull(rw, got)
			assert.NoError(t, err)
			assert.Equal(t, msg, got)
		}()
	}
	wg.Wait()
	require.NoError(t, s.Shutdown(testkit.Context(t)))
	assert.ErrorIs(t, <-served, conn.ErrServerClosed)
	assert.ErrorIs(t, s.Serve(l), conn.ErrServerClosed, "no serving after Shutdown")
}

func TestShutdownIsGraceful(t *testing.T) {
	s := &conn.Server{Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
		st, _ := c.Stream()
		<-ctx.Done() // told to finish
		st.Write([]byte("bye"))
	})}
	f, l, served := serve(t, s)
	c, rw := dial(t, f, l)
	defer c.Close()
	rw.Write([]byte("hi")) // make sure the connection is being served
	time.Sleep(10 * time.Millisecond)

	require.NoError(t, s.Shutdown(testkit.Context(t)))
	got, err := io.ReadAll(rw)
	require.NoError(t, err, "the handler finished, then the server closed the connection")
	assert.Equal(t, "bye", string(got))
	assert.ErrorIs(t, <-served, conn.ErrServerClosed)
}

func TestShutdownAbortsAfterTheDeadline(t *testing.T) {
	handlerErr := make(chan error, 1)
	s := &conn.Server{Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
		st, _ := c.Stream()
		_, err := st.Read(make([]byte, 10)) // ignores ctx: blocked until aborted
		handlerErr <- err
	})}
	f, l, served := serve(t, s)
	c, rw := dial(t, f, l)
	defer c.Close()
	rw.Write([]byte{})
	time.Sleep(10 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, s.Shutdown(ctx), context.DeadlineExceeded)
	assert.ErrorIs(t, <-handlerErr, conn.ErrServerClosed, "the stuck handler was aborted")
	assert.ErrorIs(t, <-served, conn.ErrServerClosed)
}

func TestPanickingHandlerDoesNotStopTheServer(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelInfo)
	s := &conn.Server{
		Logger: logger,
		Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
			st, _ := c.Stream()
			b := make([]byte, 5)
			io.ReadFull(st, b)
			if string(b) == "panic" {
				panic("handler bug")
			}
			st.Write(b)
		}),
	}
	f, l, served := serve(t, s)

	c1, rw1 := dial(t, f, l)
	rw1.Write([]byte("panic"))
	_, err := io.ReadAll(rw1)
	assert.Error(t, err, "the panicking connection is aborted")
	c1.Close()

	c2, rw2 := dial(t, f, l)
	rw2.Write([]byte("hello"))
	got := make([]byte, 5)
	_, err = io.ReadFull(rw2, got)
	require.NoError(t, err, "the server goes on serving")
	assert.Equal(t, "hello", string(got))
	c2.Close()

	require.NoError(t, s.Shutdown(testkit.Context(t)))
	<-served
	line := logs.RequireOne(t, "conn: handler panicked")
	assert.Contains(t, line, "handler bug")
}

func TestPeerResetMidMessage(t *testing.T) {
	results := make(chan error, 2)
	s := &conn.Server{Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
		p, _ := c.Pipe()
		res, err := p.Input().ReadAtLeast(ctx, 100) // a 100-byte message
		if err == nil {
			p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
			p.Output().Write([]byte("ok"))
			p.Output().Flush(ctx)
		}
		results <- err
	})}
	f, l, served := serve(t, s)

	c1, rw1 := dial(t, f, l)
	rw1.Write(make([]byte, 40)) // half a message, then the peer vanishes
	reset := errors.New("connection reset by test")
	c1.Abort(reset)
	assert.ErrorIs(t, <-results, reset, "the handler sees the reset")

	c2, rw2 := dial(t, f, l)
	rw2.Write(make([]byte, 100))
	got := make([]byte, 2)
	_, err := io.ReadFull(rw2, got)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(got), "other connections are served")
	assert.NoError(t, <-results)
	c2.Close()

	require.NoError(t, s.Shutdown(testkit.Context(t)))
	<-served
}

func TestMiddlewareWrapsInOrder(t *testing.T) {
	var order []string
	var mu sync.Mutex
	mw := func(name string) conn.Middleware {
		return func(next conn.Handler) conn.Handler {
			return conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				next.ServeConn(ctx, c)
			})
		}
	}
	done := make(chan struct{})
	s := &conn.Server{
		Middleware: []conn.Middleware{mw("outer"), mw("inner")},
		Handler: conn.HandlerFunc(func(ctx context.Context, c conn.Connection) {
			mu.Lock()
			order = append(order, "handler")
			mu.Unlock()
			close(done)
		}),
	}
	f, l, served := serve(t, s)
	c, _ := dial(t, f, l)
	<-done
	c.Close()
	require.NoError(t, s.Shutdown(testkit.Context(t)))
	<-served
	assert.Equal(t, []string{"outer", "inner", "handler"}, order)
}

func TestClientChainsLayers(t *testing.T) {
	var sides sync.Map
	f := &memory.Factory{}
	l, err := f.Bind(testkit.Context(t), memory.Addr("svc"), conn.Properties{})
	require.NoError(t, err)
	defer l.Close()
	type opt struct{ v string }
	client := &conn.Client{Transport: f, Layers: []conn.Layer{tagLayer("a", &sides)}, Properties: conn.With(conn.Properties{}, opt{"base"})}
	c, err := client.Connect(testkit.Context(t), memory.Addr("svc"), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	tg, ok := conn.Get[tag](c.Properties())
	require.True(t, ok)
	assert.Equal(t, []string{"a"}, tg.names)
	o, ok := conn.Get[opt](c.Properties())
	require.True(t, ok, "the client's properties reach the transport")
	assert.Equal(t, "base", o.v)
	s, err := l.Accept(testkit.Context(t))
	require.NoError(t, err)
	s.Close()
}
