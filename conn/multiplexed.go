package conn

import (
	"context"
	"net"
)

// MultiplexedConnection is a connection that carries many independent
// streams, as QUIC does. Each stream is a Connection of its own (with its
// own views and properties); OpenStream starts one, AcceptStream waits for
// one the peer started. Closing the MultiplexedConnection ends every
// stream. No transport implements it yet.
type MultiplexedConnection interface {
	OpenStream(ctx context.Context, props Properties) (Connection, error)
	AcceptStream(ctx context.Context) (Connection, error)
	Properties() Properties
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
	Close() error
	Abort(err error)
}

// MultiplexedFactory establishes multiplexed connections, as Factory does
// single-stream ones.
type MultiplexedFactory interface {
	Connect(ctx context.Context, addr net.Addr, props Properties) (MultiplexedConnection, error)
	Bind(ctx context.Context, addr net.Addr, props Properties) (MultiplexedListener, error)
}

// MultiplexedListener accepts multiplexed connections.
type MultiplexedListener interface {
	Accept(ctx context.Context) (MultiplexedConnection, error)
	Addr() net.Addr
	Properties() Properties
	Close() error
}
