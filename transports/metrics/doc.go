// Package metrics is a conn.Layer that counts connections and the bytes
// they carry: the bandwidth monitoring middleware of the
// System.Net.Connections proposal.
//
//	var m metrics.Meter
//	f := conn.Chain(&socket.Factory{}, metrics.Layer(&m))
//	...
//	s := m.Snapshot() // s.BytesRead, s.BytesWritten, s.Open, s.Opened, s.Closed
//
// A Meter sums over every connection made by Connect or accepted by a
// Listener from Bind through the layer; each connection also carries its
// own counters, a *ConnStats in its properties. Wrap both ends of an
// application with the same Meter, or give each its own.
//
// # Counting
//
// The layer watches the connection below with conn.Observe and copies no
// data. On the Stream view it counts what each Read and Write of the
// stream below returns. On the Pipe view it wraps the Input and Output of
// the pipe below and counts in place: read bytes when
// the reader consumes them (AdvanceTo and Consume), written bytes when the
// writer commits them (Advance and Write), before they are flushed. Bytes
// still buffered when a connection ends are therefore counted on the
// writing side but not on the reading side. Counters are atomics updated
// once per operation, never per byte, so a Meter may be read (Snapshot) and
// shared by any number of connections at once.
//
// A connection counts as opened when Connect or Accept returns it, and as
// closed on its first Close or Abort, or the first Close of its Stream
// view (closing the net.Conn closes the connection).
//
// The Stream view is a net.Conn wrapping the one below; it keeps CloseWrite
// when the stream below has it, but not other optional methods such as
// io.ReaderFrom, which would bypass the counting.
//
// # Properties
//
// Exposed on every connection, in addition to those of the layer below:
//
//   - *ConnStats: the connection's own byte counters.
//
// Listeners' properties are those of the listener below. The layer reads no
// key from the props of Connect and Bind.
package metrics
