package metrics

import (
	"context"
	"sync/atomic"

	"github.com/f2bac256/bedrock/conn"
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

// addRead and addWritten are the conn.Observer hooks that count.
func (s *ConnStats) addRead(b conn.Chunk, _ error) {
	if n := int64(b.Len()); n > 0 {
		s.read.Add(n)
		s.m.bytesRead.Add(n)
	}
}

func (s *ConnStats) addWritten(b conn.Chunk, _ error) {
	if n := int64(b.Len()); n > 0 {
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

// newConnection returns c counted into m and into a ConnStats of its own.
func newConnection(c conn.Connection, m *Meter) *connection {
	stats := &ConnStats{m: m}
	m.opened.Add(1)
	closed := func(error) { m.closed.Add(1) }
	return &connection{
		Connection: conn.Observe(c, conn.Observer{Read: stats.addRead, Write: stats.addWritten, Closed: closed, Aborted: closed}),
		props:      conn.With(c.Properties(), stats),
	}
}

// connection is the connection below, observed by the counters, with
// their ConnStats in its properties.
type connection struct {
	conn.Connection
	props conn.Properties
}

func (c *connection) Properties() conn.Properties { return c.props }
