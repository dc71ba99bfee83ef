package conn_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/transports/memory"
)

// told records what an Observer's hooks were told.
type told struct {
	mu                  sync.Mutex
	reads, writes       []string // the bytes of each
	readErrs, writeErrs []error
	parts               []int // the contiguous runs of each read
	progress            []bool
	closed, aborted     []error // the errors of each
}

func (r *told) observer() conn.Observer {
	return conn.Observer{
		Read: func(b conn.Chunk, err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			parts := 0
			for range b.All() {
				parts++
			}
			r.reads, r.readErrs, r.parts = append(r.reads, string(b.AppendTo(nil))), append(r.readErrs, err), append(r.parts, parts)
		},
		Write: func(b conn.Chunk, err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.writes, r.writeErrs = append(r.writes, string(b.AppendTo(nil))), append(r.writeErrs, err)
		},
		Progress: func(in bool) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.progress = append(r.progress, in)
		},
		Closed: func(err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.closed = append(r.closed, err)
		},
		Aborted: func(err error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.aborted = append(r.aborted, err)
		},
	}
}

func TestObserveStreamView(t *testing.T) {
	client, server := pair(t, &memory.Factory{})
	var r told
	c := conn.Observe(client, r.observer())
	defer server.Close()

	cs, err := c.Stream()
	require.NoError(t, err)
	again, err := c.Stream()
	require.NoError(t, err)
	assert.True(t, cs == again, "the same view each time")
	_, err = c.Pipe()
	assert.ErrorIs(t, err, conn.ErrViewTaken, "the rules of the views below")
	lower, err := client.Stream()
	require.NoError(t, err)
	assert.True(t, cs != lower, "wrapped to observe")
	_, ok := cs.(io.ReaderFrom)
	assert.False(t, ok, "io.ReaderFrom would bypass the hooks")
	assert.Equal(t, client.LocalAddr(), cs.LocalAddr())

	_, err = cs.Write([]byte("hello"))
	require.NoError(t, err)
	ss, err := server.Stream()
	require.NoError(t, err)
	got := make([]byte, 5)
	_, err = io.ReadFull(ss, got)
	require.NoError(t, err)
	_, err = ss.Write([]byte("world"))
	require.NoError(t, err)
	small := make([]byte, 3)
	n, err := cs.Read(small)
	require.NoError(t, err)
	assert.Equal(t, "wor", string(small[:n]))
	n, err = cs.Read(small)
	require.NoError(t, err)
	assert.Equal(t, "ld", string(small[:n]))

	cw, ok := cs.(interface{ CloseWrite() error })
	require.True(t, ok, "the stream below (duplex.ToConn) can half-close, so the view can")
	require.NoError(t, cw.CloseWrite())
	all, err := io.ReadAll(ss)
	require.NoError(t, err)
	assert.Empty(t, all)
	require.NoError(t, server.Close())
	_, err = cs.Read(small)
	assert.ErrorIs(t, err, io.EOF)

	require.NoError(t, cs.Close(), "closing the Stream view closes the connection")
	assert.ErrorIs(t, c.Close(), net.ErrClosed)
	c.Abort(errors.New("late"))
	_, err = c.Stream()
	assert.ErrorIs(t, err, net.ErrClosed)

	r.mu.Lock()
	defer r.mu.Unlock()
	assert.Equal(t, []string{"hello"}, r.writes)
	assert.Equal(t, []error{nil}, r.writeErrs)
	assert.Equal(t, []string{"wor", "ld", ""}, r.reads)
	assert.Equal(t, []error{nil, nil, io.EOF}, r.readErrs)
	assert.Equal(t, []bool{false, true, true}, r.progress)
	assert.Equal(t, []error{nil}, r.closed, "Closed told once, with the error of the Close below")
	assert.Empty(t, r.aborted)
}

func TestObservePipeViewInPlace(t *testing.T) {
	client, server := pair(t, &memory.Factory{PipeOptions: pipe.Options{MinimumSegmentSize: 512}})
	defer server.Close()
	var r told
	c := conn.Observe(client, r.observer())
	ctx := testkit.Context(t)

	p, err := c.Pipe()
	require.NoError(t, err)
	again, err := c.Pipe()
	require.NoError(t, err)
	assert.Same(t, p, again, "the same view each time")
	_, err = c.Stream()
	assert.ErrorIs(t, err, conn.ErrViewTaken)
	lower, err := client.Pipe()
	require.NoError(t, err)
	assert.NotSame(t, lower, p, "wrapped to observe")
	assert.Equal(t, client.RemoteAddr(), p.(interface{ RemoteAddr() net.Addr }).RemoteAddr())

	buf := p.Output().Buffer(100)
	assert.Same(t, &lower.Output().Buffer(100)[0], &buf[0], "the writer's memory is the pipe's below: no copy")
	copy(buf, "ping")
	p.Output().Advance(4)
	_, err = p.Output().Write([]byte("!"))
	require.NoError(t, err)
	_, err = p.Output().Flush(ctx)
	require.NoError(t, err)

	sp, err := server.Pipe()
	require.NoError(t, err)
	res, err := sp.Input().ReadAtLeast(ctx, 5)
	require.NoError(t, err)
	assert.Equal(t, "ping!", res.Buffer.String())
	sp.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	data := strings.Repeat("0123456789", 100)
	for _, part := range []string{data[:512], data[512:]} { // a segment each
		_, err = sp.Output().Write([]byte(part))
		require.NoError(t, err)
	}
	_, err = sp.Output().Flush(ctx)
	require.NoError(t, err)

	in := p.Input()
	res, err = in.ReadAtLeast(ctx, len(data))
	require.NoError(t, err)
	require.False(t, res.Buffer.IsSingleSegment(), "the test needs several segments")
	in.AdvanceTo(res.Buffer.PositionAt(3), res.Buffer.PositionAt(3))
	res, err = in.Read(ctx)
	require.NoError(t, err)
	in.Consume(res.Buffer.PositionAt(600))
	res, ok, err := in.TryRead()
	require.True(t, ok)
	require.NoError(t, err)
	in.Consume(res.Buffer.Start()) // nothing consumed: nothing told
	res, ok, err = in.TryRead()
	require.True(t, ok)
	require.NoError(t, err)
	in.Consume(res.Buffer.End())

	require.NoError(t, c.Close())
	r.mu.Lock()
	defer r.mu.Unlock()
	assert.Equal(t, []string{"ping", "!"}, r.writes)
	assert.Equal(t, []string{data[:3], data[3:603], data[603:]}, r.reads, "the bytes consumed, each when consumed")
	assert.Equal(t, []error{nil, nil, nil}, r.readErrs)
	assert.Equal(t, []int{1, 2, 1}, r.parts, "in place, across segments")
	assert.Equal(t, []bool{false, false, false, true, true, true, true}, r.progress,
		"Advance, Write, Flush, then four reads with bytes")
	assert.Equal(t, []error{nil}, r.closed)
}

func TestChunk(t *testing.T) {
	client, server := pair(t, &memory.Factory{PipeOptions: pipe.Options{MinimumSegmentSize: 512}})
	defer client.Close()
	ctx := testkit.Context(t)
	data := strings.Repeat("abcdefghij", 100)
	checked := 0
	check := func(b conn.Chunk, err error) {
		checked++
		require.NoError(t, err)
		assert.Equal(t, len(data), b.Len())
		assert.Equal(t, data, string(b.AppendTo(nil)))
		assert.Equal(t, data[510:515], string(b.Slice(510, 515).AppendTo(nil)), "across the segments' edge")
		assert.Equal(t, "x"+data[1:3], string(b.Slice(1, 3).AppendTo([]byte("x"))))
		assert.Equal(t, data[2:5], string(b.Slice(1, 600).Slice(1, 4).AppendTo(nil)))
		assert.Zero(t, b.Slice(7, 7).Len())
		for range b.Slice(7, 7).All() {
			t.Error("an empty chunk has no runs")
		}
		for part := range b.All() {
			assert.Equal(t, data[:len(part)], string(part))
			break // stopping early is fine
		}
		assert.Panics(t, func() { b.Slice(2, 1) })
		assert.Panics(t, func() { b.Slice(0, b.Len()+1) })
		assert.Panics(t, func() { b.Slice(-1, 0) })
	}
	s := conn.Observe(server, conn.Observer{Read: check, Write: check})
	defer s.Close()

	cp, err := client.Pipe()
	require.NoError(t, err)
	for _, part := range []string{data[:512], data[512:]} { // a segment each
		_, err = cp.Output().Write([]byte(part))
		require.NoError(t, err)
	}
	_, err = cp.Output().Flush(ctx)
	require.NoError(t, err)

	sp, err := s.Pipe()
	require.NoError(t, err)
	res, err := sp.Input().ReadAtLeast(ctx, len(data))
	require.NoError(t, err)
	require.False(t, res.Buffer.IsSingleSegment(), "the test needs several segments")
	sp.Input().Consume(res.Buffer.End())     // a chunk of the pipe's memory
	_, err = sp.Output().Write([]byte(data)) // a chunk of the caller's slice
	require.NoError(t, err)
	assert.Equal(t, 2, checked)
}

func TestObservePassesThroughWhatItDoesNotWatch(t *testing.T) {
	type tag struct{}
	mem := &memory.Factory{}
	client, server := pair(t, mem)
	var r told
	ended := conn.Observer{Closed: r.observer().Closed}

	c := conn.Observe(client, ended)
	cs, err := c.Stream()
	require.NoError(t, err)
	lower, err := client.Stream()
	require.NoError(t, err)
	assert.True(t, cs != lower, "wrapped so that its Close closes the connection")
	require.NoError(t, cs.Close())
	assert.Len(t, r.closed, 1)

	s := conn.Observe(server, ended)
	sp, err := s.Pipe()
	require.NoError(t, err)
	lowerPipe, err := server.Pipe()
	require.NoError(t, err)
	assert.Same(t, lowerPipe, sp, "a Pipe has no Close: the one below")
	require.NoError(t, s.Close())
	assert.Len(t, r.closed, 2)

	ctx := testkit.Context(t)
	l, err := mem.Bind(ctx, memory.Addr("tagged"), conn.With(conn.Properties{}, tag{}))
	require.NoError(t, err)
	defer l.Close()
	client, err = mem.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer client.Close()
	server, err = l.Accept(ctx)
	require.NoError(t, err)
	ended.PassThrough = true
	s = conn.Observe(server, ended)
	defer s.Close()
	_, ok := conn.Get[tag](s.Properties())
	assert.True(t, ok, "the properties below")
	assert.Equal(t, server.LocalAddr(), s.LocalAddr())
	assert.Equal(t, server.RemoteAddr(), s.RemoteAddr())
	ss, err := s.Stream()
	require.NoError(t, err)
	lower, err = server.Stream()
	require.NoError(t, err)
	assert.Same(t, lower, ss, "with PassThrough, the Stream view below too")

	ended.Write = func(conn.Chunk, error) {}
	c = conn.Observe(client, ended)
	cs, err = c.Stream()
	require.NoError(t, err)
	lower, err = client.Stream()
	require.NoError(t, err)
	assert.True(t, cs != lower, "PassThrough only when no hook watches bytes")
}

func TestObserveFailReportsItsError(t *testing.T) {
	errTimeout := errors.New("timeout")
	watch := func(bool) {} // a hook watching bytes: the views are wrapped

	t.Run("pipe", func(t *testing.T) {
		ours, peer := duplex.NewPair(pipe.Options{})
		defer peer.Input().Complete(nil)
		defer peer.Output().Complete(nil)
		var r told
		o := r.observer()
		o.Progress = watch
		// conn.New's Abort of a native pipe only cancels the pending calls.
		c := conn.Observe(conn.New(conn.Base{Pipe: ours}), o)
		p, err := c.Pipe()
		require.NoError(t, err)

		var res pipe.ReadResult
		done := testkit.Async(func() { res, err = p.Input().Read(context.Background()) })
		testkit.RequireBlocked(t, done)
		assert.True(t, c.Fail(errTimeout))
		testkit.RequireDone(t, done)
		assert.ErrorIs(t, err, errTimeout, "a read canceled by the abort fails with the failure")
		assert.Zero(t, res)
		_, err = p.Output().Flush(testkit.Context(t))
		assert.ErrorIs(t, err, errTimeout, "and so does a flush")
		_, err = c.Pipe()
		assert.ErrorIs(t, err, errTimeout)
		_, err = c.Stream()
		assert.ErrorIs(t, err, errTimeout)

		assert.False(t, c.Fail(errors.New("late")), "the connection had ended")
		c.Abort(errors.New("late"))
		assert.ErrorIs(t, c.Close(), net.ErrClosed)
		r.mu.Lock()
		defer r.mu.Unlock()
		assert.Equal(t, []error{errTimeout}, r.aborted, "Aborted told once")
		assert.Empty(t, r.closed)
	})

	t.Run("stream", func(t *testing.T) {
		ours, peer := net.Pipe()
		defer peer.Close()
		c := conn.Observe(conn.New(conn.Base{Stream: ours}), conn.Observer{Progress: watch})
		s, err := c.Stream()
		require.NoError(t, err)
		done := testkit.Async(func() { _, err = s.Read(make([]byte, 1)) })
		testkit.RequireBlocked(t, done)
		assert.True(t, c.Fail(errTimeout))
		testkit.RequireDone(t, done)
		assert.ErrorIs(t, err, errTimeout, "in place of the closed stream's error")
		_, err = s.Write([]byte("x"))
		assert.ErrorIs(t, err, errTimeout)
	})

	t.Run("abort reports the errors below", func(t *testing.T) {
		ours, peer := duplex.NewPair(pipe.Options{})
		defer peer.Input().Complete(nil)
		defer peer.Output().Complete(nil)
		var r told
		c := conn.Observe(conn.New(conn.Base{Pipe: ours}), r.observer())
		p, err := c.Pipe()
		require.NoError(t, err)
		var res pipe.ReadResult
		done := testkit.Async(func() { res, err = p.Input().Read(context.Background()) })
		testkit.RequireBlocked(t, done)
		c.Abort(errTimeout)
		testkit.RequireDone(t, done)
		require.NoError(t, err)
		assert.True(t, res.Canceled, "the cancellation, as below")
		p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
		_, err = c.Pipe()
		assert.ErrorIs(t, err, net.ErrClosed)
		assert.Equal(t, []error{errTimeout}, r.aborted)
	})
}
