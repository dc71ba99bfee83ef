// Package limits is a conn.Layer that bounds connections: how many may be
// open at once, how long one may stay silent, and how soon the first byte
// of an accepted one must arrive.
//
//	f := conn.Chain(&socket.Factory{}, limits.Layer(limits.Config{
//		MaxConnections:   1000,
//		IdleTimeout:      time.Minute,
//		HandshakeTimeout: 5 * time.Second,
//	}))
//
// # Connection limit
//
// Config.MaxConnections bounds the connections open at once, separately
// for each Listener from Bind and for all the connections made by Connect
// through the factories one Layer value wraps. Excess connections are
// refused at once, not queued: a listener aborts the connection it accepted
// beyond the limit with ErrTooManyConnections (the peer sees its
// connection reset or, on the memory transport, that error) and its Accept
// returns a *conn.FilterError wrapping ErrTooManyConnections, then goes on
// accepting (conn.Server logs and skips such errors). Connect fails with
// ErrTooManyConnections without dialing. A connection's slot frees on its
// first Close or Abort, or the first Close of its Stream view.
//
// # Timeouts
//
// Config.IdleTimeout aborts a connection, either side, that makes no
// progress for that long: progress is a Read that returns bytes or a Write
// (on the Pipe view: a Read, Advance, Write or Flush) that returns. A
// single call that outlasts IdleTimeout (a Write blocked by a peer that
// does not read) counts as idle. Config.HandshakeTimeout aborts an accepted
// connection whose first byte has not been read within that time of its
// acceptance (read: a Read returned it), which guards against peers that
// connect and say nothing.
//
// Both are checked by one timer per connection, re-armed only when it
// fires: a Read or Write stores one atomic timestamp and does nothing else.
// A connection aborted by a timeout is aborted with ErrIdleTimeout or
// ErrHandshakeTimeout (wrapped, with the peer's address), and every Read,
// Write or Flush of its views fails with that error from then on, whatever
// the transport below reports.
//
// # Views
//
// The layer watches the connection below with conn.Observe, forwarding to
// its views. Without timeouts the Pipe view is the one below, and the
// Stream view wraps the one below only to free the slot on Close. With
// timeouts both views wrap the ones below to watch progress; the Pipe's
// wrappers forward the memory of the pipe below, copying nothing. The Stream view keeps CloseWrite when
// the stream below has it. A Layer whose Config is zero, and a Bind whose
// effective Config is zero, return the factory's connections and listeners
// below unchanged.
//
// # Properties
//
// The layer exposes no key of its own: a connection's and a listener's
// properties are those of the layer below. Bind reads:
//
//   - Config: replaces the layer's Config for that listener (MaxConnections
//     and the timeouts of the connections it accepts).
package limits
