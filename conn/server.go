package conn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// ErrServerClosed is what Serve returns after Shutdown or Close.
var ErrServerClosed = errors.New("conn: server closed")

// Handler serves one connection. ctx is canceled when the server shuts
// down: a handler should then finish what it is doing and return. The
// server closes the connection after the handler returns (a handler may
// close it itself first).
type Handler interface {
	ServeConn(ctx context.Context, c Connection)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, c Connection)

// ServeConn calls f(ctx, c).
func (f HandlerFunc) ServeConn(ctx context.Context, c Connection) { f(ctx, c) }

// Middleware wraps a Handler with a cross-cutting concern (logging,
// authentication, metrics) applied per connection.
type Middleware func(Handler) Handler

// Server serves connections accepted from Listeners, each on its own
// goroutine, like http.Server does requests, or, with NewInput's
// InputHandlers, one burst of input at a time (see InputHandler). The zero
// value needs only a Handler or NewInput.
type Server struct {
	// Handler serves each connection.
	Handler Handler
	// NewInput, set instead of Handler, returns the InputHandler that
	// serves c: one per connection holding its state, or one shared.
	NewInput func(c Connection) InputHandler
	// Middleware wraps Handler, the first element outermost; it does not
	// apply to NewInput's handlers.
	Middleware []Middleware
	// Logger receives handler panics and accept errors; nil means
	// slog.Default().
	Logger *slog.Logger

	mu        sync.Mutex
	listeners map[Listener]struct{}
	conns     map[*served]struct{}
	closing   bool
	handlers  sync.WaitGroup
	ctx       context.Context // parent of every connection's context
	cancel    context.CancelFunc
}

func (s *Server) init() {
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.listeners = map[Listener]struct{}{}
		s.conns = map[*served]struct{}{}
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Serve accepts connections from l and serves each on a new goroutine until
// Shutdown or Close, when it returns ErrServerClosed, or until l fails,
// when it returns that error. A connection whose filter failed (a
// *FilterError) is logged and skipped; other temporary accept errors are
// retried with a growing delay. Serve closes l when it returns.
func (s *Server) Serve(l Listener) error {
	s.mu.Lock()
	s.init()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	if (s.Handler == nil) == (s.NewInput == nil) {
		return errors.New("conn: Server needs exactly one of Handler and NewInput")
	}
	h := s.Handler
	for i := len(s.Middleware) - 1; i >= 0; i-- {
		h = s.Middleware[i](h)
	}
	var delay time.Duration
	for {
		c, err := l.Accept(s.ctx)
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			var ferr *FilterError
			if errors.As(err, &ferr) {
				s.logger().Warn("conn: connection rejected", "remote", ferr.Remote, "err", ferr.Err)
				continue
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.logger().Warn("conn: accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		s.start(h, c)
	}
}

func (s *Server) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// start serves c, unless the server is shutting down: with h on a new
// goroutine, or with the InputHandler.
func (s *Server) start(h Handler, c Connection) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.Abort(ErrServerClosed)
		return
	}
	// A Handler's context ends with Shutdown, telling it to finish; a
	// ServeInput call in progress is let finish (its context ends when
	// Shutdown gives up, or with Close).
	parent := s.ctx
	if s.NewInput != nil {
		parent = context.WithoutCancel(s.ctx)
	}
	ctx, cancel := context.WithCancel(parent)
	sc := &served{c: c, cancel: cancel}
	sc.finish = func() {
		s.mu.Lock()
		delete(s.conns, sc)
		s.mu.Unlock()
		cancel()
		s.handlers.Done()
	}
	s.conns[sc] = struct{}{}
	s.handlers.Add(1)
	s.mu.Unlock()
	if s.NewInput != nil {
		s.startInput(ctx, sc, s.NewInput(c))
		return
	}
	go func() {
		defer sc.finish()
		s.handle(ctx, h, c)
	}()
}

// handle runs h on c, recovering a panic (which aborts c) and closing c
// afterwards.
func (s *Server) handle(ctx context.Context, h Handler, c Connection) {
	defer func() {
		if v := recover(); v != nil {
			err := fmt.Errorf("conn: handler panic: %v", v)
			s.logger().Error("conn: handler panicked", "remote", c.RemoteAddr(), "panic", v, "stack", string(debug.Stack()))
			c.Abort(err)
			return
		}
		c.Close()
	}()
	h.ServeConn(ctx, c)
}

// Shutdown stops the server gracefully: it closes the listeners, cancels
// the context of every Handler so that they finish and return, closes the
// connections an InputHandler serves between calls (the others after
// their current call, whose context is left alone), and waits for them. If ctx is done first, it aborts the connections still open,
// waits for their handlers to return, and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAccepting()
	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.abortAll()
		<-done
		return ctx.Err()
	}
}

// Close stops the server at once: it closes the listeners, aborts every
// connection and waits for the handlers to return.
func (s *Server) Close() error {
	s.stopAccepting()
	s.abortAll()
	s.handlers.Wait()
	return nil
}

func (s *Server) stopAccepting() {
	s.mu.Lock()
	s.init()
	s.closing = true
	listeners := make([]Listener, 0, len(s.listeners))
	for l := range s.listeners {
		listeners = append(listeners, l)
	}
	s.mu.Unlock()
	s.cancel() // stops Accept and tells every handler to finish
	for _, l := range listeners {
		l.Close()
	}
	for _, sc := range s.servedNow() {
		sc.stopIdle()
	}
}

func (s *Server) abortAll() {
	for _, sc := range s.servedNow() {
		sc.cancel()
		sc.c.Abort(ErrServerClosed)
	}
}

// servedNow returns the connections being served now.
func (s *Server) servedNow() []*served {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*served, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	return conns
}
