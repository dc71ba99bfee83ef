package metrics

import (
	"context"
	"net"

	"github.com/f2bac256/bedrock/pipe"
)

// stream is the Stream view: the stream below, counted.
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
	s.c.stats.addRead(int64(n))
	return n, err
}

func (s *stream) Write(b []byte) (int, error) {
	n, err := s.Conn.Write(b)
	s.c.stats.addWritten(int64(n))
	return n, err
}

// Close closes the connection.
func (s *stream) Close() error { return s.c.Close() }

// CloseWrite half-closes the stream below.
func (s streamCW) CloseWrite() error { return s.Conn.(closeWriter).CloseWrite() }

// countingPipe is the Pipe view: the pipe below, counted in place.
type countingPipe struct {
	in  countingReader
	out countingWriter
	c   *connection
}

func (p *countingPipe) Input() pipe.Reader   { return &p.in }
func (p *countingPipe) Output() pipe.Writer  { return &p.out }
func (p *countingPipe) LocalAddr() net.Addr  { return p.c.LocalAddr() }
func (p *countingPipe) RemoteAddr() net.Addr { return p.c.RemoteAddr() }

// countingReader counts the bytes consumed from the reader below. It keeps
// the last buffer read to measure how far AdvanceTo moves into it; only
// the reading goroutine touches its fields.
type countingReader struct {
	pipe.Reader
	stats   *ConnStats
	buf     pipe.Sequence // the last buffer read
	counted int64         // bytes of buf already counted
}

func (r *countingReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	res, err := r.Reader.Read(ctx)
	r.buf, r.counted = res.Buffer, 0
	return res, err
}

func (r *countingReader) ReadAtLeast(ctx context.Context, n int) (pipe.ReadResult, error) {
	res, err := r.Reader.ReadAtLeast(ctx, n)
	r.buf, r.counted = res.Buffer, 0
	return res, err
}

func (r *countingReader) TryRead() (pipe.ReadResult, bool, error) {
	res, ok, err := r.Reader.TryRead()
	if ok {
		r.buf, r.counted = res.Buffer, 0
	}
	return res, ok, err
}

func (r *countingReader) AdvanceTo(consumed, examined pipe.Position) {
	r.Reader.AdvanceTo(consumed, examined)
	r.count(consumed)
}

func (r *countingReader) Consume(consumed pipe.Position) {
	r.Reader.Consume(consumed)
	r.count(consumed)
}

// count adds the bytes of the last buffer up to consumed not yet counted.
// It only compares positions: the memory behind them may be gone.
func (r *countingReader) count(consumed pipe.Position) {
	if off := r.buf.Offset(consumed); off > r.counted {
		r.stats.addRead(off - r.counted)
		r.counted = off
	}
}

// countingWriter counts the bytes committed to the writer below.
type countingWriter struct {
	pipe.Writer
	stats *ConnStats
}

func (w *countingWriter) Advance(n int) {
	w.Writer.Advance(n)
	w.stats.addWritten(int64(n))
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.Writer.Write(b)
	w.stats.addWritten(int64(n))
	return n, err
}
