package auto_test

import (
	"io"
	"net"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/auto"
)

// netpoll's pollers (where it is the default) start on first use and live
// as long as the process: they are ignored, as transports/netpoll's tests do.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"),
	)
}

func TestNameMatchesPlatform(t *testing.T) {
	want := "socket"
	if (runtime.GOOS == "linux" || runtime.GOOS == "darwin") &&
		(runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") {
		want = "netpoll"
	}
	assert.Equal(t, want, auto.Name)
	typ := reflect.TypeOf(auto.Factory()).String()
	assert.Equal(t, "*"+want+".Factory", typ, "Factory returns the transport Name says")
	assert.NotSame(t, auto.Factory(), auto.Factory(), "each call returns a new factory")
}

// TestEchoBothViews: a server on the Pipe view echoes what a client writes
// on the Stream view, and a server on the Stream view echoes what a client
// writes on the Pipe view.
func TestEchoBothViews(t *testing.T) {
	ctx := testkit.Context(t)
	f := auto.Factory()
	l, err := f.Bind(ctx, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	defer l.Close()
	msg := testkit.RandomBytes(64<<10, 5)

	// Server 1: Pipe view; server 2: Stream view.
	served := testkit.Async(func() {
		c, err := l.Accept(ctx)
		if !assert.NoError(t, err) {
			return
		}
		defer c.Close()
		p, err := c.Pipe()
		if !assert.NoError(t, err) {
			return
		}
		for {
			res, err := p.Input().Read(ctx)
			if !assert.NoError(t, err) {
				return
			}
			for b := range res.Buffer.All() {
				p.Output().Write(b)
			}
			p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
			if _, err := p.Output().Flush(ctx); !assert.NoError(t, err) || res.Completed {
				return
			}
		}
	})
	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	s, err := c.Stream()
	require.NoError(t, err)
	testkit.SetDeadlines(t, testkit.Wait, s)
	_, err = s.Write(msg) // 64 KiB: the socket buffers take it
	require.NoError(t, err)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(s, got)
	require.NoError(t, err)
	assert.Equal(t, msg, got, "Stream client, Pipe server")
	require.NoError(t, c.Close())
	testkit.RequireDone(t, served)

	served = testkit.Async(func() {
		c, err := l.Accept(ctx)
		if !assert.NoError(t, err) {
			return
		}
		defer c.Close()
		s, err := c.Stream()
		if !assert.NoError(t, err) {
			return
		}
		io.Copy(s, s)
	})
	c, err = f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	p, err := c.Pipe()
	require.NoError(t, err)
	_, err = p.Output().Write(msg)
	require.NoError(t, err)
	_, err = p.Output().Flush(ctx)
	require.NoError(t, err)
	res, err := p.Input().ReadAtLeast(ctx, len(msg))
	require.NoError(t, err)
	assert.Equal(t, int64(len(msg)), res.Buffer.Len())
	var sb strings.Builder
	for b := range res.Buffer.All() {
		sb.Write(b)
	}
	p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	assert.Equal(t, string(msg), sb.String(), "Pipe client, Stream server")
	require.NoError(t, c.Close())
	testkit.RequireDone(t, served)
}
