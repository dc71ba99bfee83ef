package logging_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/conntest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/logging"
	"github.com/f2bac256/bedrock/transports/memory"
	"github.com/f2bac256/bedrock/transports/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func bind(t *testing.T, f conn.Factory, name string) conn.Listener {
	t.Helper()
	l, err := f.Bind(testkit.Context(t), memory.Addr(name), conn.Properties{})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// echoOnce connects through f to l, has the server echo msg through its
// Pipe view while the client uses its Stream view, then closes both.
func echoOnce(t *testing.T, f conn.Factory, l conn.Listener, msg string) (client, server conn.Connection) {
	t.Helper()
	ctx := testkit.Context(t)
	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	s, err := l.Accept(ctx)
	require.NoError(t, err)

	cs, err := c.Stream()
	require.NoError(t, err)
	_, err = cs.Write([]byte(msg))
	require.NoError(t, err)

	p, err := s.Pipe()
	require.NoError(t, err)
	res, err := p.Input().ReadAtLeast(ctx, len(msg))
	require.NoError(t, err)
	_, err = p.Output().Write(res.Buffer.Bytes())
	require.NoError(t, err)
	p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	_, err = p.Output().Flush(ctx)
	require.NoError(t, err)

	got := make([]byte, len(msg))
	_, err = io.ReadFull(cs, got)
	require.NoError(t, err)
	assert.Equal(t, msg, string(got))
	require.NoError(t, c.Close())
	require.NoError(t, s.Close())
	return c, s
}

func TestLogsTheLifeOfConnections(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelInfo)
	var mem memory.Factory
	f := logging.Layer(logger, logging.Options{})(&mem)
	l := bind(t, f, "echo")
	logs.RequireOne(t, "bind", "addr=echo")

	c, _ := echoOnce(t, f, l, "hello")
	client := c.LocalAddr().String()
	logs.RequireOne(t, "connect", "side=client", "remote=echo", "local="+client, "duration=")
	logs.RequireOne(t, "accept", "side=server", "remote="+client, "local=echo")
	line := logs.RequireOne(t, "close", "side=client", "remote=echo", "local="+client, "duration=")
	assert.NotContains(t, line, "read=", "no byte totals without Trace or metrics")
	logs.RequireOne(t, "close", "side=server", "remote="+client)
	assert.Contains(t, logs.Find("close")[0], "level=INFO")

	assert.ErrorIs(t, c.Close(), net.ErrClosed)
	c.Abort(errors.New("late"))
	assert.Len(t, logs.Find("close"), 2, "logged once")
	assert.Empty(t, logs.Find("abort"))

	require.NoError(t, l.Close())
	logs.RequireOne(t, "listener closed", "addr=echo")
	assert.Empty(t, logs.Find("accept failed"), "a closed listener's ending is no failure")
	assert.Empty(t, logs.Find("read"), "no tracing at Info")
}

func TestLogsFailures(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelDebug)
	var mem memory.Factory
	f := logging.Layer(logger, logging.Options{Level: slog.LevelDebug})(&mem)
	ctx := testkit.Context(t)

	_, err := f.Connect(ctx, memory.Addr("nobody"), conn.Properties{})
	require.ErrorIs(t, err, memory.ErrConnectionRefused, "the error passes through")
	line := logs.RequireOne(t, "connect failed", "addr=nobody", "duration=", "err=")
	assert.Contains(t, line, "connection refused")
	assert.Contains(t, line, "level=INFO", "failures one step above Level")

	l := bind(t, f, "taken")
	_, err = f.Bind(ctx, memory.Addr("taken"), conn.Properties{})
	require.ErrorIs(t, err, memory.ErrAddressInUse)
	logs.RequireOne(t, "bind failed", "addr=taken", "err=")
	logs.RequireOne(t, "bind", "addr=taken", "level=DEBUG")

	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	s, err := l.Accept(ctx)
	require.NoError(t, err)
	c.Abort(errors.New("boom"))
	line = logs.RequireOne(t, "abort", "side=client", "err=boom", "duration=")
	assert.Contains(t, line, "level=INFO")
	_, err = s.Stream()
	require.NoError(t, err)
	s.Close()

	_, err = l.Accept(testkit.Canceled())
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, logs.Find("accept failed"), "a done context is no failure")
}

func TestLogsFilterErrorsFromBelow(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelInfo)
	var mem memory.Factory
	refuse := func(f conn.Factory) conn.Factory {
		return conn.Filter(f, func(context.Context, conn.Connection, conn.Side) (conn.Connection, error) {
			return nil, errors.New("not welcome")
		})
	}
	f := conn.Chain(&mem, refuse, logging.Layer(logger, logging.Options{}))
	l := bind(t, f, "picky")
	ctx := testkit.Context(t)
	c, err := mem.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	_, err = l.Accept(ctx)
	var ferr *conn.FilterError
	require.ErrorAs(t, err, &ferr, "the error passes through")
	line := logs.RequireOne(t, "accept failed", "addr=picky", "remote="+c.LocalAddr().String(), "level=WARN")
	assert.Contains(t, line, "not welcome")
}

func TestTraceLogsReadsAndWrites(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelDebug)
	var mem memory.Factory
	f := logging.Layer(logger, logging.Options{Trace: true, TraceBytes: 3})(&mem)
	l := bind(t, f, "traced")
	echoOnce(t, f, l, "hello")

	hel := "data=68656c"                                   // hex of "hel": TraceBytes of "hello"
	logs.RequireOne(t, "write", "side=client", "n=5", hel) // the Stream's Write
	logs.RequireOne(t, "read", "side=server", "n=5", hel)  // the Pipe's AdvanceTo
	logs.RequireOne(t, "write", "side=server", "n=5", hel) // the Pipe's Write
	logs.RequireOne(t, "read", "side=client", "n=5", hel)  // the Stream's Read
	logs.RequireOne(t, "close", "side=client", "read=5", "written=5")
	logs.RequireOne(t, "close", "side=server", "read=5", "written=5")
	for _, line := range logs.Find("read") {
		assert.Contains(t, line, "level=DEBUG")
	}
}

func TestTracePipeConsumesInParts(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelDebug)
	var mem memory.Factory
	f := logging.Layer(logger, logging.Options{Trace: true})(&mem)
	l := bind(t, f, "parts")
	ctx := testkit.Context(t)
	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept(ctx)
	require.NoError(t, err)
	defer s.Close()

	p, err := c.Pipe()
	require.NoError(t, err)
	buf := p.Output().Buffer(10)
	copy(buf, "abcdefg")
	p.Output().Advance(7)
	_, err = p.Output().Flush(ctx)
	require.NoError(t, err)
	logs.RequireOne(t, "write", "side=client", "n=7")
	assert.NotContains(t, logs.Find("write")[0], "data=", "TraceBytes is zero")

	sp, err := s.Pipe()
	require.NoError(t, err)
	in := sp.Input()
	res, err := in.Read(ctx)
	require.NoError(t, err)
	in.AdvanceTo(res.Buffer.PositionAt(3), res.Buffer.PositionAt(3))
	res, err = in.Read(ctx)
	require.NoError(t, err)
	in.Consume(res.Buffer.End())
	logs.RequireOne(t, "read", "side=server", "n=3")
	logs.RequireOne(t, "read", "side=server", "n=4")
	require.NoError(t, s.Close())
	logs.RequireOne(t, "close", "side=server", "read=7", "written=0")
}

func TestWithoutTraceTheViewsAreTheOnesBelow(t *testing.T) {
	logger, _ := testkit.NewLogger(slog.LevelDebug)
	var mem memory.Factory
	var rec conntest.Recorder
	f := conn.Chain(&mem, rec.Layer, logging.Layer(logger, logging.Options{}))
	l := bind(t, f, "plain")
	ctx := testkit.Context(t)
	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept(ctx)
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, rec.Conns(), 2)

	p, err := c.Pipe()
	require.NoError(t, err)
	lower, err := rec.Conns()[0].Pipe()
	require.NoError(t, err)
	assert.Same(t, lower, p, "the Pipe view is the one below: no layer on the data path")
	assert.Same(t, lower.Input(), p.Input())

	st, err := s.Stream()
	require.NoError(t, err)
	lowerStream, err := rec.Conns()[1].Stream()
	require.NoError(t, err)
	assert.Same(t, lowerStream, st, "and so is the Stream view")
	assert.Equal(t, rec.Conns()[1].Properties(), s.Properties())
	assert.Equal(t, rec.Conns()[1].RemoteAddr(), s.RemoteAddr())
}

func TestByteTotalsFromMetricsBelow(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelInfo)
	var mem memory.Factory
	f := conn.Chain(&mem, metrics.Layer(nil), logging.Layer(logger, logging.Options{}))
	l := bind(t, f, "metered")
	echoOnce(t, f, l, "hello, world")
	logs.RequireOne(t, "close", "side=client", "read=12", "written=12")
	logs.RequireOne(t, "close", "side=server", "read=12", "written=12")
}

func TestNilLoggerIsTheDefault(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelInfo)
	old := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(old)
	var mem memory.Factory
	l := bind(t, logging.Layer(nil, logging.Options{})(&mem), "default")
	defer l.Close()
	logs.RequireOne(t, "bind", "addr=default")
}
