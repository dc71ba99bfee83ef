package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
)

// Factory is a conn.Factory over the net package. The zero value is ready
// to use; a Factory may be used by many goroutines at once and must not be
// changed while it is in use.
type Factory struct {
	// Dialer dials for Connect. Its KeepAlive and KeepAliveConfig apply
	// unless KeepAlive below is set.
	Dialer net.Dialer

	// ListenConfig listens for Bind. Its KeepAlive and KeepAliveConfig
	// apply to accepted connections unless KeepAlive below is set.
	ListenConfig net.ListenConfig

	// NoDelay is TCP_NODELAY for TCP connections, dialed and accepted: nil
	// means true (Nagle's algorithm off, the net package's default).
	NoDelay *bool

	// KeepAlive is the keep-alive period of TCP connections, dialed and
	// accepted: zero leaves the Dialer's and ListenConfig's settings (the
	// net package's default, probes every 15 seconds), a negative value
	// disables keep-alive, and a positive one enables it with that idle
	// time and probe interval (net.KeepAliveConfig; the probe count stays
	// as it was).
	KeepAlive time.Duration

	// PipeOptions configure the Pipe view of connections (duplex.FromConn).
	PipeOptions duplex.Options
}

var _ conn.Factory = (*Factory)(nil)

// Connect dials addr, whose Network() is "tcp", "tcp4", "tcp6" or "unix",
// with f.Dialer; ctx bounds the dial. props is not read.
func (f *Factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	network, address, err := split("connect", addr)
	if err != nil {
		return nil, err
	}
	c, err := f.Dialer.DialContext(ctx, network, address)
	if err != nil {
		return nil, wrap("connect", network, address, err)
	}
	return f.newConnection(c), nil
}

// Bind listens on addr, whose Network() is "tcp", "tcp4", "tcp6" or
// "unix", with f.ListenConfig. props is not read.
func (f *Factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	network, address, err := split("bind", addr)
	if err != nil {
		return nil, err
	}
	ln, err := f.ListenConfig.Listen(ctx, network, address)
	if err != nil {
		return nil, wrap("bind", network, address, err)
	}
	l := &listener{f: f, ln: ln}
	switch ln := ln.(type) {
	case *net.TCPListener:
		l.dl = ln
		l.props = conn.With(conn.Properties{}, ln)
	case *net.UnixListener:
		l.dl = ln
		l.props = conn.With(conn.Properties{}, ln)
	default: // a listener of a supported network is one of the above
		ln.Close()
		return nil, fmt.Errorf("socket: bind %s %s: unexpected listener %T", network, address, ln)
	}
	return l, nil
}

// split returns addr's network and address, or an error if the network is
// not one the factory supports.
func split(op string, addr net.Addr) (network, address string, err error) {
	if addr == nil {
		return "", "", fmt.Errorf("socket: %s: nil address", op)
	}
	network, address = addr.Network(), addr.String()
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
		return network, address, nil
	}
	return "", "", fmt.Errorf("socket: %s %s %s: %w", op, network, address, net.UnknownNetworkError(network))
}

// newConnection tunes c and wraps it in a conn.Connection.
func (f *Factory) newConnection(c net.Conn) conn.Connection {
	b := conn.Base{Stream: c, PipeOptions: f.PipeOptions}
	switch c := c.(type) {
	case *net.TCPConn:
		f.tune(c)
		b.Properties = conn.With(conn.Properties{}, c)
		b.Abort = func(error) {
			c.SetLinger(0) // the close sends a reset
			c.Close()
		}
	case *net.UnixConn:
		b.Properties = conn.With(conn.Properties{}, c)
	}
	return conn.New(b)
}

// tune applies NoDelay and KeepAlive to c. Errors are ignored, as the net
// package ignores them when it sets its defaults: a socket the peer already
// reset may refuse options on some systems, and its first read or write
// reports the reset anyway.
func (f *Factory) tune(c *net.TCPConn) {
	if f.NoDelay != nil && !*f.NoDelay {
		c.SetNoDelay(false) // the net package turned it on
	}
	switch {
	case f.KeepAlive < 0:
		c.SetKeepAlive(false)
	case f.KeepAlive > 0:
		c.SetKeepAliveConfig(net.KeepAliveConfig{
			Enable:   true,
			Idle:     f.KeepAlive,
			Interval: f.KeepAlive,
			Count:    -1, // the system's
		})
	}
}

// opError is the error of a failed Connect or Bind: it says what failed
// and wraps the net package's error, without repeating the network and
// address that both name.
type opError struct {
	op, network, address string
	err                  error // the net package's error
}

func wrap(op, network, address string, err error) error {
	return &opError{op: op, network: network, address: address, err: err}
}

func (e *opError) Error() string {
	cause := e.err
	if oe, ok := cause.(*net.OpError); ok && oe.Err != nil {
		cause = oe.Err
	}
	return fmt.Sprintf("socket: %s %s %s: %v", e.op, e.network, e.address, cause)
}

func (e *opError) Unwrap() error { return e.err }

// Timeout reports whether the operation timed out, so that the error is a
// net.Error like the one it wraps.
func (e *opError) Timeout() bool {
	var ne net.Error
	return errors.As(e.err, &ne) && ne.Timeout()
}

// Temporary is the wrapped error's, for net.Error.
//
// Deprecated: as net.Error's Temporary.
func (e *opError) Temporary() bool {
	var t interface{ Temporary() bool }
	return errors.As(e.err, &t) && t.Temporary()
}
