package conn

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/f2bac256/bedrock/duplex"
)

// InputHandler serves a connection one burst of input at a time, where a
// Handler serves it from start to end on a goroutine of its own.
// Server.NewInput returns the InputHandler of each connection, which keeps
// the connection's state (a protocol.Reader, a session) between calls.
//
// ServeInput is called when the connection's Pipe view has input it has not
// examined, and once more when its input ended (the peer closed it, or it
// failed). It handles what is buffered without waiting for more input:
// pipe.Reader.TryRead, then AdvanceTo with what it consumed and examined
// (a partial message stays examined-but-not-consumed until more arrives),
// writes and flushes its replies, and returns. Returning an error ends the
// connection: the server closes it (gracefully: pending output is flushed).
// Calls for one connection never overlap.
//
// On a transport that says when input arrives (its Pipe view is an
// InputNotifier: transports/netpoll), the server runs ServeInput on the
// transport's own goroutine and the connection holds no goroutine between
// calls, so an idle connection costs only its buffers. On other transports
// the server waits for input on a goroutine per connection and calls
// ServeInput from it: the same handler works everywhere.
type InputHandler interface {
	ServeInput(ctx context.Context, c Connection, p duplex.Pipe) error
}

// InputHandlerFunc adapts a function to InputHandler.
type InputHandlerFunc func(ctx context.Context, c Connection, p duplex.Pipe) error

// ServeInput calls f(ctx, c, p).
func (f InputHandlerFunc) ServeInput(ctx context.Context, c Connection, p duplex.Pipe) error {
	return f(ctx, c, p)
}

// InputNotifier is implemented by the native Pipe view of a transport that
// calls back when input arrives (transports/netpoll), letting Server run an
// InputHandler without a goroutine per connection.
type InputNotifier interface {
	// NotifyInput arranges for f to be called each time input arrives,
	// and once with ended true after the input ended (no call follows
	// that one). Calls never overlap. If input is buffered or ended
	// already, a call follows soon. f runs on a goroutine of the
	// transport's and must not wait for input; it may write and flush.
	// NotifyInput is called at most once per connection.
	NotifyInput(f func(ended bool))
}

// served is a connection being handled: by a Handler's goroutine, or by
// an InputHandler's calls.
type served struct {
	c      Connection
	cancel context.CancelFunc

	// For an InputHandler.
	finish   func() // called once when the connection is done
	mu       sync.Mutex
	notified bool // served by the transport's input notifications
	calling  bool // a ServeInput call is running
	stop     bool // Shutdown asked the connection to end once idle
	ended    bool // the connection is done
}

// startInput serves c with h: from the transport's notifications when its
// Pipe view is an InputNotifier, from a goroutine of its own otherwise.
// s.mu is not held.
func (s *Server) startInput(ctx context.Context, sc *served, h InputHandler) {
	c := sc.c
	p, err := c.Pipe()
	if err != nil {
		s.logger().Warn("conn: input handler needs the Pipe view", "remote", c.RemoteAddr(), "err", err)
		sc.finish()
		c.Abort(err)
		return
	}
	n, ok := p.(InputNotifier)
	if !ok {
		go func() {
			defer sc.finish()
			s.pollInput(ctx, sc, h, p)
		}()
		return
	}
	sc.mu.Lock()
	sc.notified = true
	sc.mu.Unlock()
	n.NotifyInput(func(ended bool) {
		sc.mu.Lock()
		if sc.ended {
			sc.mu.Unlock()
			return
		}
		sc.calling = true
		sc.mu.Unlock()
		err := s.callInput(ctx, sc, h, p)
		sc.mu.Lock()
		sc.calling = false
		done := err != nil || ended || sc.stop
		if done {
			sc.ended = true
		}
		sc.mu.Unlock()
		if done {
			// Not on the transport's goroutine: a graceful close may wait
			// for the peer (a lingering close), which the transport may
			// only report once this call returned.
			go func() {
				if err != errPanicked {
					c.Close()
				}
				sc.finish()
			}()
		}
	})
}

// pollInput serves an InputHandler on a transport that does not notify:
// it waits for unexamined input (or its end) and calls h, until h fails
// or the input ended.
func (s *Server) pollInput(ctx context.Context, sc *served, h InputHandler, p duplex.Pipe) {
	// The wait ends with Shutdown (s.ctx); a call in progress does not.
	wait, stop := context.WithCancel(s.ctx)
	defer stop()
	context.AfterFunc(ctx, stop)
	in := p.Input()
	for {
		res, err := in.Read(wait)
		if err != nil {
			sc.c.Close()
			return
		}
		// Nothing consumed, nothing more examined: h's TryRead sees the
		// same buffer at once.
		in.Consume(res.Buffer.Start())
		if err := s.callInput(ctx, sc, h, p); err != nil {
			if err != errPanicked {
				sc.c.Close()
			}
			return
		}
		if res.Completed {
			sc.c.Close()
			return
		}
	}
}

// errPanicked is callInput's report of a handler panic, after which the
// connection was aborted.
var errPanicked = fmt.Errorf("conn: input handler panicked")

// callInput calls h once, recovering a panic (which aborts c).
func (s *Server) callInput(ctx context.Context, sc *served, h InputHandler, p duplex.Pipe) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.logger().Error("conn: input handler panicked", "remote", sc.c.RemoteAddr(), "panic", v, "stack", string(debug.Stack()))
			sc.c.Abort(fmt.Errorf("conn: input handler panic: %v", v))
			err = errPanicked
		}
	}()
	return h.ServeInput(ctx, sc.c, p)
}

// stopIdle ends sc at once if it is served by input notifications and
// between calls, and makes it end after its current call otherwise. Other
// connections are told to end by their context.
func (sc *served) stopIdle() {
	sc.mu.Lock()
	if sc.ended || !sc.notified {
		sc.mu.Unlock()
		return
	}
	sc.stop = true
	idle := !sc.calling
	if idle {
		sc.ended = true
	}
	sc.mu.Unlock()
	if idle {
		go func() {
			sc.c.Close()
			sc.finish()
		}()
	}
}
