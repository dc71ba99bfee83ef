// Package logging is a conn.Layer that logs the life of connections with
// log/slog: connects, binds, accepts, closes and aborts, and optionally
// every read and write.
//
//	f := conn.Chain(&socket.Factory{}, logging.Layer(logger, logging.Options{}))
//
// # Events
//
// Each event is one record whose message names it, logged at
// Options.Level (Info unless set) or, for failures, one step above it
// (Level+4: Warn for Info):
//
//   - "connect": side=client, remote, local, duration (of the Connect call).
//   - "connect failed" (failure): addr, duration, err.
//   - "bind": addr (the listener's).
//   - "bind failed" (failure): addr, err.
//   - "accept": side=server, remote, local.
//   - "accept failed" (failure): err, the error of the listener below; for
//     a *conn.FilterError (a layer below refused one connection: a failed
//     TLS handshake, a connection limit) also remote, the refused peer.
//     Accept's ending errors are not failures and are not logged: a
//     closed listener's net.ErrClosed and the error of a done context.
//   - "listener closed": addr.
//   - "close": side, remote, local, duration (since the connection was
//     established), read and written (byte totals, when known; see below),
//     and err if the Close below failed.
//   - "abort" (failure): the attributes of "close", err being the reason
//     given to Abort.
//
// A connection is logged closed by its first Close or Abort (or, with
// Trace, the first Close of its Stream view); later ones log nothing.
// Errors are passed up unchanged.
//
// # Tracing
//
// The layer watches connections with conn.Observe. With Options.Trace,
// every read and write is logged at Debug as "read" or "write" with side,
// remote, n (the byte count) and, when Options.TraceBytes > 0, data: the
// first TraceBytes bytes in hex. On the Stream view a record is one Read
// or Write call (with err when it failed); on the Pipe view a "read" is
// the bytes consumed by one AdvanceTo or Consume and a "write" the bytes
// committed by one Advance or Write, logged in place without copying the
// data (except for the hex dump). Records are built only if the logger is
// enabled for Debug.
//
// # Pass-through
//
// Without Trace the layer adds nothing to the data path: a connection's
// Stream and Pipe views are those of the connection below, the very same
// objects. Only Close and Abort go through the layer. A Stream view closed
// directly (conn.NetListener's connections, say) is therefore not logged
// without Trace: close the Connection instead.
//
// Byte totals on "close" and "abort" come from the Trace wrappers when
// Trace is on. Without Trace, they come from a *metrics.ConnStats in the
// connection's properties, which transports/metrics puts there: chain
// metrics.Layer below logging to log them. Otherwise they are left out.
//
// # Properties
//
// The layer exposes no key of its own: connections' and listeners'
// properties are those of the layer below, and so are their addresses. It
// reads *metrics.ConnStats from the connection's properties, as above, and
// no key from the props of Connect and Bind.
package logging
