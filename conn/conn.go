package conn

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// ErrViewTaken is returned when a connection's Stream is asked for after its
// Pipe was, or the other way round: the first view asked for wins.
var ErrViewTaken = errors.New("conn: the other view of the connection was taken first")

// Connection is an established connection, client or server side.
//
// It offers two views of its bytes: Stream, a net.Conn, and Pipe, a
// duplex.Pipe reading into and writing from pooled memory. The first view
// asked for wins; asking for the other returns ErrViewTaken, and asking
// again for the same one returns the same object. Transports implement the
// view that is native to them; the other wraps it.
//
// Close is graceful: it flushes pending output, half-closes so that the
// peer reads the end of the stream, and releases the connection. It is for
// the goroutine that uses the view, once it is done; to stop a connection
// from elsewhere, use Abort (or cancel what the user of the view waits on).
// Abort tears the connection down at once, discarding pending output (a TCP
// reset where the transport can), and is safe from any goroutine.
type Connection interface {
	Stream() (net.Conn, error)
	Pipe() (duplex.Pipe, error)
	Properties() Properties
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
	Close() error
	Abort(err error)
}

// Base describes an established connection to New: its native view (exactly
// one of Stream and Pipe), what it knows about itself, and how to tear it
// down.
type Base struct {
	// Stream is the native stream view, or nil.
	Stream net.Conn
	// Pipe is the native pipe view, or nil.
	Pipe duplex.Pipe

	// LocalAddr and RemoteAddr default to Stream's, or to Pipe's if it has
	// LocalAddr and RemoteAddr methods, or to duplex.Addr{}.
	LocalAddr, RemoteAddr net.Addr

	// Properties are the connection's properties.
	Properties Properties

	// PipeOptions configure the Pipe view that wraps a native Stream.
	PipeOptions duplex.Options

	// Abort tears the transport down at once; nil means closing the Stream
	// (or completing the Pipe's sides with the error).
	Abort func(err error)

	// Release, if set, is called once after Close or Abort: a transport's
	// own cleanup (returning a connection slot, say).
	Release func()

	// Lower is the connection this one is layered on, if any: it is closed
	// or aborted after this one.
	Lower Connection
}

// New returns a Connection over b. It panics unless exactly one of
// b.Stream and b.Pipe is set.
func New(b Base) Connection {
	if (b.Stream == nil) == (b.Pipe == nil) {
		panic("conn: New needs exactly one native view, Stream or Pipe")
	}
	c := &connection{b: b}
	if b.LocalAddr == nil || b.RemoteAddr == nil {
		local, remote := c.nativeAddrs()
		if b.LocalAddr == nil {
			c.b.LocalAddr = local
		}
		if b.RemoteAddr == nil {
			c.b.RemoteAddr = remote
		}
	}
	return c
}

type view uint8

const (
	noView view = iota
	streamView
	pipeView
)

// connection is the Connection New returns.
type connection struct {
	b Base

	mu     sync.Mutex
	taken  view
	stream net.Conn    // the Stream view once taken
	pipe   duplex.Pipe // the Pipe view once taken
	done   bool        // closed or aborted
}

func (c *connection) nativeAddrs() (local, remote net.Addr) {
	if c.b.Stream != nil {
		return c.b.Stream.LocalAddr(), c.b.Stream.RemoteAddr()
	}
	if a, ok := c.b.Pipe.(interface {
		LocalAddr() net.Addr
		RemoteAddr() net.Addr
	}); ok {
		return a.LocalAddr(), a.RemoteAddr()
	}
	return duplex.Addr{}, duplex.Addr{}
}

func (c *connection) Stream() (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.done:
		return nil, net.ErrClosed
	case c.taken == pipeView:
		return nil, ErrViewTaken
	case c.stream == nil:
		if c.stream = c.b.Stream; c.stream == nil {
			c.stream = duplex.ToConn(addressed{c.b.Pipe, c.b.LocalAddr, c.b.RemoteAddr})
		}
		c.taken = streamView
	}
	return c.stream, nil
}

func (c *connection) Pipe() (duplex.Pipe, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.done:
		return nil, net.ErrClosed
	case c.taken == streamView:
		return nil, ErrViewTaken
	case c.pipe == nil:
		if c.pipe = c.b.Pipe; c.pipe == nil {
			c.pipe = duplex.FromConn(c.b.Stream, c.b.PipeOptions)
		}
		c.taken = pipeView
	}
	return c.pipe, nil
}

func (c *connection) Properties() Properties { return c.b.Properties }
func (c *connection) LocalAddr() net.Addr    { return c.b.LocalAddr }
func (c *connection) RemoteAddr() net.Addr   { return c.b.RemoteAddr }

// finish marks c done and reports whether it was the first to.
func (c *connection) finish() (view, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return c.taken, false
	}
	c.done = true
	return c.taken, true
}

func (c *connection) Close() error {
	taken, first := c.finish()
	if !first {
		return net.ErrClosed
	}
	var err error
	switch {
	case taken == streamView && c.b.Pipe != nil:
		err = c.stream.Close() // ToConn completes both sides
	case taken == pipeView || c.b.Pipe != nil:
		p := c.pipe
		if p == nil {
			p = c.b.Pipe
		}
		if c.b.Stream != nil {
			// Over a stream, flushing writes to the socket: report its
			// failure, which Complete cannot. (A native pipe's Complete
			// hands the bytes over without waiting for its reader.)
			if _, err = p.Output().Flush(context.Background()); errors.Is(err, pipe.ErrWriterCompleted) {
				err = nil // the user completed the output: nothing pending
			}
		}
		p.Output().Complete(nil) // flushes and, over a stream, half-closes
		p.Input().Complete(nil)  // FromConn then closes the stream
	default:
		err = c.b.Stream.Close()
	}
	c.release()
	if c.b.Lower != nil {
		err = errors.Join(err, ignoreClosed(c.b.Lower.Close()))
	}
	return err
}

func (c *connection) Abort(err error) {
	if _, first := c.finish(); !first {
		return
	}
	switch {
	case c.b.Abort != nil:
		c.b.Abort(err)
	case c.b.Stream != nil:
		c.b.Stream.Close()
	default:
		// Only the sides' cancellations are safe from any goroutine: they
		// wake whoever waits, who then sees the aborted transport.
		c.b.Pipe.Input().CancelPendingRead()
		c.b.Pipe.Output().CancelPendingFlush()
	}
	c.release()
	if c.b.Lower != nil {
		c.b.Lower.Abort(err)
	}
}

func (c *connection) release() {
	if c.b.Release != nil {
		c.b.Release()
	}
}

// ignoreClosed drops net.ErrClosed: a lower connection that the layer above
// already closed through its stream is not an error.
func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// addressed is a Pipe that reports the connection's addresses to
// duplex.ToConn.
type addressed struct {
	duplex.Pipe
	local, remote net.Addr
}

func (a addressed) LocalAddr() net.Addr  { return a.local }
func (a addressed) RemoteAddr() net.Addr { return a.remote }
