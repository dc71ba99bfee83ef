package socks5

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/f2bac256/bedrock/conn"
)

// Config configures the layer.
type Config struct {
	// Proxy is the address of the SOCKS5 proxy, as the lower factory
	// understands it (a *net.TCPAddr for transports/socket, say).
	Proxy net.Addr

	// Username and Password are the credentials of username/password
	// authentication (RFC 1929), offered to the proxy when Username is not
	// empty. Username must be 1 to 255 bytes long, Password at most 255.
	Username, Password string
}

// Info describes a connection made through a proxy: a Connection exposes
// it as a *Info property.
type Info struct {
	// Proxy is the address of the proxy the connection goes through.
	Proxy net.Addr

	// Bound is the address the proxy reported binding for its connection
	// to the target (BND.ADDR and BND.PORT): a *net.TCPAddr, or an Addr
	// when the proxy reported a domain name.
	Bound net.Addr

	// Method is the authentication method the proxy chose: MethodNoAuth
	// or MethodUsernamePassword.
	Method byte
}

// Addr is a "host:port" TCP address whose host may be a name: Connect
// sends a name to the proxy as a domain name for it to resolve, which
// reaches names only the proxy can resolve and keeps the lookup off the
// client.
type Addr string

// Network returns "tcp".
func (Addr) Network() string { return "tcp" }

// String returns the address, "host:port".
func (a Addr) String() string { return string(a) }

// Layer returns a layer that connects through the SOCKS5 proxy of cfg; see
// the package documentation.
func Layer(cfg Config) conn.Layer {
	return func(lower conn.Factory) conn.Factory {
		return &factory{lower: lower, cfg: cfg}
	}
}

type factory struct {
	lower conn.Factory
	cfg   Config
}

// Bind is the lower factory's: the server side is unaffected.
func (f *factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	return f.lower.Bind(ctx, addr, props)
}

// Connect connects to addr through the proxy.
func (f *factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	cfg := f.cfg
	if c, ok := conn.Get[Config](props); ok {
		cfg = c
	}
	if addr == nil {
		return nil, errors.New("socks5: connect: nil address")
	}
	if cfg.Proxy == nil {
		return nil, fmt.Errorf("socks5: connect %v: no proxy configured", addr)
	}
	fail := func(err error) error {
		return fmt.Errorf("socks5: connect %v via %v: %w", addr, cfg.Proxy, err)
	}
	req, err := newRequest(cfg, addr)
	if err != nil {
		return nil, fail(err)
	}
	lower, err := f.lower.Connect(ctx, cfg.Proxy, props)
	if err != nil {
		return nil, fail(err)
	}
	s, err := lower.Stream()
	if err == nil {
		var info Info
		info, err = handshakeContext(ctx, s, req)
		if err == nil {
			info.Proxy = cfg.Proxy
			return conn.New(conn.Base{
				Stream:     wrap(s, addr),
				LocalAddr:  lower.LocalAddr(),
				RemoteAddr: addr,
				Properties: conn.With(lower.Properties(), &info),
				// Abort the lower connection first, so that a transport
				// that resets (socket) does, instead of closing the stream
				// gracefully.
				Abort: lower.Abort,
				Lower: lower,
			}), nil
		}
	}
	lower.Abort(err)
	return nil, fail(err)
}

// pastDeadline interrupts the handshake's reads and writes at once.
var pastDeadline = time.Unix(1, 0)

// handshakeContext runs handshake on s with ctx's deadline on s, and
// interrupts it when ctx is canceled. It clears the deadline afterwards.
func handshakeContext(ctx context.Context, s net.Conn, req *request) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	deadline, _ := ctx.Deadline() // zero: none
	if err := s.SetDeadline(deadline); err != nil {
		return Info{}, fmt.Errorf("set deadline: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { s.SetDeadline(pastDeadline) })
	info, err := handshake(s, req)
	if !stop() && err == nil {
		// ctx is done and the deadline may be past: the connection is not
		// usable as it is.
		err = ctx.Err()
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The only deadline is ctx's, which may have passed before
			// ctx noticed.
			cause := ctx.Err()
			if cause == nil {
				cause = context.DeadlineExceeded
			}
			err = fmt.Errorf("%w (%v)", cause, err)
		}
		return Info{}, err
	}
	if err := s.SetDeadline(time.Time{}); err != nil {
		return Info{}, fmt.Errorf("clear deadline: %w", err)
	}
	return info, nil
}

// wrap returns s reporting remote as its RemoteAddr, with CloseWrite when
// s has it (duplex.FromConn half-closes with it).
func wrap(s net.Conn, remote net.Addr) net.Conn {
	if _, ok := s.(closeWriter); ok {
		return &halfClosable{stream{s, remote}}
	}
	return &stream{s, remote}
}

type closeWriter interface{ CloseWrite() error }

// stream is the Stream view of a proxied connection: the lower stream,
// addressed to the target.
type stream struct {
	net.Conn
	remote net.Addr
}

func (s *stream) RemoteAddr() net.Addr { return s.remote }

type halfClosable struct{ stream }

// CloseWrite half-closes the lower stream: the proxy passes the end of the
// stream on to the target.
func (s *halfClosable) CloseWrite() error { return s.Conn.(closeWriter).CloseWrite() }
