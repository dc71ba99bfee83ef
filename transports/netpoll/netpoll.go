//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
)

// Factory is a conn.Factory over netpoll. The zero value is ready to use;
// a Factory may be used by many goroutines at once and must not be changed
// while in use.
type Factory struct {
	// Linger bounds how long a connection's Close waits for the peer to
	// close its side after ours was shut down, discarding what the peer
	// still sends, so that a reset does not destroy the bytes written just
	// before Close (zero: duplex.DefaultLinger; negative: no wait).
	// Abort never waits.
	Linger time.Duration
}

func (f *Factory) linger() time.Duration {
	switch {
	case f.Linger == 0:
		return duplex.DefaultLinger
	case f.Linger < 0:
		return 0
	}
	return f.Linger
}

var _ conn.Factory = (*Factory)(nil)

// Connect dials addr, whose Network() is "tcp", "tcp4", "tcp6" or "unix",
// with the net package's dialer, which ctx interrupts, and hands the
// connected socket to netpoll's pollers, as Accept does. (netpoll's own
// dialer fails a connection whose peer wrote and closed before the dial
// returned, dropping what the peer wrote.) props is not read.
func (f *Factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	network, address, err := split("connect", addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, wrap("connect", network, address, err)
	}
	nc, err := detach(c)
	if err != nil {
		return nil, wrap("connect", network, address, err)
	}
	return start(nc, c.LocalAddr(), c.RemoteAddr(), f.linger()).connection(), nil
}

// start serves nc's input with the transport's callbacks.
func start(nc netpoll.Connection, local, remote net.Addr, lingerFor time.Duration) *npConn {
	s := newConn(nc, local, remote, lingerFor)
	nc.SetOnRequest(s.onRequest) // takes bytes that arrived already
	if !nc.IsActive() {
		// The peer closed before OnRequest was set: netpoll then leaves
		// the close callbacks to the user's Close, so take the end now.
		s.onClose(nc)
	}
	return s
}

// Bind listens on addr, whose Network() is "tcp", "tcp4", "tcp6" or
// "unix". Accept takes connections from the listening socket itself and
// hands each to netpoll's pollers, as Connect does; closing the listener
// closes the listening socket only, never a connection accepted from it.
// props is not read.
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
	return &listener{ln: ln.(deadlineListener), network: network, lingerFor: f.linger()}, nil
}

// deadlineListener is what net.Listen returns for TCP and unix sockets.
type deadlineListener interface {
	net.Listener
	SetDeadline(time.Time) error
}

// listener is the conn.Listener Bind returns: a listening socket of the
// net package, each accepted socket of which is handed to netpoll.
type listener struct {
	ln        deadlineListener
	network   string
	lingerFor time.Duration
	mu        sync.Mutex // serializes Accepts and their deadline
}

// longAgo, set as the listener's deadline, interrupts a blocked Accept.
var longAgo = time.Unix(1, 0)

// Accept waits for a connection and registers it with netpoll. ctx
// interrupts the wait.
func (l *listener) Accept(ctx context.Context) (conn.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var interrupted sync.WaitGroup
	interrupted.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer interrupted.Done()
		l.ln.SetDeadline(longAgo)
	})
	c, err := l.ln.Accept()
	if !stop() { // ctx fired: wait until the deadline is set, then clear it
		interrupted.Wait()
		l.ln.SetDeadline(time.Time{})
		if err == nil {
			c.Close()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		if errors.Is(err, net.ErrClosed) {
			return nil, net.ErrClosed
		}
		return nil, fmt.Errorf("netpoll: accept on %s: %w", l.ln.Addr(), err)
	}
	nc, err := detach(c)
	if err != nil {
		return nil, fmt.Errorf("netpoll: accept on %s: %w", l.ln.Addr(), err)
	}
	return start(nc, c.LocalAddr(), c.RemoteAddr(), l.lingerFor).connection(), nil
}

// detach moves the socket of c, accepted by the net package, to netpoll:
// a duplicate of its descriptor goes to netpoll's pollers and c is closed
// (the socket stays open through the duplicate).
func detach(c net.Conn) (netpoll.Connection, error) {
	defer c.Close()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(sfd uintptr) { fd, derr = dupCloseOnExec(int(sfd)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	if _, ok := c.(*net.TCPConn); ok {
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	}
	nc, err := netpoll.NewFDConnection(fd) // makes fd non-blocking
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return nc, nil
}

// dupCloseOnExec duplicates fd, close-on-exec.
func dupCloseOnExec(fd int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

func (l *listener) Addr() net.Addr { return l.ln.Addr() }

func (l *listener) Properties() conn.Properties { return conn.Properties{} }

// Close closes the listening socket: blocked and later Accepts return
// net.ErrClosed. Accepted connections are not affected.
func (l *listener) Close() error {
	err := l.ln.Close()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("netpoll: close listener %s: %w", l.ln.Addr(), err)
	}
	return err
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
