package conn_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
)

// tag is a property a test layer adds.
type tag struct{ names []string }

// tagLayer is a layer that adds its name to the connection's tag property,
// on both sides, recording the sides it saw.
func tagLayer(name string, sides *sync.Map) conn.Layer {
	return func(f conn.Factory) conn.Factory {
		return conn.Filter(f, func(ctx context.Context, c conn.Connection, side conn.Side) (conn.Connection, error) {
			sides.Store(name+"/"+side.String(), true)
			t, _ := conn.Get[tag](c.Properties())
			names := append(append([]string{}, t.names...), name)
			p, err := c.Pipe()
			if err != nil {
				return nil, err
			}
			return conn.New(conn.Base{Pipe: p, Lower: c, LocalAddr: c.LocalAddr(), RemoteAddr: c.RemoteAddr(),
				Properties: conn.With(c.Properties(), tag{names})}), nil
		})
	}
}

func TestChainAppliesLayersInOrderOnBothSides(t *testing.T) {
	var sides sync.Map
	f := conn.Chain(&memory.Factory{}, tagLayer("a", &sides), tagLayer("b", &sides), tagLayer("c", &sides), tagLayer("d", &sides))
	client, server := pair(t, f)
	for _, c := range []conn.Connection{client, server} {
		got, ok := conn.Get[tag](c.Properties())
		require.True(t, ok)
		assert.Equal(t, []string{"a", "b", "c", "d"}, got.names, "the first layer is closest to the transport")
	}
	for _, name := range []string{"a", "b", "c", "d"} {
		for _, side := range []string{"client", "server"} {
			_, ok := sides.Load(name + "/" + side)
			assert.True(t, ok, "%s saw the %s side", name, side)
		}
	}

	// Bytes flow through the stack, and Close closes every layer.
	p, err := client.Pipe()
	require.NoError(t, err)
	p.Output().Write([]byte("through four layers"))
	require.NoError(t, client.Close())
	p2, err := server.Pipe()
	require.NoError(t, err)
	res, err := p2.Input().ReadAtLeast(testkit.Context(t), len("through four layers"))
	require.NoError(t, err)
	assert.Equal(t, "through four layers", res.Buffer.String())
	p2.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	require.NoError(t, server.Close())
}

func TestFilterErrorsDoNotStopTheListener(t *testing.T) {
	refuse := errors.New("not this one")
	f := conn.Filter(&memory.Factory{}, func(ctx context.Context, c conn.Connection, side conn.Side) (conn.Connection, error) {
		if side == conn.ServerSide && strings.HasSuffix(c.RemoteAddr().String(), "-1") {
			return nil, refuse
		}
		return c, nil
	})
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("svc"), conn.Properties{})
	require.NoError(t, err)
	defer l.Close()

	first, err := f.Connect(ctx, l.Addr(), conn.Properties{}) // client-1: refused by the filter
	require.NoError(t, err)
	defer first.Close()
	_, err = l.Accept(ctx)
	var ferr *conn.FilterError
	require.ErrorAs(t, err, &ferr)
	assert.ErrorIs(t, err, refuse)

	second, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer second.Close()
	c, err := l.Accept(ctx)
	require.NoError(t, err, "the listener goes on")
	assert.Equal(t, second.LocalAddr(), c.RemoteAddr())
	c.Close()
}

func TestSlowFilterDoesNotBlockOthers(t *testing.T) {
	stuck := make(chan struct{})
	f := conn.Filter(&memory.Factory{}, func(ctx context.Context, c conn.Connection, side conn.Side) (conn.Connection, error) {
		if side == conn.ServerSide && strings.HasSuffix(c.RemoteAddr().String(), "-1") {
			close(stuck)
			<-ctx.Done() // a handshake that never ends, until the listener closes
			return nil, ctx.Err()
		}
		return c, nil
	})
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("slow"), conn.Properties{})
	require.NoError(t, err)

	slow, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer slow.Close()
	accepted := make(chan conn.Connection, 1)
	go func() {
		c, _ := l.Accept(ctx)
		accepted <- c
	}()
	<-stuck
	fast, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer fast.Close()
	c := <-accepted
	require.NotNil(t, c)
	assert.Equal(t, fast.LocalAddr(), c.RemoteAddr(), "accepted while the other filter hangs")
	c.Close()

	require.NoError(t, l.Close(), "Close cancels the stuck filter and waits for it")
	_, err = l.Accept(ctx)
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestNetListenerServesHTTP(t *testing.T) {
	f := &memory.Factory{}
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("http"), conn.Properties{})
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s over %s", r.URL.Path[1:], r.RemoteAddr)
	})}
	served := testkit.Async(func() { srv.Serve(conn.NetListener(l)) })

	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, err := f.Connect(ctx, memory.Addr("http"), conn.Properties{})
			if err != nil {
				return nil, err
			}
			return c.Stream()
		},
	}}
	resp, err := client.Get("http://bedrock/world")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "hello world over client-")

	client.CloseIdleConnections()
	require.NoError(t, srv.Shutdown(ctx))
	testkit.RequireDone(t, served)
}
