package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
)

// DefaultHandshakeTimeout bounds a handshake when Config.HandshakeTimeout
// is zero.
const DefaultHandshakeTimeout = 10 * time.Second

// ErrNoCertificate is what Bind returns, wrapped, when the server config
// is missing or has no way to find a certificate (no Certificates,
// GetCertificate or GetConfigForClient).
var ErrNoCertificate = errors.New("tls: no server certificate in the config")

// Config configures Layer.
type Config struct {
	// Client configures the handshakes of Connect; nil means the zero
	// tls.Config (the system's roots, the dialed host as ServerName).
	// A *tls.Config in Connect's props takes its place for that call.
	Client *stdtls.Config

	// Server configures the handshakes of the connections that Bind's
	// listeners accept; it needs a certificate. A *tls.Config in Bind's
	// props takes its place for that listener.
	Server *stdtls.Config

	// HandshakeTimeout bounds each handshake: zero means
	// DefaultHandshakeTimeout, a negative value no bound but the
	// context's.
	HandshakeTimeout time.Duration

	// PipeOptions configure the Pipe view, which wraps the *tls.Conn with
	// duplex.FromConn.
	PipeOptions duplex.Options
}

// Layer returns a conn.Layer that runs TLS over the connections of the
// factory it wraps, client side on Connect and server side on Accept,
// configured by cfg. See the package documentation.
func Layer(cfg Config) conn.Layer {
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	return func(f conn.Factory) conn.Factory { return &factory{lower: f, cfg: cfg} }
}

// factory is the conn.Factory that Layer returns.
type factory struct {
	lower conn.Factory
	cfg   Config
}

func (f *factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	cfg := f.cfg.Client
	if c, ok := conn.Get[*stdtls.Config](props); ok && c != nil {
		cfg = c
	}
	if cfg == nil {
		cfg = &stdtls.Config{}
	}
	peer := "<nil>"
	if addr != nil {
		peer = addr.String()
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		cfg = cfg.Clone()
		cfg.ServerName = hostOf(peer)
	}
	handshake := func(ctx context.Context, c conn.Connection, _ conn.Side) (conn.Connection, error) {
		return f.handshake(ctx, c, cfg, true, peer)
	}
	return conn.Filter(f.lower, handshake).Connect(ctx, addr, props)
}

func (f *factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	cfg := f.cfg.Server
	if c, ok := conn.Get[*stdtls.Config](props); ok && c != nil {
		cfg = c
	}
	if cfg == nil || len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, fmt.Errorf("tls: bind %v: %w", addr, ErrNoCertificate)
	}
	handshake := func(ctx context.Context, c conn.Connection, _ conn.Side) (conn.Connection, error) {
		return f.handshake(ctx, c, cfg, false, c.RemoteAddr().String())
	}
	return conn.Filter(f.lower, handshake).Bind(ctx, addr, props)
}

// handshake runs TLS over c's Stream view, as a client or a server, and
// returns the established connection. On error it leaves c to the caller
// (conn.Filter aborts it).
func (f *factory) handshake(ctx context.Context, c conn.Connection, cfg *stdtls.Config, client bool, peer string) (conn.Connection, error) {
	lower, err := c.Stream()
	if err != nil {
		return nil, fmt.Errorf("tls: handshake with %s: %w", peer, err)
	}
	var tc *stdtls.Conn
	if client {
		tc = stdtls.Client(lower, cfg)
	} else {
		tc = stdtls.Server(lower, cfg)
	}
	hctx := ctx
	if timeout := f.cfg.HandshakeTimeout; timeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// On a done context, HandshakeContext closes lower to interrupt its
	// read and returns the context's error.
	if err := tc.HandshakeContext(hctx); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("tls: handshake with %s: not done after %v: %w", peer, f.cfg.HandshakeTimeout, err)
		}
		return nil, fmt.Errorf("tls: handshake with %s: %w", peer, err)
	}
	state := tc.ConnectionState()
	return conn.New(conn.Base{
		Stream:      tc,
		LocalAddr:   c.LocalAddr(),
		RemoteAddr:  c.RemoteAddr(),
		Properties:  conn.With(c.Properties(), &state),
		PipeOptions: f.cfg.PipeOptions,
		// Abort sends no close_notify (tls.Conn.Close would, and could wait
		// on a peer that does not read): aborting Lower, which conn.New does
		// next, tears everything down.
		Abort: func(error) {},
		Lower: c,
	}), nil
}

// hostOf returns the host of addr, "host:port" or a bare host ("[::1]"
// included).
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	if len(addr) > 1 && addr[0] == '[' && addr[len(addr)-1] == ']' {
		return addr[1 : len(addr)-1]
	}
	return addr
}
