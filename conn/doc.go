// Package conn establishes connections, the Go way of
// System.Net.Connections: factories that connect and bind, listeners,
// connections with typed properties and two views of their bytes, and
// layers that compose.
//
// A Factory is a transport (transports/socket, transports/memory, ...)
// possibly wrapped by Layers (TLS, compression, logging, limits) with Chain
// or Filter. Servers take a Listener from Bind; drivers and clients take a
// Factory and Connect. Every Connection offers a Stream (a net.Conn) or a
// Pipe (a duplex.Pipe over pooled memory): the first view asked for wins.
//
// Properties flow up the layers: each exposes what it knows under a type
// key (a transport its *net.TCPConn, TLS its *tls.ConnectionState) and
// passes the rest through; read them with Get. The keys each transport and
// layer exposes and reads are listed in its package documentation.
package conn
