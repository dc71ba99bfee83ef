// Package auto chooses the default transport of bedrock for the platform
// it is built on.
//
// Where transports/netpoll is built (Linux and macOS on amd64 and arm64),
// Factory returns a *netpoll.Factory: connections are served by netpoll's
// epoll/kqueue pollers, a Pipe-view handler reads netpoll's input buffers
// without copying, and an idle connection holds no goroutine and no input
// buffer while its handler waits for data. Elsewhere (Windows, other
// operating systems and architectures) netpoll does not run, and Factory
// returns a *socket.Factory over the standard net package, which builds
// everywhere. Name says which one was chosen.
//
// Both are TCP and Unix socket factories: code written against
// conn.Factory with either view works unchanged on every platform. Use the
// transports directly to configure them (socket.Factory's Dialer and
// PipeOptions, netpoll.Factory has none); the
// factories Factory returns have their zero configuration.
//
// Connect and Bind read the keys the chosen transport reads (none today);
// connections expose that transport's property keys: netpoll.Connection
// for netpoll, *net.TCPConn or *net.UnixConn for socket.
package auto
