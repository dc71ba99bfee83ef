package limits

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
)

// Errors of the limits, wrapped with what was exceeded.
var (
	// ErrTooManyConnections refuses a connection beyond
	// Config.MaxConnections.
	ErrTooManyConnections = errors.New("limits: too many connections")
	// ErrIdleTimeout aborts a connection idle for Config.IdleTimeout.
	ErrIdleTimeout = errors.New("limits: idle timeout")
	// ErrHandshakeTimeout aborts an accepted connection whose first byte
	// did not arrive within Config.HandshakeTimeout.
	ErrHandshakeTimeout = errors.New("limits: handshake timeout")
)

// Config configures Layer. Zero fields impose no limit.
type Config struct {
	// MaxConnections bounds the connections open at once: those accepted
	// by each Listener, and separately those made by Connect. Zero or
	// negative means unlimited.
	MaxConnections int

	// IdleTimeout aborts a connection, either side, that made no read or
	// write progress for that long with ErrIdleTimeout.
	IdleTimeout time.Duration

	// HandshakeTimeout aborts an accepted connection whose first byte was
	// not read within that time of its acceptance with
	// ErrHandshakeTimeout. It is a ReadHeaderTimeout for any protocol.
	HandshakeTimeout time.Duration
}

func (c Config) limitsNothing() bool {
	return c.MaxConnections <= 0 && c.IdleTimeout <= 0 && c.HandshakeTimeout <= 0
}

// Layer returns a conn.Layer enforcing cfg on the connections made and
// accepted through it. The Connect limit is shared by every factory the
// returned Layer wraps. See the package documentation.
func Layer(cfg Config) conn.Layer {
	clients := &slots{max: cfg.MaxConnections}
	return func(f conn.Factory) conn.Factory { return &factory{lower: f, cfg: cfg, clients: clients} }
}

// factory is the conn.Factory that Layer returns.
type factory struct {
	lower   conn.Factory
	cfg     Config
	clients *slots
}

func (f *factory) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	if f.cfg.MaxConnections <= 0 && f.cfg.IdleTimeout <= 0 {
		return f.lower.Connect(ctx, addr, props)
	}
	if !f.clients.acquire() {
		return nil, fmt.Errorf("limits: connect %v: %w: %d open", addr, ErrTooManyConnections, f.clients.max)
	}
	c, err := f.lower.Connect(ctx, addr, props)
	if err != nil {
		f.clients.release()
		return nil, err
	}
	return newConnection(c, f.cfg.IdleTimeout, 0, f.clients), nil
}

func (f *factory) Bind(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Listener, error) {
	cfg := f.cfg
	if c, ok := conn.Get[Config](props); ok {
		cfg = c
	}
	if cfg.limitsNothing() {
		return f.lower.Bind(ctx, addr, props)
	}
	servers := &slots{max: cfg.MaxConnections}
	admit := func(_ context.Context, c conn.Connection, _ conn.Side) (conn.Connection, error) {
		if !servers.acquire() {
			return nil, fmt.Errorf("limits: %w: %d open", ErrTooManyConnections, servers.max)
		}
		return newConnection(c, cfg.IdleTimeout, cfg.HandshakeTimeout, servers), nil
	}
	return conn.Filter(f.lower, admit).Bind(ctx, addr, props)
}

// slots counts open connections against a maximum (none if max <= 0).
type slots struct {
	max  int
	open atomic.Int64
}

func (s *slots) acquire() bool {
	if s.max <= 0 {
		return true
	}
	for {
		n := s.open.Load()
		if n >= int64(s.max) {
			return false
		}
		if s.open.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (s *slots) release() {
	if s.max > 0 {
		s.open.Add(-1)
	}
}

// epoch is the origin of the connections' monotonic timestamps.
var epoch = time.Now()

func now() time.Duration { return time.Since(epoch) }

// connection forwards to the connection below, holding a slot until it
// ends and, with timeouts, watching the progress of its views.
type connection struct {
	lower conn.Connection
	slots *slots

	// Set before the timer starts, read-only after.
	idle, handshake time.Duration
	start           time.Duration
	timed           bool // a timeout applies: the views record progress

	last  atomic.Int64 // now() at the last progress
	first atomic.Bool  // a byte was read
	done  atomic.Bool  // closed or aborted

	mu     sync.Mutex
	timer  *time.Timer // nil without timeouts
	reason error       // the timeout that aborted the connection
	stream net.Conn
	pipe   duplex.Pipe
}

func newConnection(c conn.Connection, idle, handshake time.Duration, s *slots) *connection {
	lc := &connection{lower: c, slots: s, idle: max(idle, 0), handshake: max(handshake, 0)}
	lc.timed = lc.idle > 0 || lc.handshake > 0
	if !lc.timed {
		return lc
	}
	lc.start = now()
	lc.last.Store(int64(lc.start))
	first := lc.idle
	if first == 0 || lc.handshake > 0 && lc.handshake < first {
		first = lc.handshake
	}
	lc.mu.Lock() // check waits for lc.timer
	lc.timer = time.AfterFunc(first, lc.check)
	lc.mu.Unlock()
	return lc
}

// progress records that a view moved data; read tells whether bytes
// arrived.
func (c *connection) progress(read bool) {
	if !c.timed {
		return
	}
	c.last.Store(int64(now()))
	if read && !c.first.Load() {
		c.first.Store(true)
	}
}

// check runs when the timer fires: it aborts the connection if a timeout
// expired, and otherwise re-arms the timer for the nearest deadline.
func (c *connection) check() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done.Load() {
		return
	}
	t := now()
	next := time.Duration(-1)
	if c.handshake > 0 && !c.first.Load() {
		left := c.handshake - (t - c.start)
		if left <= 0 {
			c.expireLocked(fmt.Errorf("limits: no byte from %v within %v: %w", c.lower.RemoteAddr(), c.handshake, ErrHandshakeTimeout))
			return
		}
		next = left
	}
	if c.idle > 0 {
		left := c.idle - (t - time.Duration(c.last.Load()))
		if left <= 0 {
			c.expireLocked(fmt.Errorf("limits: %v idle for %v: %w", c.lower.RemoteAddr(), c.idle, ErrIdleTimeout))
			return
		}
		if next < 0 || left < next {
			next = left
		}
	}
	if next >= 0 {
		c.timer.Reset(next)
	}
}

// expireLocked aborts c with err, which its views report from now on,
// unless c just ended otherwise.
func (c *connection) expireLocked(err error) {
	if !c.done.CompareAndSwap(false, true) {
		return
	}
	c.reason = err
	c.mu.Unlock()
	c.lower.Abort(err)
	c.slots.release()
	c.mu.Lock()
}

// why returns the error a view reports for err: the timeout that aborted
// the connection, if one did.
func (c *connection) why(err error) error {
	if !c.timed || err == nil {
		return err
	}
	if reason := c.timeout(); reason != nil {
		return reason
	}
	return err
}

func (c *connection) timeout() error {
	if !c.timed || !c.done.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

func (c *connection) Stream() (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done.Load() {
		return nil, c.closedErrLocked()
	}
	if c.stream == nil {
		s, err := c.lower.Stream()
		if err != nil {
			return nil, err
		}
		c.stream = newStream(s, c)
	}
	return c.stream, nil
}

func (c *connection) Pipe() (duplex.Pipe, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done.Load() {
		return nil, c.closedErrLocked()
	}
	if c.pipe == nil {
		p, err := c.lower.Pipe()
		if err != nil {
			return nil, err
		}
		if c.timed {
			p = newPipe(p, c)
		}
		c.pipe = p
	}
	return c.pipe, nil
}

func (c *connection) closedErrLocked() error {
	if c.reason != nil {
		return c.reason
	}
	return net.ErrClosed
}

func (c *connection) Properties() conn.Properties { return c.lower.Properties() }
func (c *connection) LocalAddr() net.Addr         { return c.lower.LocalAddr() }
func (c *connection) RemoteAddr() net.Addr        { return c.lower.RemoteAddr() }

// finish marks c done and stops its timer, reporting whether it was the
// first to.
func (c *connection) finish() bool {
	if !c.done.CompareAndSwap(false, true) {
		return false
	}
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	return true
}

func (c *connection) Close() error {
	if !c.finish() {
		return net.ErrClosed
	}
	err := c.lower.Close()
	c.slots.release()
	return err
}

func (c *connection) Abort(err error) {
	if c.finish() {
		c.lower.Abort(err)
		c.slots.release()
	}
}
