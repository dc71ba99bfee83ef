//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/f2bac256/bedrock/conn"
)

// DefaultShutdownTimeout is how long Listener.Close waits for busy
// connections when Factory.ShutdownTimeout is zero.
const DefaultShutdownTimeout = time.Second

// DefaultBacklog is the number of accepted connections waiting for Accept
// when Factory.Backlog is zero.
const DefaultBacklog = 4096

// Factory is a conn.Factory over netpoll. The zero value is ready to use;
// a Factory may be used by many goroutines at once and must not be changed
// while it is in use.
type Factory struct {
	// ShutdownTimeout bounds how long Listener.Close waits for netpoll's
	// busy connections (zero: DefaultShutdownTimeout).
	ShutdownTimeout time.Duration

	// Backlog is how many accepted connections may wait for Accept (zero:
	// DefaultBacklog); beyond that netpoll's new connections are closed.
	Backlog int
}

var _ conn.Factory = (*Factory)(nil)

// Connect dials addr, whose Network() is "tcp", "tcp4", "tcp6" or "unix",
// with netpoll's dialer. ctx interrupts the dial of a *net.TCPAddr; for
// other addresses (a unix socket, a TCP address to resolve) its deadline
// bounds the dial and it is checked before and after. props is not read.
func (f *Factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	network, address, err := split("connect", addr)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap("connect", network, address, err)
	}
	nc, err := dial(ctx, network, address, addr)
	if err != nil {
		return nil, wrap("connect", network, address, err)
	}
	if err := ctx.Err(); err != nil {
		nc.Close()
		return nil, wrap("connect", network, address, err)
	}
	s := newConn(nc)
	nc.SetOnRequest(s.onRequest) // takes bytes that arrived already
	if !nc.IsActive() {
		// The peer closed before OnRequest was set: netpoll then leaves
		// the close callbacks to the user's Close, so take the end now.
		s.onClose(nc)
	}
	return s.connection(), nil
}

// dial dials with netpoll: a *net.TCPAddr with DialTCP, which ctx
// interrupts; anything else with DialConnection, bounded by ctx's deadline.
func dial(ctx context.Context, network, address string, addr net.Addr) (netpoll.Connection, error) {
	if a, ok := addr.(*net.TCPAddr); ok {
		c, err := netpoll.DialTCP(ctx, network, nil, &netpoll.TCPAddr{TCPAddr: *a})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	var timeout time.Duration
	if d, ok := ctx.Deadline(); ok {
		if timeout = time.Until(d); timeout <= 0 {
			return nil, context.DeadlineExceeded
		}
	}
	return netpoll.DialConnection(network, address, timeout)
}

// Bind listens on addr, whose Network() is "tcp", "tcp4", "tcp6" or
// "unix", and serves the connections from a netpoll EventLoop. props is
// not read.
func (f *Factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	network, address, err := split("bind", addr)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, wrap("bind", network, address, err)
	}
	npln, err := netpoll.ConvertListener(ln)
	if err != nil {
		ln.Close()
		return nil, wrap("bind", network, address, err)
	}
	backlog := f.Backlog
	if backlog <= 0 {
		backlog = DefaultBacklog
	}
	l := &listener{
		ln:      npln,
		props:   conn.With(conn.Properties{}, npln),
		addr:    ln.Addr(),
		timeout: f.ShutdownTimeout,
		queue:   make(chan *npConn, backlog),
		closed:  make(chan struct{}),
		served:  make(chan struct{}),
	}
	if l.timeout <= 0 {
		l.timeout = DefaultShutdownTimeout
	}
	l.loop, err = netpoll.NewEventLoop(nil, netpoll.WithOnPrepare(l.prepare))
	if err != nil {
		npln.Close()
		return nil, wrap("bind", network, address, err)
	}
	go func() {
		defer close(l.served)
		l.loop.Serve(npln)
	}()
	return l, nil
}

// listener is the conn.Listener Bind returns.
type listener struct {
	ln      netpoll.Listener
	props   conn.Properties
	addr    net.Addr
	loop    netpoll.EventLoop
	timeout time.Duration
	queue   chan *npConn  // prepared connections waiting for Accept
	closed  chan struct{} // closed by Close
	served  chan struct{} // closed when Serve returned
	once    sync.Once
	err     error
}

// prepare runs on netpoll's accepting poller before the connection is
// registered: it sets the connection up and queues it without blocking.
func (l *listener) prepare(nc netpoll.Connection) context.Context {
	s := newConn(nc)
	nc.SetOnRequest(s.onRequest)
	select {
	case <-l.closed:
		nc.Close()
	default:
		select {
		case l.queue <- s:
		default:
			nc.Close() // backlog full
		}
	}
	return context.Background()
}

func (l *listener) Accept(ctx context.Context) (conn.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case s := <-l.queue:
		return s.connection(), nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *listener) Addr() net.Addr { return l.addr }

func (l *listener) Properties() conn.Properties { return l.props }

// Close shuts the EventLoop down: blocked and later Accepts return
// net.ErrClosed, connections not accepted yet are closed, and so are the
// accepted ones netpoll finds idle; busy ones get ShutdownTimeout to
// become idle.
func (l *listener) Close() error {
	first := false
	l.once.Do(func() {
		first = true
		close(l.closed)
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		defer cancel()
		for {
			// A Shutdown before Serve registered its server does nothing:
			// repeat it until Serve returned.
			if err := l.loop.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				l.err = fmt.Errorf("netpoll: close listener %s: %w", l.addr, err)
			}
			select {
			case <-l.served:
			case <-time.After(5 * time.Millisecond):
				continue
			}
			break
		}
		for {
			select {
			case s := <-l.queue:
				s.nc.Close()
				continue
			default:
			}
			break
		}
	})
	if !first {
		return net.ErrClosed
	}
	return l.err
}

// split returns addr's network and address, or an error if the network is
// not one the factory supports.
func split(op string, addr net.Addr) (network, address string, err error) {
	if addr == nil {
		return "", "", fmt.Errorf("netpoll: %s: nil address", op)
	}
	network, address = addr.Network(), addr.String()
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
		return network, address, nil
	}
	return "", "", fmt.Errorf("netpoll: %s %s %s: %w", op, network, address, net.UnknownNetworkError(network))
}

// wrap names the failed operation in err.
func wrap(op, network, address string, err error) error {
	return fmt.Errorf("netpoll: %s %s %s: %w", op, network, address, err)
}
