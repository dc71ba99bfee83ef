package logging

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/metrics"
)

// Options configure Layer. The zero value logs events at Info and no
// reads or writes.
type Options struct {
	// Level is the level of the events; failures are logged at Level+4.
	// The zero value is slog.LevelInfo.
	Level slog.Level

	// Trace logs every read and write at slog.LevelDebug, with its length.
	Trace bool

	// TraceBytes is how many bytes of each traced read or write are
	// logged, in hex; zero logs none.
	TraceBytes int
}

// Layer returns a conn.Layer that logs the connections made and accepted
// through it to logger; nil means slog.Default() at the time of each
// event. See the package documentation for the events and attributes.
func Layer(logger *slog.Logger, opts Options) conn.Layer {
	lg := &log{logger: logger, opts: opts}
	return func(f conn.Factory) conn.Factory { return &factory{lower: f, log: lg} }
}

// log is a Layer's logger and options.
type log struct {
	logger *slog.Logger
	opts   Options
}

func (l *log) get() *slog.Logger {
	if l.logger != nil {
		return l.logger
	}
	return slog.Default()
}

// event logs msg at the events' level, or one step above for a failure.
func (l *log) event(ctx context.Context, failure bool, msg string, attrs ...slog.Attr) {
	level := l.opts.Level
	if failure {
		level += 4
	}
	l.get().LogAttrs(ctx, level, msg, attrs...)
}

// factory is the conn.Factory that Layer returns.
type factory struct {
	lower conn.Factory
	log   *log
}

func (f *factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	start := time.Now()
	c, err := f.lower.Connect(ctx, addr, props)
	d := time.Since(start)
	if err != nil {
		f.log.event(ctx, true, "connect failed", slog.Any("addr", addr), slog.Duration("duration", d), slog.Any("err", err))
		return nil, err
	}
	f.log.event(ctx, false, "connect", slog.String("side", conn.ClientSide.String()),
		slog.Any("remote", c.RemoteAddr()), slog.Any("local", c.LocalAddr()), slog.Duration("duration", d))
	return newConnection(c, conn.ClientSide, f.log), nil
}

func (f *factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	l, err := f.lower.Bind(ctx, addr, props)
	if err != nil {
		f.log.event(ctx, true, "bind failed", slog.Any("addr", addr), slog.Any("err", err))
		return nil, err
	}
	f.log.event(ctx, false, "bind", slog.Any("addr", l.Addr()))
	return &listener{Listener: l, log: f.log}, nil
}

// listener logs the accepts of the listener below.
type listener struct {
	conn.Listener
	log    *log
	closed atomic.Bool
}

func (l *listener) Accept(ctx context.Context) (conn.Connection, error) {
	c, err := l.Listener.Accept(ctx)
	if err != nil {
		var ferr *conn.FilterError
		switch {
		case errors.As(err, &ferr):
			l.log.event(ctx, true, "accept failed", slog.Any("addr", l.Addr()), slog.Any("remote", ferr.Remote), slog.Any("err", err))
		case !errors.Is(err, net.ErrClosed) && ctx.Err() == nil:
			l.log.event(ctx, true, "accept failed", slog.Any("addr", l.Addr()), slog.Any("err", err))
		}
		return nil, err
	}
	l.log.event(ctx, false, "accept", slog.String("side", conn.ServerSide.String()),
		slog.Any("remote", c.RemoteAddr()), slog.Any("local", c.LocalAddr()))
	return newConnection(c, conn.ServerSide, l.log), nil
}

func (l *listener) Close() error {
	err := l.Listener.Close()
	if l.closed.CompareAndSwap(false, true) {
		l.log.event(context.Background(), false, "listener closed", slog.Any("addr", l.Addr()))
	}
	return err
}

// connection is what a Layer knows of one connection: the conn.Observer
// hooks that log its end and, with Trace, its reads and writes.
type connection struct {
	lower conn.Connection
	side  conn.Side
	log   *log
	start time.Time

	// Byte totals: the trace hooks count into read and written; without
	// Trace, stats is the layer below's, if any.
	read, written atomic.Int64
	stats         *metrics.ConnStats
}

// newConnection returns c observed by the logging hooks.
func newConnection(c conn.Connection, side conn.Side, log *log) conn.Connection {
	lc := &connection{lower: c, side: side, log: log, start: time.Now()}
	o := conn.Observer{
		Closed:      func(err error) { lc.logEnd(false, "close", err) },
		Aborted:     func(err error) { lc.logEnd(true, "abort", err) },
		PassThrough: true, // without Trace, the views are the ones below
	}
	if log.opts.Trace {
		o.Read, o.Write = lc.traceRead, lc.traceWrite
	} else {
		lc.stats, _ = conn.Get[*metrics.ConnStats](c.Properties())
	}
	return conn.Observe(c, o)
}

// logEnd logs the end of c.
func (c *connection) logEnd(failure bool, msg string, err error) {
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs, slog.String("side", c.side.String()), slog.Any("remote", c.lower.RemoteAddr()),
		slog.Any("local", c.lower.LocalAddr()), slog.Duration("duration", time.Since(c.start)))
	switch {
	case c.log.opts.Trace:
		attrs = append(attrs, slog.Int64("read", c.read.Load()), slog.Int64("written", c.written.Load()))
	case c.stats != nil:
		attrs = append(attrs, slog.Int64("read", c.stats.BytesRead()), slog.Int64("written", c.stats.BytesWritten()))
	}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	c.log.event(context.Background(), failure, msg, attrs...)
}
