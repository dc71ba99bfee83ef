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
// goroutine, like http.Server does requests. The zero value needs only a
// Handler.
type Server struct {
	// Handler serves each connection.
	Handler Handler
	// Middleware wraps Handler, the first element outermost.
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

// served is a connection being handled.
type served struct {
	c      Connection
	cancel context.CancelFunc
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

// start serves c on a new goroutine, unless the server is shutting down.
func (s *Server) start(h Handler, c Connection) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.Abort(ErrServerClosed)
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	sc := &served{c: c, cancel: cancel}
	s.conns[sc] = struct{}{}
	s.handlers.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.handlers.Done()
		defer func() {
			s.mu.Lock()
			delete(s.conns, sc)
			s.mu.Unlock()
			cancel()
		}()
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
// every connection's context so that handlers finish and return, and waits
// for them. If ctx is done first, it aborts the connections still open,
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
}

func (s *Server) abortAll() {
	s.mu.Lock()
	conns := make([]*served, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	for _, sc := range conns {
		sc.c.Abort(ErrServerClosed)
	}
}
