// Package tls is a conn.Layer adding TLS (crypto/tls) to the connections
// of any conn.Factory, on both sides: Connect runs a client handshake over
// the connection the lower factory made, and a Listener from Bind runs a
// server handshake over each connection it accepts. Its name clashes with
// crypto/tls; import one of them under another name:
//
//	import (
//		stdtls "crypto/tls"
//
//		"github.com/f2bac256/bedrock/transports/tls"
//	)
//
//	f := conn.Chain(&socket.Factory{}, tls.Layer(tls.Config{
//		Client: &stdtls.Config{NextProtos: []string{"bedrock/1"}},
//		Server: &stdtls.Config{Certificates: certs, NextProtos: []string{"bedrock/1"}},
//	}))
//
// The handshake runs inside the layer, before Connect or Accept returns,
// so a connection that reaches the user is established and its peer
// verified. It is bounded by Config.HandshakeTimeout (10 seconds unless
// set) and by the context: Connect's ctx on the client side, the
// listener's on the server side (canceled when it closes). Accepted
// connections shake hands concurrently (conn.Filter), so a slow or silent
// peer holds up no one but itself, and a failed handshake does not stop
// the listener: its Accept returns a *conn.FilterError for that one
// connection and goes on accepting.
//
// A client config with an empty ServerName and InsecureSkipVerify unset is
// given the host of the dialed address (the host part of addr.String(),
// or all of it when it has no port), as tls.Dial does: it is sent as SNI
// and the server's certificate is verified against it.
//
// # Connections
//
// A connection's native view is its *tls.Conn: Stream returns it (with
// CloseWrite, which sends close_notify and keeps reading, and
// ConnectionState for the live state), and Pipe wraps it with
// duplex.FromConn, configured by Config.PipeOptions. The layer reads and
// writes the Stream view of the connection below it. Close sends
// close_notify, then closes the connection below. Abort sends nothing: it
// aborts the connection below at once.
//
// # Errors
//
// A failed handshake returns an error naming the peer ("tls: handshake
// with localhost:443: tls: failed to verify certificate: x509: certificate
// signed by unknown authority") that wraps the crypto/tls error, so that
// errors.As finds a *tls.CertificateVerificationError, an
// x509.UnknownAuthorityError or an x509.HostnameError. A handshake that outlasts HandshakeTimeout
// fails with an error that says so and wraps context.DeadlineExceeded; one
// cut short by the caller's context wraps that context's error. Bind
// fails with ErrNoCertificate when the server config has no certificate.
//
// # Properties
//
// Connect and Bind read, under its own type:
//
//   - *tls.Config: overrides the layer's config for that call: Connect
//     uses it instead of Config.Client, Bind instead of Config.Server for
//     every connection the listener accepts. Like all of props, it goes on
//     down to the lower factory.
//
// A Connection exposes, under its own type, on top of the properties of
// the connection below (which all pass through):
//
//   - *tls.ConnectionState: the state once the handshake completed:
//     version, cipher suite, the peer's certificates and verified chains,
//     the negotiated ALPN protocol (NegotiatedProtocol), the server name.
//     It is a snapshot taken after the handshake; call ConnectionState on
//     the Stream view for the live state.
//
// Listeners expose the properties of the listener below.
package tls
