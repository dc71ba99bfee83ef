//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// npConn is one netpoll connection: its Pipe view (npConn is the Input,
// output the Output) and the callbacks netpoll calls.
type npConn struct {
	nc            netpoll.Connection
	local, remote net.Addr
	fd            int // the socket, used only while !closed, under mu
	out           output

	fdMu       sync.Mutex    // held while writing to fd directly
	peerDone   chan struct{} // closed when netpoll closed nc (set with closed)
	lingerFor  time.Duration // how long close waits for the peer's end
	userClosed atomic.Bool   // we closed (or aborted) nc ourselves
	takeMu     sync.Mutex    // serializes take
	closeOnce  sync.Once

	mu         sync.Mutex
	chain      pipe.Chain    // the bytes sliced from netpoll, not consumed
	wake       chan struct{} // a waiting Read's wake-up, capacity 1
	closed     bool          // nc is closed: no more bytes will come
	endErr     error         // why the stream ended abnormally (a reset)
	abortErr   error         // Abort's error: reads and flushes fail with it
	canceled   bool          // CancelPendingRead for this or the next Read
	reading    bool          // a Read's buffer was not handed back yet
	waiting    bool          // a Read is waiting
	readerDone bool          // Input().Complete was called

	// held are the slices taken from netpoll whose memory the chain
	// still borrows, oldest first; the chain releases them in that order
	// through release, bound once so that a take allocates no closure.
	// Input notifications (conn.InputNotifier), under mu.
	notify      func(ended bool)
	notifying   bool // a call of notify is running
	notifyAgain bool // input arrived or ended during that call
	notifyEnded bool // the call with ended true was made

	held     []*netpoll.LinkBuffer // held[heldHead:] are held
	heldHead int
	release  func()
	scratch  [8][]byte // take's scratch for a slice's nodes
}

// takeHook, set by tests only, sees the memory netpoll hands over.
var takeHook atomic.Pointer[func(bs [][]byte)]

func newConn(nc netpoll.Connection, local, remote net.Addr, lingerFor time.Duration) *npConn {
	s := &npConn{nc: nc, local: local, remote: remote, wake: make(chan struct{}, 1), peerDone: make(chan struct{}), lingerFor: lingerFor, fd: -1}
	s.release = s.releaseOldest
	if f, ok := nc.(interface{ Fd() int }); ok {
		s.fd = f.Fd()
	}
	s.out.init(s)
	nc.AddCloseCallback(s.onClose)
	return s
}

// connection wraps s in a conn.Connection.
func (s *npConn) connection() conn.Connection {
	return conn.New(conn.Base{
		Pipe:       s,
		LocalAddr:  s.local,
		RemoteAddr: s.remote,
		Properties: conn.With(conn.Properties{}, s.nc),
		Abort:      s.abort,
		Release:    s.close,
	})
}

// Input and Output make npConn the duplex.Pipe.
func (s *npConn) Input() pipe.Reader   { return s }
func (s *npConn) Output() pipe.Writer  { return &s.out }
func (s *npConn) LocalAddr() net.Addr  { return s.local }
func (s *npConn) RemoteAddr() net.Addr { return s.remote }

var _ duplex.Pipe = (*npConn)(nil)

// onRequest is netpoll's OnRequest: bytes arrived. netpoll calls it on one
// goroutine at a time and again while bytes remain.
func (s *npConn) onRequest(context.Context, netpoll.Connection) error {
	s.take()
	s.dispatch()
	return nil
}

var _ conn.InputNotifier = (*npConn)(nil)

// NotifyInput implements conn.InputNotifier: f runs on netpoll's
// OnRequest goroutine, right after the bytes that arrived were linked into
// the input, so an InputHandler's reply goes out without waking another
// goroutine; the call after the end runs on a goroutine of its own.
func (s *npConn) NotifyInput(f func(ended bool)) {
	s.mu.Lock()
	if s.notify != nil {
		s.mu.Unlock()
		panic("netpoll: NotifyInput called twice")
	}
	s.notify = f
	pending := s.closed || s.chain.Unexamined() > 0
	s.mu.Unlock()
	if pending {
		go s.dispatch()
	}
}

// dispatch calls notify, unless a call is running (which then calls it
// again when it returns): calls never overlap, and input that arrives
// during one is seen by the next.
func (s *npConn) dispatch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notify == nil || s.notifyEnded {
		return
	}
	if s.notifying {
		s.notifyAgain = true
		return
	}
	s.notifying = true
	for {
		s.notifyAgain = false
		ended := s.closed
		s.notifyEnded = ended
		s.mu.Unlock()
		s.notify(ended)
		s.mu.Lock()
		if ended || !s.notifyAgain {
			break
		}
	}
	s.notifying = false
}

// take slices every byte in netpoll's input buffer and links its memory
// into the chain, without copying.
func (s *npConn) take() {
	s.takeMu.Lock() // netpoll's reader is not safe for concurrent use
	defer s.takeMu.Unlock()
	r := s.nc.Reader()
	n := r.Len()
	if n <= 0 {
		return
	}
	sl, err := r.Slice(n)
	if err != nil {
		return // closed meanwhile
	}
	// Let netpoll release the nodes behind its read position (the slice
	// holds its own references): without it netpoll's node list keeps
	// growing and every read lands in newly allocated memory.
	r.Release()
	lb, ok := sl.(*netpoll.LinkBuffer)
	if !ok { // not what netpoll v0.7 returns; keep the bytes anyway
		b, _ := sl.Next(n)
		lb = netpoll.NewLinkBuffer(0)
		lb.WriteBinary(b)
		lb.Flush()
		sl.Release()
	}
	bs := s.nodes(lb, n)
	if h := takeHook.Load(); h != nil {
		(*h)(bs)
	}
	s.mu.Lock()
	if s.readerDone {
		s.mu.Unlock()
		lb.Close()
		return
	}
	s.held = append(s.held, lb)
	for i, b := range bs {
		var release func()
		if i == len(bs)-1 {
			release = s.release
		}
		s.chain.Append(b, release)
	}
	wakeUp(s.wake)
	s.mu.Unlock()
}

// releaseOldest gives the oldest slice taken back to netpoll: the chain
// calls it, under mu, when the reader advanced past the slice's last byte
// or released everything.
func (s *npConn) releaseOldest() {
	lb := s.held[s.heldHead]
	s.held[s.heldHead] = nil
	s.heldHead++
	switch {
	case s.heldHead == len(s.held):
		s.held, s.heldHead = s.held[:0], 0
	case s.heldHead > len(s.held)/2: // keep the queue from creeping
		n := copy(s.held, s.held[s.heldHead:])
		clear(s.held[n:])
		s.held, s.heldHead = s.held[:n], 0
	}
	lb.Close()
}

// nodes returns the memory of lb's nodes, holding n bytes, in the
// scratch when it fits. GetBytes must be given exactly as many entries as
// lb has non-empty nodes (more makes it dereference the nil end of a
// slice, fewer truncates), which it does not tell: ask for one more while
// the bytes returned fall short of n. A slice has one or two nodes
// nearly always.
func (s *npConn) nodes(lb *netpoll.LinkBuffer, n int) [][]byte {
	for k := 1; k <= len(s.scratch); k++ {
		if bs := lb.GetBytes(s.scratch[:k]); sumLen(bs) == n {
			return bs
		}
	}
	return lb.GetBytes(nil)
}

func sumLen(bs [][]byte) (n int) {
	for _, b := range bs {
		n += len(b)
	}
	return n
}

// onClose is netpoll's close callback: it runs before netpoll closes the
// socket and frees its buffers.
func (s *npConn) onClose(netpoll.Connection) error {
	var end error
	if !s.userClosed.Load() {
		s.take() // the bytes before the peer's close
	}
	s.mu.Lock()
	if !s.userClosed.Load() && s.fd >= 0 {
		end = resetError(s.fd)
	}
	if !s.closed {
		close(s.peerDone)
	}
	s.closed = true
	if s.endErr == nil {
		s.endErr = end
	}
	wakeUp(s.wake)
	notify := s.notify != nil
	s.mu.Unlock()
	// A direct write in progress finishes before netpoll closes fd; later
	// ones see closed.
	s.fdMu.Lock()
	s.fdMu.Unlock()
	if notify {
		go s.dispatch() // not on netpoll's poller, which may run onClose
	}
	return nil
}

// close closes nc once, as the connection's Release.
func (s *npConn) close() {
	s.closeOnce.Do(func() {
		s.linger()
		s.userClosed.Store(true)
		closeQuietly(s.nc)
	})
}

// linger waits, at most s.lingerFor, for the peer to close its side,
// discarding what it still sends, unless the connection was aborted or
// is closed already. Closing a socket with unread input makes the kernel
// send a reset, and a reset makes the peer's kernel drop what it received
// and its application did not read yet: the last bytes written before
// Close would be lost. (net/http lingers for the same reason.)
func (s *npConn) linger() {
	s.mu.Lock()
	skip := s.abortErr != nil || s.closed || s.lingerFor <= 0
	if !skip && !s.readerDone {
		s.readerDone, s.reading = true, false // discard input from now on
		s.chain.Release()
		wakeUp(s.wake)
	}
	s.mu.Unlock()
	if skip {
		return
	}
	if err := s.shutdownWrite(); err != nil {
		return
	}
	t := time.NewTimer(s.lingerFor)
	defer t.Stop()
	select {
	case <-s.peerDone:
	case <-t.C:
	}
}

// abort tears the connection down at once: a reset for TCP.
func (s *npConn) abort(err error) {
	if err == nil {
		err = pipe.ErrAborted
	}
	s.mu.Lock()
	if s.abortErr == nil {
		s.abortErr = err
	}
	if !s.closed && s.fd >= 0 {
		syscall.SetsockoptLinger(s.fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	}
	wakeUp(s.wake)
	s.mu.Unlock()
	s.out.abort(err)
	s.close()
}

// closeQuietly closes nc, keeping netpoll's panics on racing closes
// (netpoll issues #140, #143, #416) from reaching the caller.
func closeQuietly(nc netpoll.Connection) {
	defer func() { recover() }()
	nc.Close()
}

// shutdownWrite half-closes the sending side, if nc is still open.
func (s *npConn) shutdownWrite() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.fd < 0 {
		return nil
	}
	if err := syscall.Shutdown(s.fd, syscall.SHUT_WR); err != nil && !errors.Is(err, syscall.ENOTCONN) {
		return fmt.Errorf("netpoll: shutdown: %w", err)
	}
	return nil
}

func wakeUp(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Read implements pipe.Reader.
func (s *npConn) Read(ctx context.Context) (pipe.ReadResult, error) {
	return s.read(ctx, 0)
}

// ReadAtLeast implements pipe.Reader.
func (s *npConn) ReadAtLeast(ctx context.Context, n int) (pipe.ReadResult, error) {
	if n < 0 {
		panic("netpoll: ReadAtLeast with a negative count")
	}
	return s.read(ctx, int64(n))
}

func (s *npConn) read(ctx context.Context, need int64) (pipe.ReadResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readStateErrLocked(); err != nil {
		return pipe.ReadResult{}, err
	}
	for !s.readyLocked(need) {
		if err := ctx.Err(); err != nil {
			return pipe.ReadResult{}, err
		}
		s.waiting = true
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
		}
		s.mu.Lock()
		s.waiting = false
		if err := s.readStateErrLocked(); err != nil {
			return pipe.ReadResult{}, err
		}
	}
	return s.resultLocked()
}

func (s *npConn) readStateErrLocked() error {
	switch {
	case s.abortErr != nil:
		return s.abortErr
	case s.readerDone:
		return pipe.ErrReaderCompleted
	case s.reading || s.waiting:
		return pipe.ErrReadInProgress
	}
	return nil
}

func (s *npConn) readyLocked(need int64) bool {
	if s.canceled || s.closed {
		return true
	}
	if need > 0 {
		return s.chain.Len() >= need
	}
	return s.chain.Unexamined() > 0
}

func (s *npConn) resultLocked() (pipe.ReadResult, error) {
	res := pipe.ReadResult{Completed: s.closed}
	if s.canceled {
		s.canceled, res.Canceled = false, true
	} else if s.closed && s.endErr != nil && s.chain.Unexamined() == 0 {
		return res, s.endErr
	}
	res.Buffer = s.chain.Sequence()
	s.reading = true
	return res, nil
}

// TryRead implements pipe.Reader.
func (s *npConn) TryRead() (pipe.ReadResult, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.readStateErrLocked(); err != nil {
		return pipe.ReadResult{}, false, err
	}
	if !s.readyLocked(0) {
		return pipe.ReadResult{}, false, nil
	}
	res, err := s.resultLocked()
	return res, true, err
}

// AdvanceTo implements pipe.Reader.
func (s *npConn) AdvanceTo(consumed, examined pipe.Position) {
	s.advance(consumed, examined, true)
}

// Consume implements pipe.Reader.
func (s *npConn) Consume(consumed pipe.Position) {
	s.advance(consumed, consumed, false)
}

func (s *npConn) advance(consumed, examined pipe.Position, strict bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.reading {
		panic("netpoll: AdvanceTo without a buffer from Read: it must follow each successful Read exactly once")
	}
	s.reading = false
	if strict {
		s.chain.AdvanceTo(consumed, examined)
	} else {
		s.chain.Consume(consumed)
	}
}

// CancelPendingRead implements pipe.Reader.
func (s *npConn) CancelPendingRead() {
	s.mu.Lock()
	s.canceled = true
	wakeUp(s.wake)
	s.mu.Unlock()
}

// Complete implements pipe.Reader: the buffered memory goes back to
// netpoll and bytes arriving later are dropped. The connection stays open
// until it is closed.
func (s *npConn) Complete(error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readerDone {
		return
	}
	s.readerDone, s.reading = true, false
	s.chain.Release()
	wakeUp(s.wake)
}
