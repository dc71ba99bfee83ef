package logging

import (
	"context"
	"encoding/hex"
	"log/slog"
	"net"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// tracing reports whether trace records would be logged.
func (c *connection) tracing() bool {
	return c.log.get().Enabled(context.Background(), slog.LevelDebug)
}

// trace logs one read or write of n bytes, data holding (at least) the
// first of them.
func (c *connection) trace(msg string, n int, data []byte, err error) {
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("side", c.side.String()), slog.Any("remote", c.RemoteAddr()), slog.Int("n", n))
	if max := c.log.opts.TraceBytes; max > 0 && n > 0 {
		attrs = append(attrs, slog.String("data", hex.EncodeToString(data[:min(len(data), n, max)])))
	}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	c.log.get().LogAttrs(context.Background(), slog.LevelDebug, msg, attrs...)
}

// stream is the traced Stream view.
type stream struct {
	net.Conn
	c *connection
}

// streamCW is a stream whose stream below can half-close.
type streamCW struct{ *stream }

type closeWriter interface{ CloseWrite() error }

func newStream(s net.Conn, c *connection) net.Conn {
	st := &stream{Conn: s, c: c}
	if _, ok := s.(closeWriter); ok {
		return streamCW{st}
	}
	return st
}

func (s *stream) Read(b []byte) (int, error) {
	n, err := s.Conn.Read(b)
	s.c.read.Add(int64(n))
	if (n > 0 || err != nil) && s.c.tracing() {
		s.c.trace("read", n, b, err)
	}
	return n, err
}

func (s *stream) Write(b []byte) (int, error) {
	n, err := s.Conn.Write(b)
	s.c.written.Add(int64(n))
	if (n > 0 || err != nil) && s.c.tracing() {
		s.c.trace("write", n, b, err)
	}
	return n, err
}

// Close closes the connection.
func (s *stream) Close() error { return s.c.Close() }

// CloseWrite half-closes the stream below.
func (s streamCW) CloseWrite() error { return s.Conn.(closeWriter).CloseWrite() }

// tracedPipe is the traced Pipe view.
type tracedPipe struct {
	in  tracedReader
	out tracedWriter
}

func newPipe(p duplex.Pipe, c *connection) *tracedPipe {
	return &tracedPipe{
		in:  tracedReader{Reader: p.Input(), c: c},
		out: tracedWriter{Writer: p.Output(), c: c},
	}
}

func (p *tracedPipe) Input() pipe.Reader   { return &p.in }
func (p *tracedPipe) Output() pipe.Writer  { return &p.out }
func (p *tracedPipe) LocalAddr() net.Addr  { return p.in.c.LocalAddr() }
func (p *tracedPipe) RemoteAddr() net.Addr { return p.in.c.RemoteAddr() }

// tracedReader logs the bytes consumed from the reader below. It keeps
// the last buffer read to see what AdvanceTo consumes; only the reading
// goroutine touches its fields.
type tracedReader struct {
	pipe.Reader
	c       *connection
	buf     pipe.Sequence // the last buffer read
	counted int64         // bytes of buf already logged
}

func (r *tracedReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	res, err := r.Reader.Read(ctx)
	r.buf, r.counted = res.Buffer, 0
	return res, err
}

func (r *tracedReader) ReadAtLeast(ctx context.Context, n int) (pipe.ReadResult, error) {
	res, err := r.Reader.ReadAtLeast(ctx, n)
	r.buf, r.counted = res.Buffer, 0
	return res, err
}

func (r *tracedReader) TryRead() (pipe.ReadResult, bool, error) {
	res, ok, err := r.Reader.TryRead()
	if ok {
		r.buf, r.counted = res.Buffer, 0
	}
	return res, ok, err
}

func (r *tracedReader) AdvanceTo(consumed, examined pipe.Position) {
	r.consume(consumed) // while the memory is valid
	r.Reader.AdvanceTo(consumed, examined)
}

func (r *tracedReader) Consume(consumed pipe.Position) {
	r.consume(consumed)
	r.Reader.Consume(consumed)
}

func (r *tracedReader) consume(consumed pipe.Position) {
	off := r.buf.Offset(consumed)
	n := off - r.counted
	if n <= 0 {
		return
	}
	r.c.read.Add(n)
	if r.c.tracing() {
		var data []byte
		if max := int64(r.c.log.opts.TraceBytes); max > 0 {
			data = r.buf.Slice(r.counted, r.counted+min(n, max)).Bytes()
		}
		r.c.trace("read", int(n), data, nil)
	}
	r.counted = off
}

// tracedWriter logs the bytes committed to the writer below.
type tracedWriter struct {
	pipe.Writer
	c    *connection
	last []byte // the memory of the last Buffer
}

func (w *tracedWriter) Buffer(sizeHint int) []byte {
	w.last = w.Writer.Buffer(sizeHint)
	return w.last
}

func (w *tracedWriter) Advance(n int) {
	if n > 0 && n <= len(w.last) {
		w.c.written.Add(int64(n))
		if w.c.tracing() {
			w.c.trace("write", n, w.last, nil)
		}
	}
	w.last = nil
	w.Writer.Advance(n)
}

func (w *tracedWriter) Write(b []byte) (int, error) {
	w.last = nil
	n, err := w.Writer.Write(b)
	w.c.written.Add(int64(n))
	if (n > 0 || err != nil) && w.c.tracing() {
		w.c.trace("write", n, b, err)
	}
	return n, err
}

func (w *tracedWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	w.last = nil
	return w.Writer.Flush(ctx)
}
