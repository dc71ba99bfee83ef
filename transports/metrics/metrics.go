package metrics

import (
	"context"
	"net"
	"sync"
	"sync/atomic"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
)

// Meter counts the connections through a Layer and the bytes they carry.
// The zero value is ready to use; a Meter is safe for concurrent use and
// must not be copied after first use.
type Meter struct {
	bytesRead, bytesWritten atomic.Int64
	opened, closed          atomic.Int64
}

// Stats is a snapshot of a Meter's counters.
type Stats struct {
	// BytesRead and BytesWritten are the totals over every connection,
	// open or closed.
	BytesRead, BytesWritten int64
	// Open is the number of connections open now: Opened - Closed.
	Open int64
	// Opened counts the connections established; Closed those closed or
	// aborted since.
	Opened, Closed int64
}

// Snapshot returns m's counters. Each is read atomically, but not all of
// them at one instant: a snapshot taken while connections come and go
// may mix counts from slightly different moments (Open is never negative).
func (m *Meter) Snapshot() Stats {
	closed := m.closed.Load()
	opened := m.opened.Load()
	return Stats{
		BytesRead:    m.bytesRead.Load(),
		BytesWritten: m.bytesWritten.Load(),
		Open:         opened - closed,
		Opened:       opened,
		Closed:       closed,
	}
}

// ConnStats are the byte counters of one connection, found in its
// properties under the type *ConnStats. Its methods are safe for
// concurrent use.
type ConnStats struct {
	read, written atomic.Int64
	m             *Meter
}

// BytesRead returns the bytes the connection read so far: returned by its
// Stream's Read, or consumed from its Pipe's Input.
func (s *ConnStats) BytesRead() int64 { return s.read.Load() }

// BytesWritten returns the bytes the connection wrote so far: accepted by
// its Stream's Write, or committed to its Pipe's Output.
func (s *ConnStats) BytesWritten() int64 { return s.written.Load() }

func (s *ConnStats) addRead(n int64) {
	if n > 0 {
		s.read.Add(n)
		s.m.bytesRead.Add(n)
	}
}

func (s *ConnStats) addWritten(n int64) {
	if n > 0 {
		s.written.Add(n)
		s.m.bytesWritten.Add(n)
	}
}

// Layer returns a conn.Layer counting into m the connections made and
// accepted through it and their bytes; nil m means a Meter of its own,
// whose counts are then only visible per connection. See the package
// documentation.
func Layer(m *Meter) conn.Layer {
	if m == nil {
		m = new(Meter)
	}
	count := func(_ context.Context, c conn.Connection, _ conn.Side) (conn.Connection, error) {
		return newConnection(c, m), nil
	}
	return func(f conn.Factory) conn.Factory { return conn.Filter(f, count) }
}

// connection forwards to the connection below, wrapping whichever view is
// asked for with counters.
type connection struct {
	lower conn.Connection
	stats *ConnStats
	props conn.Properties

	mu     sync.Mutex
	stream net.Conn
	pipe   *countingPipe
	done   bool
}

func newConnection(c conn.Connection, m *Meter) *connection {
	stats := &ConnStats{m: m}
	m.opened.Add(1)
	return &connection{lower: c, stats: stats, props: conn.With(c.Properties(), stats)}
}

func (c *connection) Stream() (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil, net.ErrClosed
	}
	if c.stream == nil {
		s, err := c.lower.Stream()
		if err != nil {
			return nil, err
		}
		c.stream = newStream(s, c)
	}
	return c.stream, nil
}

func (c *connection) Pipe() (duplex.Pipe, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil, net.ErrClosed
	}
	if c.pipe == nil {
		p, err := c.lower.Pipe()
		if err != nil {
			return nil, err
		}
		c.pipe = &countingPipe{
			in:  countingReader{Reader: p.Input(), stats: c.stats},
			out: countingWriter{Writer: p.Output(), stats: c.stats},
			c:   c,
		}
	}
	return c.pipe, nil
}

func (c *connection) Properties() conn.Properties { return c.props }
func (c *connection) LocalAddr() net.Addr         { return c.lower.LocalAddr() }
func (c *connection) RemoteAddr() net.Addr        { return c.lower.RemoteAddr() }

// finish marks c done and counts it closed, reporting whether it was the
// first to.
func (c *connection) finish() bool {
	c.mu.Lock()
	first := !c.done
	c.done = true
	c.mu.Unlock()
	if first {
		c.stats.m.closed.Add(1)
	}
	return first
}

func (c *connection) Close() error {
	if !c.finish() {
		return net.ErrClosed
	}
	return c.lower.Close()
}

func (c *connection) Abort(err error) {
	if c.finish() {
		c.lower.Abort(err)
	}
}
