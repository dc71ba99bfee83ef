// Package memory is an in-process transport: named endpoints joined by
// pipes, with no sockets and no copies beyond the writer's. It is meant for
// tests and for wiring components of one process together.
//
// Bind registers a name (binding a name already bound fails with
// ErrAddressInUse); Connect joins a new pair of pipes to the listener of
// that name (an unbound name fails with ErrConnectionRefused). Connections
// are native pipes: their Pipe view costs nothing, their Stream view wraps
// it with duplex.ToConn.
//
// Properties exposed: none beyond what the caller passes to Connect and
// Bind, which the connection and listener carry.
package memory

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// Errors of Connect and Bind, wrapped with the address.
var (
	ErrAddressInUse      = errors.New("memory: address already in use")
	ErrConnectionRefused = errors.New("memory: connection refused")
)

// Addr is the address of a memory endpoint: a name.
type Addr string

// Network returns "memory".
func (Addr) Network() string { return "memory" }

func (a Addr) String() string { return string(a) }

// backlog is how many connections may wait for Accept before Connect waits.
const backlog = 128

// Factory is a namespace of memory endpoints and a conn.Factory connecting
// them. The zero value is ready to use; endpoints of different Factories
// never meet.
type Factory struct {
	// PipeOptions configure the pipes of each connection, one per
	// direction.
	PipeOptions pipe.Options

	mu        sync.Mutex
	listeners map[string]*listener
	clients   atomic.Uint64 // numbers the client ends' addresses
}

// Bind registers addr's name. An empty name gets a unique one.
func (f *Factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	name := ""
	if addr != nil {
		name = addr.String()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == "" {
		name = "anon-" + strconv.FormatUint(f.clients.Add(1), 10)
	}
	if _, taken := f.listeners[name]; taken {
		return nil, fmt.Errorf("memory: bind %q: %w", name, ErrAddressInUse)
	}
	if f.listeners == nil {
		f.listeners = make(map[string]*listener)
	}
	l := &listener{f: f, addr: Addr(name), props: props, queue: make(chan conn.Connection, backlog), closed: make(chan struct{})}
	f.listeners[name] = l
	return l, nil
}

// Connect joins a new connection to the listener bound to addr's name.
func (f *Factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	name := addr.String()
	f.mu.Lock()
	l := f.listeners[name]
	f.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("memory: connect %q: %w", name, ErrConnectionRefused)
	}
	local := Addr("client-" + strconv.FormatUint(f.clients.Add(1), 10))
	ab, ba := pipe.New(f.PipeOptions), pipe.New(f.PipeOptions)
	abort := func(err error) {
		if err == nil {
			err = net.ErrClosed
		}
		ab.Abort(err)
		ba.Abort(err)
	}
	client := conn.New(conn.Base{
		Pipe: duplex.Join(ba.Reader(), ab.Writer()), LocalAddr: local, RemoteAddr: l.addr,
		Properties: props, Abort: abort,
	})
	server := conn.New(conn.Base{
		Pipe: duplex.Join(ab.Reader(), ba.Writer()), LocalAddr: l.addr, RemoteAddr: local,
		Properties: l.props, Abort: abort,
	})
	if err := l.enqueue(server); err != nil {
		return nil, fmt.Errorf("memory: connect %q: %w", name, err)
	}
	return client, nil
}

type listener struct {
	f      *Factory
	addr   Addr
	props  conn.Properties
	queue  chan conn.Connection
	closed chan struct{}

	mu   sync.Mutex // serialises enqueue with Close
	done bool
}

// enqueue hands c to Accept; like a TCP backlog, a full queue refuses.
func (l *listener) enqueue(c conn.Connection) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return ErrConnectionRefused
	}
	select {
	case l.queue <- c:
		return nil
	default:
		return fmt.Errorf("%w: backlog of %d full", ErrConnectionRefused, backlog)
	}
}

func (l *listener) Accept(ctx context.Context) (conn.Connection, error) {
	select {
	case c := <-l.queue:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *listener) Addr() net.Addr              { return l.addr }
func (l *listener) Properties() conn.Properties { return l.props }

// Close unbinds the name and aborts the connections not yet accepted.
func (l *listener) Close() error {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return net.ErrClosed
	}
	l.done = true
	close(l.closed)
	l.mu.Unlock()
	l.f.mu.Lock()
	delete(l.f.listeners, string(l.addr))
	l.f.mu.Unlock()
	for {
		select {
		case c := <-l.queue:
			c.Abort(net.ErrClosed)
		default:
			return nil
		}
	}
}
