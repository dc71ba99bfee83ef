package socket

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"github.com/f2bac256/bedrock/conn"
)

// listener is the conn.Listener Bind returns.
//
// A canceled Accept context moves the listener's deadline into the past,
// which interrupts every blocked accept, not only that one; once no
// cancellation is in progress the deadline is cleared. Accepts whose
// context is not done wait for that and accept again.
type listener struct {
	f     *Factory
	ln    net.Listener
	dl    interface{ SetDeadline(time.Time) error }
	props conn.Properties

	mu          sync.Mutex
	interrupts  int           // cancellations holding the deadline in the past
	gen         uint64        // interrupts so far
	interrupted chan struct{} // closed when interrupts drops back to zero
}

var pastDeadline = time.Unix(1, 0)

func (l *listener) Accept(ctx context.Context) (conn.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ctx.Done() == nil {
		c, err := l.accept(ctx)
		if err != nil {
			return nil, err
		}
		return l.f.newConnection(c), nil
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		l.interrupt()
		close(fired)
	})
	c, err := l.accept(ctx)
	if !stop() {
		<-fired
		l.resume()
	}
	if err != nil {
		return nil, err
	}
	return l.f.newConnection(c), nil
}

// accept accepts a connection, accepting again after a deadline that was
// meant for another Accept. A deadline no Accept set (someone else's) is
// returned as is rather than retried in a loop.
func (l *listener) accept(ctx context.Context) (net.Conn, error) {
	for {
		l.mu.Lock()
		gen := l.gen
		l.mu.Unlock()
		c, err := l.ln.Accept()
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Another Accept's cancellation: wait for the deadline to clear.
		l.mu.Lock()
		n, ch, foreign := l.interrupts, l.interrupted, l.gen == gen
		l.mu.Unlock()
		switch {
		case n > 0:
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		case foreign:
			return nil, err
		}
	}
}

// interrupt moves the deadline into the past, for a canceled Accept.
func (l *listener) interrupt() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.interrupts == 0 {
		l.interrupted = make(chan struct{})
	}
	l.interrupts++
	l.gen++
	l.dl.SetDeadline(pastDeadline) // fails only once closed: nothing to interrupt
}

// resume undoes interrupt once the canceled Accept returned.
func (l *listener) resume() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.interrupts--; l.interrupts == 0 {
		l.dl.SetDeadline(time.Time{})
		close(l.interrupted)
	}
}

func (l *listener) Addr() net.Addr              { return l.ln.Addr() }
func (l *listener) Properties() conn.Properties { return l.props }

// Close closes the listener; blocked and later Accepts return net.ErrClosed.
// A Unix listener removes its socket file.
func (l *listener) Close() error { return l.ln.Close() }
