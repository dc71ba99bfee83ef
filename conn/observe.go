package conn

import (
	"context"
	"iter"
	"net"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// Observer is the hooks through which Observe tells a layer about the
// bytes that flow through a connection and about its end: logging, byte
// counts, idle timeouts. Each hook is optional (a nil hook is not called),
// as in net/http/httptrace.ClientTrace.
//
// Hooks run on the goroutine of the call they observe: Read on the
// reading goroutine, Write on the writing one, Progress on either, Closed
// and Aborted on the one that ends the connection. Hooks of different
// goroutines may therefore run at the same time. They should be quick,
// and must not call the connection's views.
type Observer struct {
	// Read is told about the bytes read: on the Stream view, those each
	// Read returns, with the error it reports; on the Pipe view, those each
	// AdvanceTo or Consume of the Input consumes (bytes examined but left
	// unconsumed are told when they are consumed), before the reader below
	// releases them, with a nil error. A read of nothing without an error
	// is not told.
	Read func(b Chunk, err error)

	// Write is told about the bytes written: on the Stream view, those each
	// Write wrote, with the error it reports; on the Pipe view, those each
	// Advance of the Output commits, in the memory from Buffer, before the
	// writer below takes them, and those each Write copies in, with its
	// error. A write of nothing without an error is not told.
	Write func(b Chunk, err error)

	// Progress is told whenever a view moves data, in telling whether bytes
	// came in: on the Stream view, each Read or Write that moved bytes; on
	// the Pipe view, each Read, ReadAtLeast and TryRead that returned a
	// result neither canceled nor failed (in if it holds bytes), each
	// Advance and Write, and each Flush neither canceled nor failed. It is
	// what an idle timeout watches.
	Progress func(in bool)

	// Closed is told once, when the connection was closed by Close (or by
	// the Close of its Stream view), after the connection below was; err
	// is what that Close returned.
	Closed func(err error)

	// Aborted is told once, when the connection was aborted by Abort or
	// Fail, after the connection below was; err is the reason.
	Aborted func(err error)

	// PassThrough gives out the Stream view below itself, like the Pipe
	// view, when no hook watches bytes (Read, Write and Progress are nil):
	// nothing is added to the data path, but closing that Stream view then
	// closes only the stream below, and Closed is not told.
	PassThrough bool
}

// watchesBytes reports whether a view must be wrapped for o's hooks.
func (o *Observer) watchesBytes() bool {
	return o.Read != nil || o.Write != nil || o.Progress != nil
}

// Observe returns c with o watching it. Its views are c's own, wrapped so
// that o's hooks see the bytes that flow through them, in place, copying
// nothing. Its Properties and addresses are c's, and so are the rules of
// its views: the first asked for wins (the other fails with ErrViewTaken,
// from c), the same one asked again is the same object, and both fail with
// net.ErrClosed once the connection ended. Close and Abort end c, once,
// and tell o; closing the Stream view closes the connection.
//
// A view is wrapped only when it has to be: both views when a hook watches
// bytes (Read, Write or Progress is set); otherwise only the Stream view,
// so that its Close closes the connection, and not even that with
// o.PassThrough. An unwrapped view is c's own, the very same object.
//
// The wrapped Stream view keeps CloseWrite when c's stream has it, but no
// other optional method (io.ReaderFrom, say), which would bypass the hooks.
// The wrapped Pipe view forwards the memory of c's Input and Output.
//
// To add properties, embed the result in a type with its own Properties
// method.
func Observe(c Connection, o Observer) *Observed {
	return &Observed{lower: c, o: o}
}

// Observed is a Connection that Observe returns: the connection below,
// watched. Besides Connection, it offers Fail.
type Observed struct {
	lower Connection
	o     Observer

	failure atomic.Pointer[error] // set by Fail, before the abort

	mu     sync.Mutex
	ended  bool
	stream net.Conn    // the Stream view once taken
	pipe   duplex.Pipe // the Pipe view once taken
}

// Stream returns the Stream view: the one below, wrapped as Observe says.
func (c *Observed) Stream() (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, c.endedErr()
	}
	if c.stream == nil {
		s, err := c.lower.Stream()
		if err != nil {
			return nil, err
		}
		if c.o.watchesBytes() || !c.o.PassThrough {
			s = newStream(s, c)
		}
		c.stream = s
	}
	return c.stream, nil
}

// Pipe returns the Pipe view: the one below, wrapped as Observe says.
func (c *Observed) Pipe() (duplex.Pipe, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, c.endedErr()
	}
	if c.pipe == nil {
		p, err := c.lower.Pipe()
		if err != nil {
			return nil, err
		}
		if c.o.watchesBytes() {
			p = &observedPipe{in: observedReader{Reader: p.Input(), c: c}, out: observedWriter{Writer: p.Output(), c: c}}
		}
		c.pipe = p
	}
	return c.pipe, nil
}

// endedErr is what Stream and Pipe return once c ended.
func (c *Observed) endedErr() error {
	if f := c.failure.Load(); f != nil {
		return *f
	}
	return net.ErrClosed
}

// Properties returns the properties of the connection below.
func (c *Observed) Properties() Properties { return c.lower.Properties() }

// LocalAddr returns the local address of the connection below.
func (c *Observed) LocalAddr() net.Addr { return c.lower.LocalAddr() }

// RemoteAddr returns the remote address of the connection below.
func (c *Observed) RemoteAddr() net.Addr { return c.lower.RemoteAddr() }

// end marks c ended, with failure as the error its views report if not
// nil, and reports whether it was the first to.
func (c *Observed) end(failure error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false
	}
	c.ended = true
	if failure != nil {
		f := failure // escapes only here
		c.failure.Store(&f)
	}
	return true
}

// Close closes the connection below and tells Closed. Later calls return
// net.ErrClosed.
func (c *Observed) Close() error {
	if !c.end(nil) {
		return net.ErrClosed
	}
	err := c.lower.Close()
	if c.o.Closed != nil {
		c.o.Closed(err)
	}
	return err
}

// Abort aborts the connection below with err and tells Aborted, unless
// the connection already ended.
func (c *Observed) Abort(err error) { c.abort(err, nil) }

// Fail aborts the connection with err, as Abort does, and has its views
// report err from then on, in place of the errors of the views below and
// of the cancellations that the abort causes; Stream and Pipe return it
// too. It is what a layer does when it ends a connection itself, on a
// timeout say, so that the code using the connection learns why. A view
// given out unwrapped (see Observe) reports what the view below reports.
//
// Fail reports whether it ended the connection: false if the connection
// had already ended, and then changes nothing. A nil err is Abort(nil).
func (c *Observed) Fail(err error) bool { return c.abort(err, err) }

func (c *Observed) abort(err, failure error) bool {
	if !c.end(failure) {
		return false
	}
	c.lower.Abort(err)
	if c.o.Aborted != nil {
		c.o.Aborted(err)
	}
	return true
}

// reported returns the error the views report for err, an error of the
// view below: the failure, if Fail set one.
func (c *Observed) reported(err error) error {
	if err != nil {
		if f := c.failure.Load(); f != nil {
			return *f
		}
	}
	return err
}

func (c *Observed) progress(in bool) {
	if c.o.Progress != nil {
		c.o.Progress(in)
	}
}

// tell passes the n bytes of b that a call moved, and its error, to hook.
func tell(hook func(Chunk, error), b []byte, n int, err error) {
	if hook != nil && (n > 0 || err != nil) {
		b = b[:max(0, min(n, len(b)))]
		hook(Chunk{b: b, n: len(b)}, err)
	}
}

// Chunk is the bytes of one read or write told to an Observer, in place:
// in the caller's slice, or in the memory of a pipe, where they may span
// several segments. It is valid only while the hook runs: copy what you
// keep. The zero Chunk is empty.
type Chunk struct {
	b   []byte        // the bytes, when in a slice
	seq pipe.Sequence // otherwise the buffer holding them, from off
	off int64
	n   int
}

// Len returns the number of bytes in c.
func (c Chunk) Len() int { return c.n }

// Slice returns the bytes of c from offset i up to offset j. It panics
// unless 0 <= i <= j <= c.Len().
func (c Chunk) Slice(i, j int) Chunk {
	if i < 0 || j < i || j > c.n {
		panic("conn: Chunk.Slice: bounds out of range")
	}
	if c.b != nil {
		return Chunk{b: c.b[i:j], n: j - i}
	}
	return Chunk{seq: c.seq, off: c.off + int64(i), n: j - i}
}

// All returns an iterator over the contiguous runs of bytes of c, in
// order, without copying them. The slices must not be modified.
func (c Chunk) All() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		switch {
		case c.n == 0:
		case c.b != nil:
			yield(c.b)
		default:
			for b := range c.sequence().All() {
				if !yield(b) {
					return
				}
			}
		}
	}
}

// AppendTo appends the bytes of c to dst and returns the extended slice.
func (c Chunk) AppendTo(dst []byte) []byte {
	if c.b != nil || c.n == 0 {
		return append(dst, c.b...)
	}
	dst = slices.Grow(dst, c.n)
	n := len(dst)
	c.sequence().CopyTo(dst[n : n+c.n])
	return dst[:n+c.n]
}

func (c Chunk) sequence() pipe.Sequence { return c.seq.Slice(c.off, c.off+int64(c.n)) }

// observedStream is the wrapped Stream view.
type observedStream struct {
	net.Conn
	c *Observed
}

// streamCW is an observedStream whose stream below can half-close.
type streamCW struct{ *observedStream }

type closeWriter interface{ CloseWrite() error }

func newStream(s net.Conn, c *Observed) net.Conn {
	st := &observedStream{Conn: s, c: c}
	if _, ok := s.(closeWriter); ok {
		return streamCW{st}
	}
	return st
}

func (s *observedStream) Read(b []byte) (int, error) {
	n, err := s.Conn.Read(b)
	err = s.c.reported(err)
	if n > 0 {
		s.c.progress(true)
	}
	tell(s.c.o.Read, b, n, err)
	return n, err
}

func (s *observedStream) Write(b []byte) (int, error) {
	n, err := s.Conn.Write(b)
	err = s.c.reported(err)
	if n > 0 {
		s.c.progress(false)
	}
	tell(s.c.o.Write, b, n, err)
	return n, err
}

// Close closes the connection.
func (s *observedStream) Close() error { return s.c.Close() }

// CloseWrite half-closes the stream below.
func (s streamCW) CloseWrite() error { return s.c.reported(s.Conn.(closeWriter).CloseWrite()) }

// observedPipe is the wrapped Pipe view.
type observedPipe struct {
	in  observedReader
	out observedWriter
}

func (p *observedPipe) Input() pipe.Reader   { return &p.in }
func (p *observedPipe) Output() pipe.Writer  { return &p.out }
func (p *observedPipe) LocalAddr() net.Addr  { return p.in.c.LocalAddr() }
func (p *observedPipe) RemoteAddr() net.Addr { return p.in.c.RemoteAddr() }

// observedReader is the wrapped Input. It keeps the last buffer read to tell what
// AdvanceTo and Consume consume; only the reading goroutine touches its
// fields.
type observedReader struct {
	pipe.Reader
	c    *Observed
	buf  pipe.Sequence // the last buffer read
	told int64         // bytes of buf already told
}

func (r *observedReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	return r.result(r.Reader.Read(ctx))
}

func (r *observedReader) ReadAtLeast(ctx context.Context, n int) (pipe.ReadResult, error) {
	return r.result(r.Reader.ReadAtLeast(ctx, n))
}

func (r *observedReader) TryRead() (pipe.ReadResult, bool, error) {
	res, ok, err := r.Reader.TryRead()
	if !ok {
		return res, false, r.c.reported(err)
	}
	res, err = r.result(res, err)
	return res, true, err
}

// result notes the buffer a read returned and tells its progress; a read
// canceled by Fail's abort fails with the failure instead.
func (r *observedReader) result(res pipe.ReadResult, err error) (pipe.ReadResult, error) {
	r.buf, r.told = res.Buffer, 0
	switch {
	case err != nil:
		return res, r.c.reported(err)
	case res.Canceled:
		if f := r.c.failure.Load(); f != nil {
			r.Reader.Consume(res.Buffer.Start()) // hand the buffer back: the caller gets none
			r.buf = pipe.Sequence{}
			return pipe.ReadResult{}, *f
		}
	default:
		r.c.progress(!res.Buffer.IsEmpty())
	}
	return res, nil
}

func (r *observedReader) AdvanceTo(consumed, examined pipe.Position) {
	r.consume(consumed) // while the memory is valid
	r.Reader.AdvanceTo(consumed, examined)
}

func (r *observedReader) Consume(consumed pipe.Position) {
	r.consume(consumed)
	r.Reader.Consume(consumed)
}

// consume tells the bytes of the last buffer up to consumed not yet told.
func (r *observedReader) consume(consumed pipe.Position) {
	if r.c.o.Read == nil {
		return
	}
	off := r.buf.Offset(consumed)
	if n := off - r.told; n > 0 {
		r.c.o.Read(Chunk{seq: r.buf, off: r.told, n: int(n)}, nil)
		r.told = off
	}
}

// observedWriter is the wrapped Output. It keeps the memory of the last Buffer to
// tell what Advance commits; only the writing goroutine touches it.
type observedWriter struct {
	pipe.Writer
	c    *Observed
	last []byte
}

func (w *observedWriter) Buffer(sizeHint int) []byte {
	w.last = w.Writer.Buffer(sizeHint)
	return w.last
}

func (w *observedWriter) Advance(n int) {
	if n <= len(w.last) {
		tell(w.c.o.Write, w.last, n, nil)
	}
	w.last = nil
	w.Writer.Advance(n)
	w.c.progress(false)
}

func (w *observedWriter) Write(b []byte) (int, error) {
	w.last = nil
	n, err := w.Writer.Write(b)
	err = w.c.reported(err)
	w.c.progress(false)
	tell(w.c.o.Write, b, n, err)
	return n, err
}

// Flush flushes the writer below; a flush canceled by Fail's abort fails
// with the failure.
func (w *observedWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	w.last = nil
	res, err := w.Writer.Flush(ctx)
	switch {
	case err != nil:
		return res, w.c.reported(err)
	case res.Canceled:
		if f := w.c.failure.Load(); f != nil {
			return pipe.FlushResult{}, *f
		}
	default:
		w.c.progress(false)
	}
	return res, nil
}

func (w *observedWriter) Complete(err error) {
	w.last = nil
	w.Writer.Complete(err)
}
