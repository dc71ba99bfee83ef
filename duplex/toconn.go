package duplex

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/f2bac256/bedrock/pipe"
)

// ToConn returns a net.Conn that reads p's Input and writes p's Output.
// It is safe for concurrent use, like any net.Conn.
//
// Read copies buffered bytes out (io.EOF once the other side completed);
// Write copies in and flushes, so it returns once the pipe accepted the
// bytes (a pipe's backpressure can make it wait). Deadlines work as in the
// net package: an expired deadline makes pending and later calls fail with
// an error whose Timeout method reports true (os.ErrDeadlineExceeded).
//
// Close cancels pending calls, which then return net.ErrClosed, and
// completes both directions: the other side reads the bytes already
// written, then io.EOF, and its flushes report completion. If Close cut a
// Write short, the output completes with net.ErrClosed instead, so that the
// abandoned bytes may be dropped rather than block Close. A second Close
// returns net.ErrClosed.
//
// Addresses are p's own if it has LocalAddr and RemoteAddr methods (Pipes
// from FromConn do), otherwise Addr{}.
func ToConn(p Pipe) net.Conn {
	c := &conn{p: p}
	c.rd.cancel = p.Input().CancelPendingRead
	c.wd.cancel = p.Output().CancelPendingFlush
	return c
}

type conn struct {
	p      Pipe
	rmu    sync.Mutex // one Read at a time on the pipe
	wmu    sync.Mutex // one Write at a time
	rd, wd deadline
	closed atomic.Bool
	cut    bool // a Write was cut short by Close (guarded by wmu)
	shut   bool // CloseWrite completed the output (guarded by wmu)
}

func (c *conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	in := c.p.Input()
	for {
		if c.closed.Load() {
			return 0, c.opError("read", net.ErrClosed)
		}
		if c.rd.expired() {
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
		if len(b) == 0 {
			return 0, nil
		}
		res, err := in.Read(context.Background())
		if err != nil {
			if errors.Is(err, pipe.ErrReaderCompleted) {
				err = net.ErrClosed
			}
			return 0, c.opError("read", err)
		}
		buf := res.Buffer
		if buf.IsEmpty() {
			in.AdvanceTo(buf.End(), buf.End())
			if res.Canceled {
				continue // a deadline, Close, or a stale cancellation: check again
			}
			return 0, io.EOF
		}
		n := buf.CopyTo(b)
		in.Consume(buf.PositionAt(int64(n)))
		return n, nil
	}
}

func (c *conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed.Load() {
		return 0, c.opError("write", net.ErrClosed)
	}
	if c.shut {
		return 0, c.opError("write", io.ErrClosedPipe)
	}
	if c.wd.expired() {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	out := c.p.Output()
	n, err := out.Write(b)
	if err != nil {
		return n, c.opError("write", err)
	}
	for {
		res, err := out.Flush(context.Background())
		switch {
		case err != nil:
			return n, c.opError("write", err)
		case res.Completed:
			return n, c.opError("write", io.ErrClosedPipe)
		case !res.Canceled:
			return n, nil
		case c.closed.Load():
			c.cut = true
			return n, c.opError("write", net.ErrClosed)
		case c.wd.expired():
			return n, c.opError("write", os.ErrDeadlineExceeded)
		}
		// A stale cancellation: flush again.
	}
}

func (c *conn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return c.opError("close", net.ErrClosed)
	}
	c.rd.stop()
	c.wd.stop()
	// Wake pending calls, then complete each side once nobody uses it: a
	// side's memory is released by Complete.
	in, out := c.p.Input(), c.p.Output()
	in.CancelPendingRead()
	out.CancelPendingFlush()
	c.rmu.Lock()
	in.Complete(nil)
	c.rmu.Unlock()
	c.wmu.Lock()
	if c.cut {
		// The bytes of the Write that Close cut short are abandoned: a
		// writer that cannot deliver them (a peer that stopped reading)
		// drops them instead of blocking Close.
		out.Complete(net.ErrClosed)
	} else {
		out.Complete(nil)
	}
	c.wmu.Unlock()
	return nil
}

// CloseWrite completes the output, like a TCP half-close: the other side
// reads io.EOF after the bytes written so far, and this side can go on
// reading. Later Writes fail with io.ErrClosedPipe.
func (c *conn) CloseWrite() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	if !c.shut {
		c.shut = true
		c.p.Output().Complete(nil)
	}
	return nil
}

func (c *conn) opError(op string, err error) error {
	if err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "duplex", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

func (c *conn) LocalAddr() net.Addr {
	if a, ok := c.p.(addresser); ok {
		return a.LocalAddr()
	}
	return Addr{}
}

func (c *conn) RemoteAddr() net.Addr {
	if a, ok := c.p.(addresser); ok {
		return a.RemoteAddr()
	}
	return Addr{}
}

func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.rd.set(t)
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.wd.set(t)
	return nil
}

// deadline is one direction's deadline: when it passes, cancel interrupts
// the pending call, which then sees the deadline expired.
type deadline struct {
	mu     sync.Mutex
	at     time.Time
	timer  *time.Timer
	cancel func()
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = t
	if d.timer != nil {
		d.timer.Stop()
	}
	switch {
	case t.IsZero():
	case !time.Now().Before(t):
		d.cancel()
	case d.timer == nil:
		d.timer = time.AfterFunc(time.Until(t), d.cancel)
	default:
		d.timer.Reset(time.Until(t))
	}
}

func (d *deadline) expired() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.at.IsZero() && !time.Now().Before(d.at)
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
}
