package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// Factory establishes connections: Connect dials a peer, Bind listens for
// peers. Transports implement it, and layers wrap it. props carries options
// for the layers and the transport (each documents the keys it reads); the
// zero Properties means none.
type Factory interface {
	Connect(ctx context.Context, addr net.Addr, props Properties) (Connection, error)
	Bind(ctx context.Context, addr net.Addr, props Properties) (Listener, error)
}

// Listener accepts connections. Accept returns net.ErrClosed once the
// listener is closed, and ctx.Err() when ctx is done first.
type Listener interface {
	Accept(ctx context.Context) (Connection, error)
	Addr() net.Addr
	Properties() Properties
	Close() error
}

// Layer wraps a Factory with a cross-cutting concern (TLS, compression,
// logging, limits): both the connections it makes and those it accepts.
type Layer func(Factory) Factory

// Chain returns base wrapped by layers, the first layer closest to base:
// Chain(socket, tls, logging) logs the TLS connections.
func Chain(base Factory, layers ...Layer) Factory {
	for _, l := range layers {
		base = l(base)
	}
	return base
}

// Side tells a filter whether a connection was made by Connect or by
// Accept.
type Side uint8

// The sides of a connection.
const (
	ClientSide Side = iota + 1 // made by Connect
	ServerSide                 // made by Accept
)

func (s Side) String() string {
	switch s {
	case ClientSide:
		return "client"
	case ServerSide:
		return "server"
	}
	return fmt.Sprintf("Side(%d)", uint8(s))
}

// FilterFunc transforms a connection just established: it may return c
// itself, or a new Connection layered on c (conn.New with Lower: c). On
// error it should leave c to the caller, which aborts it.
type FilterFunc func(ctx context.Context, c Connection, side Side) (Connection, error)

// FilterError is what a filtered Listener's Accept returns when the filter
// failed for one connection (a failed TLS handshake, say). It is not fatal:
// the listener goes on accepting.
type FilterError struct {
	Remote net.Addr
	Err    error
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("conn: filter for %v: %v", e.Remote, e.Err)
}

func (e *FilterError) Unwrap() error { return e.Err }

// Filter returns f with fn applied to every connection it makes or accepts.
// Accepted connections are filtered concurrently, each on its own goroutine,
// so that a slow peer (a TLS handshake that never ends) does not hold up
// the others; bound fn's time with ctx, which is canceled when the listener
// closes.
func Filter(f Factory, fn FilterFunc) Factory { return &filtered{f, fn} }

type filtered struct {
	Factory
	fn FilterFunc
}

func (f *filtered) Connect(ctx context.Context, addr net.Addr, props Properties) (Connection, error) {
	c, err := f.Factory.Connect(ctx, addr, props)
	if err != nil {
		return nil, err
	}
	fc, err := f.fn(ctx, c, ClientSide)
	if err != nil {
		c.Abort(err)
		return nil, err
	}
	return fc, nil
}

func (f *filtered) Bind(ctx context.Context, addr net.Addr, props Properties) (Listener, error) {
	l, err := f.Factory.Bind(ctx, addr, props)
	if err != nil {
		return nil, err
	}
	fl := &filteredListener{Listener: l, fn: f.fn, ready: make(chan accepted)}
	fl.ctx, fl.cancel = context.WithCancel(context.Background())
	return fl, nil
}

type accepted struct {
	c   Connection
	err error
}

// filteredListener accepts from the listener below on one goroutine and
// filters each connection on its own, handing results to Accept.
type filteredListener struct {
	Listener
	fn     FilterFunc
	ready  chan accepted
	start  sync.Once
	ctx    context.Context // canceled by Close: stops the loop and the filters
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (l *filteredListener) Accept(ctx context.Context) (Connection, error) {
	l.start.Do(func() {
		l.wg.Add(1)
		go l.loop()
	})
	select {
	case a := <-l.ready:
		return a.c, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

func (l *filteredListener) loop() {
	defer l.wg.Done()
	for {
		c, err := l.Listener.Accept(l.ctx)
		if err != nil {
			if l.ctx.Err() != nil {
				return
			}
			if !l.hand(accepted{err: err}) || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			fc, err := l.fn(l.ctx, c, ServerSide)
			if err != nil {
				c.Abort(err)
				l.hand(accepted{err: &FilterError{Remote: c.RemoteAddr(), Err: err}})
				return
			}
			if !l.hand(accepted{c: fc}) {
				fc.Abort(net.ErrClosed)
			}
		}()
	}
}

// hand passes a result to an Accept, or reports false once the listener
// closed.
func (l *filteredListener) hand(a accepted) bool {
	select {
	case l.ready <- a:
		return true
	case <-l.ctx.Done():
		return false
	}
}

// Close stops accepting, aborts connections being filtered and waits for
// the filters to return.
func (l *filteredListener) Close() error {
	l.cancel()
	err := l.Listener.Close()
	l.wg.Wait()
	return err
}
