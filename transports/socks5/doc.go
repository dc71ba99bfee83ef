// Package socks5 is a layer that connects through a SOCKS5 proxy (RFC 1928),
// with no authentication or with a username and password (RFC 1929).
//
// Layer(cfg) wraps a lower conn.Factory. Connect(ctx, addr, props) connects
// to cfg.Proxy through the lower factory, so that the connection to the
// proxy is whatever the layers below make it (plain TCP, TLS to the proxy,
// logged, limited...), then performs the client side of the SOCKS5
// handshake over the lower connection's Stream view:
//
//   - it offers the methods "no authentication" (0x00) and, when
//     Config.Username is set, "username/password" (0x02);
//   - if the proxy chooses username/password, it authenticates (a
//     rejection is ErrAuthFailed; a proxy that accepts none of the offered
//     methods is ErrNoAcceptableMethods);
//   - it asks the proxy to CONNECT to addr.String(), a host:port: an IPv4
//     or IPv6 literal is sent as such, anything else as a domain name for
//     the proxy to resolve (use Addr for a name, "localhost:8080");
//   - a reply other than success is a *ReplyError carrying the code.
//
// ctx bounds the whole of Connect: the dial of the proxy, and the
// handshake, during which the stream's deadline is ctx's (and a canceled
// ctx interrupts it); the deadline is cleared afterwards. A handshake cut
// short by ctx fails with an error that errors.Is reports as ctx.Err().
// On any failure the connection to the proxy is aborted.
//
// The connection returned is a Stream over the lower one. Its RemoteAddr,
// and its Stream view's, is addr, the target; its LocalAddr is the lower
// connection's (the local end of the connection to the proxy). Close and
// Abort reach the lower connection.
//
// Bind passes straight through to the lower factory: the server side is
// unaffected (SOCKS5's BIND command, for accepting through a proxy, is not
// supported).
//
// Errors of Connect say what failed and wrap the cause ("socks5: connect
// example.com:80 via 127.0.0.1:1080: socks5: proxy replied connection
// refused (code 5)"): errors.As finds a *ReplyError, errors.Is finds
// ErrAuthFailed, ErrNoAcceptableMethods, io.ErrUnexpectedEOF (the proxy
// hung up mid-handshake), ctx.Err() and the lower factory's errors.
//
// # Properties
//
// Connect reads a Config from props, under its own type: when present, it
// replaces the layer's Config for that call (a different proxy, or
// per-connection credentials, as Tor uses for stream isolation). props is
// passed to the lower factory as it is.
//
// A Connection exposes, under its own type:
//
//   - *Info: the proxy's address, the address the proxy bound for the
//     connection to the target, and the authentication method used;
//
// and passes through the lower connection's properties, which describe the
// connection to the proxy (a *net.TCPConn from transports/socket is the
// socket to the proxy, for instance).
//
// Listeners from Bind are the lower factory's, with its properties.
package socks5
