package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/conntest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// view is how a side of a test uses its connection.
type view string

const (
	streamView view = "stream"
	pipeView   view = "pipe"
)

// sendAll writes data to c through v, in chunks, and flushes.
func sendAll(ctx context.Context, c conn.Connection, v view, data []byte) error {
	const chunk = 16 << 10
	if v == streamView {
		s, err := c.Stream()
		if err != nil {
			return err
		}
		_, err = s.Write(data)
		return err
	}
	p, err := c.Pipe()
	if err != nil {
		return err
	}
	out := p.Output()
	for i := 0; len(data) > 0; i++ {
		n := min(chunk, len(data))
		if i%2 == 0 { // alternate Buffer+Advance and Write
			copy(out.Buffer(n)[:n], data[:n])
			out.Advance(n)
		} else if _, err := out.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
		if _, err := out.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// receive reads exactly n bytes from c through v.
func receive(ctx context.Context, c conn.Connection, v view, n int) ([]byte, error) {
	got := make([]byte, 0, n)
	if v == streamView {
		s, err := c.Stream()
		if err != nil {
			return nil, err
		}
		got = got[:n]
		_, err = io.ReadFull(s, got)
		return got, err
	}
	p, err := c.Pipe()
	if err != nil {
		return nil, err
	}
	in := p.Input()
	for len(got) < n {
		res, err := in.Read(ctx)
		if err != nil {
			return got, err
		}
		buf := res.Buffer
		take := buf.Slice(0, min(buf.Len(), int64(n-len(got))))
		for seg := range take.All() {
			got = append(got, seg...)
		}
		in.AdvanceTo(take.End(), take.End()) // the rest stays unexamined: it is there
		if res.Completed && len(got) < n {
			return got, io.ErrUnexpectedEOF
		}
	}
	return got, nil
}

// echo reads n bytes from c through v and sends them back.
func echo(ctx context.Context, c conn.Connection, v view, n int) error {
	const chunk = 32 << 10
	for n > 0 {
		b, err := receive(ctx, c, v, min(chunk, n))
		if err != nil {
			return err
		}
		if err := sendAll(ctx, c, v, b); err != nil {
			return err
		}
		n -= len(b)
	}
	return nil
}

// roundTrip sends data from client and reads it back, with server echoing.
func roundTrip(t *testing.T, client, server conn.Connection, cv, sv view, data []byte) {
	t.Helper()
	ctx := testkit.Context(t)
	var echoErr, sendErr error
	echoed := testkit.Async(func() {
		if echoErr = echo(ctx, server, sv, len(data)); echoErr != nil {
			server.Abort(echoErr) // fail the client's reads instead of hanging them
		}
	})
	sent := testkit.Async(func() { sendErr = sendAll(ctx, client, cv, data) })
	got, err := receive(ctx, client, cv, len(data))
	testkit.RequireDone(t, sent)
	testkit.RequireDone(t, echoed)
	require.NoError(t, echoErr)
	require.NoError(t, sendErr)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "echoed bytes differ")
}

// pair connects to l through client and returns both ends of the
// connection, closed at cleanup.
func pair(t *testing.T, l conn.Listener, client conn.Factory) (c, s conn.Connection) {
	t.Helper()
	ctx := testkit.Context(t)
	c, err := client.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	s, err = l.Accept(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return c, s
}

func bind(t *testing.T, f conn.Factory, name string) conn.Listener {
	t.Helper()
	l, err := f.Bind(testkit.Context(t), memory.Addr(name), conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

func connStats(t *testing.T, c conn.Connection) *metrics.ConnStats {
	t.Helper()
	s, ok := conn.Get[*metrics.ConnStats](c.Properties())
	require.True(t, ok, "no *metrics.ConnStats in %v", c.Properties())
	return s
}

func TestCountsBytesThroughBothViews(t *testing.T) {
	const size = 1 << 20
	data := testkit.RandomBytes(size, 1)
	for _, cv := range []view{streamView, pipeView} {
		for _, sv := range []view{streamView, pipeView} {
			t.Run(fmt.Sprintf("client %s, server %s", cv, sv), func(t *testing.T) {
				var mem memory.Factory
				var cm, sm metrics.Meter
				l := bind(t, metrics.Layer(&sm)(&mem), "echo")
				c, s := pair(t, l, metrics.Layer(&cm)(&mem))
				roundTrip(t, c, s, cv, sv, data)

				for _, side := range []struct {
					name string
					c    conn.Connection
					m    *metrics.Meter
				}{{"client", c, &cm}, {"server", s, &sm}} {
					cs := connStats(t, side.c)
					assert.EqualValues(t, size, cs.BytesRead(), "%s connection read", side.name)
					assert.EqualValues(t, size, cs.BytesWritten(), "%s connection written", side.name)
					st := side.m.Snapshot()
					assert.EqualValues(t, size, st.BytesRead, "%s meter read", side.name)
					assert.EqualValues(t, size, st.BytesWritten, "%s meter written", side.name)
					assert.EqualValues(t, 1, st.Open, side.name)
				}
			})
		}
	}
}

func TestCountsConnections(t *testing.T) {
	var mem memory.Factory
	var cm, sm metrics.Meter
	ctx := testkit.Context(t)
	l := bind(t, metrics.Layer(&sm)(&mem), "counts")
	client := metrics.Layer(&cm)(&mem)

	const n = 10
	var clients, servers []conn.Connection
	for range n {
		c, err := client.Connect(ctx, l.Addr(), conn.Properties{})
		require.NoError(t, err)
		s, err := l.Accept(ctx)
		require.NoError(t, err)
		clients, servers = append(clients, c), append(servers, s)
	}
	want := metrics.Stats{Open: n, Opened: n}
	assert.Equal(t, want, cm.Snapshot())
	assert.Equal(t, want, sm.Snapshot())

	// Five closed, two aborted, three through their Stream view.
	for i, c := range clients {
		switch {
		case i < 5:
			require.NoError(t, c.Close())
		case i < 7:
			c.Abort(nil)
		default:
			s, err := c.Stream()
			require.NoError(t, err)
			require.NoError(t, s.Close())
		}
		assert.EqualValues(t, n-1-i, cm.Snapshot().Open, "after closing %d", i+1)
	}
	for _, c := range clients {
		assert.ErrorIs(t, c.Close(), net.ErrClosed, "a second Close")
		c.Abort(nil)
		_, err := c.Pipe()
		assert.ErrorIs(t, err, net.ErrClosed)
	}
	assert.Equal(t, metrics.Stats{Opened: n, Closed: n}, cm.Snapshot(), "each counted closed once")

	for _, s := range servers[:4] {
		require.NoError(t, s.Close())
	}
	assert.Equal(t, metrics.Stats{Open: n - 4, Opened: n, Closed: 4}, sm.Snapshot())
	for _, s := range servers[4:] {
		s.Close()
	}
	assert.Equal(t, metrics.Stats{Opened: n, Closed: n}, sm.Snapshot())
}

func TestConcurrentConnectionsShareAMeter(t *testing.T) {
	const conns = 20
	size := 64 << 10
	var mem memory.Factory
	var m metrics.Meter
	layer := metrics.Layer(&m)
	l := bind(t, layer(&mem), "shared")
	client := layer(&mem)
	ctx := testkit.Context(t)

	stop := make(chan struct{})
	watched := testkit.Async(func() { // read while the counters move
		for {
			select {
			case <-stop:
				return
			default:
				st := m.Snapshot()
				if st.Open < 0 || st.BytesRead < 0 {
					panic("negative count")
				}
			}
		}
	})
	var wg sync.WaitGroup
	errs := make(chan error, 2*conns)
	for i := range conns {
		cv, sv := streamView, pipeView
		if i%2 == 1 {
			cv, sv = pipeView, streamView
		}
		data := testkit.RandomBytes(size, uint64(i))
		wg.Go(func() {
			c, err := client.Connect(ctx, l.Addr(), conn.Properties{})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if err := sendAll(ctx, c, cv, data); err != nil {
				errs <- err
				return
			}
			got, err := receive(ctx, c, cv, size)
			if err == nil && !bytes.Equal(got, data) {
				err = fmt.Errorf("connection %d: echo differs", i)
			}
			if err == nil { // close once the server did, lest its last write fail
				_, err = receive(ctx, c, cv, 1)
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					err = nil
				}
			}
			if err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			s, err := l.Accept(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			if err := echo(ctx, s, sv, size); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(stop)
	testkit.RequireDone(t, watched)
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	total := int64(2 * conns * size) // each byte is read and written once per side
	assert.Equal(t, metrics.Stats{BytesRead: total, BytesWritten: total, Opened: 2 * conns, Closed: 2 * conns}, m.Snapshot())
}

func TestPipeViewCountsInPlace(t *testing.T) {
	var mem memory.Factory
	var rec conntest.Recorder
	ctx := testkit.Context(t)
	l := bind(t, &mem, "zero-copy")
	c, err := conn.Chain(&mem, rec.Layer, metrics.Layer(nil)).Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept(ctx)
	require.NoError(t, err)
	defer s.Close()

	p, err := c.Pipe()
	require.NoError(t, err)
	again, err := c.Pipe()
	require.NoError(t, err)
	assert.Same(t, p, again, "the same view each time")
	_, err = c.Stream()
	assert.ErrorIs(t, err, conn.ErrViewTaken)

	lower, err := rec.Conns()[0].Pipe()
	require.NoError(t, err)
	assert.NotSame(t, lower, p, "the view counts")
	buf := p.Output().Buffer(100)
	assert.Same(t, &lower.Output().Buffer(100)[0], &buf[0], "the writer's memory is the pipe's below: no copy")
	copy(buf, "ping")
	p.Output().Advance(4)
	_, err = p.Output().Flush(ctx)
	require.NoError(t, err)

	sp, err := s.Pipe()
	require.NoError(t, err)
	res, err := sp.Input().Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "ping", res.Buffer.String())
	sp.Input().AdvanceTo(res.Buffer.Start(), res.Buffer.End())
	require.NoError(t, sendAll(ctx, s, pipeView, []byte("pong!")))

	in := p.Input()
	res, err = in.Read(ctx)
	require.NoError(t, err)
	buf2 := res.Buffer
	in.AdvanceTo(buf2.PositionAt(2), buf2.PositionAt(2))
	stats := connStats(t, c)
	assert.EqualValues(t, 2, stats.BytesRead(), "only consumed bytes count")
	res, err = in.ReadAtLeast(ctx, 3)
	require.NoError(t, err)
	in.Consume(res.Buffer.PositionAt(1))
	assert.EqualValues(t, 3, stats.BytesRead())
	res, ok, err := in.TryRead()
	require.True(t, ok)
	require.NoError(t, err)
	in.Consume(res.Buffer.End())
	assert.EqualValues(t, 5, stats.BytesRead())
	assert.EqualValues(t, 4, stats.BytesWritten())
}

func TestPropertiesPassThrough(t *testing.T) {
	type tag struct{ v string }
	var mem memory.Factory
	ctx := testkit.Context(t)
	l := bind(t, metrics.Layer(nil)(&mem), "props")
	assert.Equal(t, memory.Addr("props"), l.Addr())
	c, err := metrics.Layer(nil)(&mem).Connect(ctx, l.Addr(), conn.With(conn.Properties{}, tag{"client"}))
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept(ctx)
	require.NoError(t, err)
	defer s.Close()

	got, ok := conn.Get[tag](c.Properties())
	assert.True(t, ok)
	assert.Equal(t, "client", got.v)
	assert.NotSame(t, connStats(t, c), connStats(t, s), "each connection has its own")
	assert.Equal(t, memory.Addr("props"), c.RemoteAddr())
	assert.Equal(t, c.LocalAddr(), s.RemoteAddr())

	st, err := c.Stream()
	require.NoError(t, err)
	_, ok = st.(interface{ CloseWrite() error })
	assert.True(t, ok, "the stream below (duplex.ToConn) can half-close, so the view can")
	require.NoError(t, sendAll(ctx, c, streamView, []byte("bye")))
	require.NoError(t, st.(interface{ CloseWrite() error }).CloseWrite())
	ss, err := s.Stream()
	require.NoError(t, err)
	all, err := io.ReadAll(ss)
	require.NoError(t, err)
	assert.Equal(t, "bye", string(all))
	assert.EqualValues(t, 3, connStats(t, s).BytesRead())
}
