//go:build (linux || darwin) && (amd64 || arm64)

// Package netpoll is a conn.Factory over github.com/cloudwego/netpoll, the
// epoll/kqueue transport: connections are served by netpoll's pollers and
// their Pipe view reads netpoll's own input buffers without copying.
//
// The package is built on Linux and macOS, amd64 and arm64 only, where
// netpoll runs; elsewhere it is absent.
//
// # Reading
//
// A connection's native view is a Pipe whose Input is a pipe.Reader over
// netpoll's input buffer. Whenever bytes arrive, netpoll's OnRequest
// callback takes them with Reader().Slice: a reference-counted
// *netpoll.LinkBuffer whose nodes (GetBytes) are linked into a pipe.Chain
// as borrowed segments, the last one carrying the slice's release. The
// Sequence a Read returns is therefore netpoll's memory itself, the
// memory the kernel read into; it goes back to netpoll when the reader
// advances past it, and netpoll reads into it again. A Read that has to
// wait for bytes blocks on the transport's own wake-up channel, not in
// netpoll, so ctx and CancelPendingRead interrupt it at once.
//
// netpoll closes a connection when the peer half-closes it (it has no
// half-open state): Read returns the remaining bytes, then Completed. A
// peer's reset surfaces as an error wrapping syscall.ECONNRESET once the
// bytes before it were read (Linux; on macOS it reads as a clean end).
//
// # Writing
//
// The Output buffers committed bytes in pooled memory; Flush copies them
// into netpoll's output buffer (Malloc) and sends them with netpoll's
// Flush, one gather write, waiting until the kernel took them all: a slow
// peer blocks Flush. A Flush blocked in netpoll is not interrupted by its
// ctx or CancelPendingFlush (they apply before it starts); Abort
// interrupts it. Complete(nil) flushes and half-closes the sending side.
//
// # Handlers and what an idle connection costs
//
// The Pipe view is a conn.InputNotifier: a conn.Server with an
// InputHandler runs it on netpoll's OnRequest goroutine, right after the
// bytes that arrived were linked into the input, and the connection holds
// no goroutine and no input between bursts of input. A conn.Handler, or
// any code that waits in Read (the Stream view included), keeps a
// goroutine per connection, parked on the transport's wake-up channel
// (Pipe view) or in the Stream adapter's read, and its stack comes on top.
// bench/README.md measures both.
//
// # Connections and listeners
//
// Close flushes, half-closes, waits a bounded time (Factory.Linger) for
// the peer's end while discarding what it still sends, and closes: closing
// with unread input would send a reset, which destroys the bytes the peer
// received but had not read yet. Abort closes at once (with a TCP reset).
//
// Sockets are made with the net package and handed to netpoll's pollers:
// a listener accepts with net, and Connect dials with net's dialer
// (netpoll's own dialer fails a dial whose peer wrote and closed before
// the dial returned, losing what it wrote, and at times fails one from a
// stale poller event). A listener's Close closes the listening socket
// only, never a connection accepted from it (conn.Server's Shutdown
// decides what becomes of those).
//
// Property keys exposed: netpoll.Connection (the underlying connection;
// its LocalAddr and RemoteAddr are nil: use the conn.Connection's) on
// every connection; listeners expose none. Connect
// and Bind read no property.
package netpoll
