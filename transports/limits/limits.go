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

// watch is what the layer keeps of one connection: the slot it holds until
// the connection ends and, with timeouts, its progress and timer. Its
// methods are the conn.Observer hooks of the observed connection.
type watch struct {
	c     *conn.Observed
	slots *slots

	// Set before the timer starts, read-only after.
	idle, handshake time.Duration
	start           time.Duration

	last  atomic.Int64 // now() at the last progress
	first atomic.Bool  // a byte was read

	mu    sync.Mutex
	timer *time.Timer // nil without timeouts
	ended bool
}

// newConnection returns c holding a slot of s and, if idle or handshake
// is positive, watched for those timeouts.
func newConnection(c conn.Connection, idle, handshake time.Duration, s *slots) conn.Connection {
	w := &watch{slots: s, idle: max(idle, 0), handshake: max(handshake, 0)}
	o := conn.Observer{Closed: w.end, Aborted: w.end}
	timed := w.idle > 0 || w.handshake > 0
	if timed {
		o.Progress = w.progress
	}
	w.c = conn.Observe(c, o)
	if !timed {
		return w.c
	}
	w.start = now()
	w.last.Store(int64(w.start))
	first := w.idle
	if first == 0 || w.handshake > 0 && w.handshake < first {
		first = w.handshake
	}
	w.mu.Lock() // check waits for w.timer
	w.timer = time.AfterFunc(first, w.check)
	w.mu.Unlock()
	return w.c
}

// progress records that a view moved data; in tells whether bytes
// arrived.
func (w *watch) progress(in bool) {
	w.last.Store(int64(now()))
	if in && !w.first.Load() {
		w.first.Store(true)
	}
}

// check runs when the timer fires: it fails the connection if a timeout
// expired, and otherwise re-arms the timer for the nearest deadline.
func (w *watch) check() {
	w.mu.Lock()
	if w.ended {
		w.mu.Unlock()
		return
	}
	next, err := w.expired(now())
	if err == nil && next >= 0 {
		w.timer.Reset(next)
	}
	w.mu.Unlock()
	if err != nil {
		w.c.Fail(err) // its views report err from now on
	}
}

// expired returns how long until the nearest deadline after t (negative:
// none), or the error of the timeout expired at t.
func (w *watch) expired(t time.Duration) (time.Duration, error) {
	next := time.Duration(-1)
	if w.handshake > 0 && !w.first.Load() {
		left := w.handshake - (t - w.start)
		if left <= 0 {
			return 0, fmt.Errorf("limits: no byte from %v within %v: %w", w.c.RemoteAddr(), w.handshake, ErrHandshakeTimeout)
		}
		next = left
	}
	if w.idle > 0 {
		left := w.idle - (t - time.Duration(w.last.Load()))
		if left <= 0 {
			return 0, fmt.Errorf("limits: %v idle for %v: %w", w.c.RemoteAddr(), w.idle, ErrIdleTimeout)
		}
		if next < 0 || left < next {
			next = left
		}
	}
	return next, nil
}

// end stops the timer and frees the slot once the connection ended.
func (w *watch) end(error) {
	w.mu.Lock()
	w.ended = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	w.slots.release()
}
