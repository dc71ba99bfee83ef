// Package socket is the portable transport of bedrock: a conn.Factory over
// the standard net package, for TCP ("tcp", "tcp4", "tcp6") and Unix
// stream sockets ("unix"). It builds on every platform Go supports, and is
// the default transport wherever transports/netpoll is not built.
//
// Connect dials the address with Factory.Dialer; Bind listens with
// Factory.ListenConfig. The network is the address's Network(), the
// address its String(): a *net.TCPAddr, a *net.UnixAddr or any net.Addr
// that names a supported network. A "tcp" address with an unspecified host
// (":0", "[::]:0") listens dual-stack, as the net package does; ask for
// port 0 and Listener.Addr reports the port the system chose. A Unix
// listener removes its socket file when it closes (the net package's
// unlink-on-close) and removes nothing before it binds.
//
// Connections are native net.Conns: their Stream view is the *net.TCPConn
// or *net.UnixConn itself, and their Pipe view is duplex.FromConn over it,
// configured by Factory.PipeOptions. Close is graceful; Abort closes a TCP
// connection with SO_LINGER 0, so that the peer sees a reset
// (syscall.ECONNRESET), and simply closes a Unix one. TCP connections,
// dialed or accepted, have TCP_NODELAY on unless Factory.NoDelay says
// otherwise, and the keep-alive period of Factory.KeepAlive.
//
// Listener.Accept honors its context: canceling it interrupts a blocked
// accept, which returns ctx.Err(), and the listener goes on working. To do
// so the listener owns the deadline of the *net.TCPListener or
// *net.UnixListener it exposes: do not set it yourself (Accept would report
// the timeout, and the next cancellation would clear it). Once the listener
// is closed, Accept returns an error that errors.Is reports as
// net.ErrClosed. Accept errors are the net package's own (a *net.OpError),
// so that net/http's retry of temporary errors works through
// conn.NetListener.
//
// Errors of Connect and Bind say what failed ("socket: connect tcp
// 127.0.0.1:1: connect: connection refused") and wrap the net package's
// error: errors.Is finds the cause (syscall.ECONNREFUSED,
// context.DeadlineExceeded) and errors.As the *net.OpError.
//
// # Properties
//
// Connect and Bind read no keys from the Properties they are given.
//
// A Connection exposes, under its own type:
//
//   - *net.TCPConn, for a TCP connection: the socket, for its options
//     (SetNoDelay, SetKeepAliveConfig, SetLinger, SyscallConn);
//   - *net.UnixConn, for a Unix connection.
//
// Reach the socket for its options only: reading or writing it directly
// bypasses the connection's views.
//
// A Listener exposes, under its own type:
//
//   - *net.TCPListener, for a TCP listener;
//   - *net.UnixListener, for a Unix listener (SetUnlinkOnClose, File).
package socket
