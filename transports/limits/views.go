package limits

import (
	"context"
	"net"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
)

// stream is the Stream view: the stream below, watched.
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
	if n > 0 {
		s.c.progress(true)
	}
	return n, s.c.why(err)
}

func (s *stream) Write(b []byte) (int, error) {
	n, err := s.Conn.Write(b)
	if n > 0 {
		s.c.progress(false)
	}
	return n, s.c.why(err)
}

// Close closes the connection, which frees its slot.
func (s *stream) Close() error { return s.c.Close() }

// CloseWrite half-closes the stream below.
func (s streamCW) CloseWrite() error { return s.c.why(s.Conn.(closeWriter).CloseWrite()) }

// watchedPipe is the Pipe view with timeouts: the pipe below, watched.
type watchedPipe struct {
	in  watchedReader
	out watchedWriter
}

func newPipe(p duplex.Pipe, c *connection) *watchedPipe {
	return &watchedPipe{
		in:  watchedReader{Reader: p.Input(), c: c},
		out: watchedWriter{Writer: p.Output(), c: c},
	}
}

func (p *watchedPipe) Input() pipe.Reader   { return &p.in }
func (p *watchedPipe) Output() pipe.Writer  { return &p.out }
func (p *watchedPipe) LocalAddr() net.Addr  { return p.in.c.LocalAddr() }
func (p *watchedPipe) RemoteAddr() net.Addr { return p.in.c.RemoteAddr() }

// watchedReader records the reads of the reader below.
type watchedReader struct {
	pipe.Reader
	c *connection
}

func (r *watchedReader) Read(ctx context.Context) (pipe.ReadResult, error) {
	return r.after(r.Reader.Read(ctx))
}

func (r *watchedReader) ReadAtLeast(ctx context.Context, n int) (pipe.ReadResult, error) {
	return r.after(r.Reader.ReadAtLeast(ctx, n))
}

func (r *watchedReader) TryRead() (pipe.ReadResult, bool, error) {
	res, ok, err := r.Reader.TryRead()
	if !ok {
		return res, ok, r.c.why(err)
	}
	res, err = r.after(res, err)
	return res, ok, err
}

// after records a read's progress, and turns the cancellation or failure
// that a timeout caused into the timeout's error.
func (r *watchedReader) after(res pipe.ReadResult, err error) (pipe.ReadResult, error) {
	if err != nil {
		return res, r.c.why(err)
	}
	if res.Canceled {
		if reason := r.c.timeout(); reason != nil {
			r.Reader.Consume(res.Buffer.Start()) // hand the buffer back: the caller gets none
			return pipe.ReadResult{}, reason
		}
		return res, nil
	}
	r.c.progress(!res.Buffer.IsEmpty())
	return res, nil
}

// watchedWriter records the writes of the writer below.
type watchedWriter struct {
	pipe.Writer
	c *connection
}

func (w *watchedWriter) Advance(n int) {
	w.Writer.Advance(n)
	w.c.progress(false)
}

func (w *watchedWriter) Write(b []byte) (int, error) {
	n, err := w.Writer.Write(b)
	w.c.progress(false)
	return n, w.c.why(err)
}

func (w *watchedWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	res, err := w.Writer.Flush(ctx)
	if err != nil {
		return res, w.c.why(err)
	}
	if res.Canceled {
		if reason := w.c.timeout(); reason != nil {
			return pipe.FlushResult{}, reason
		}
		return res, nil
	}
	w.c.progress(false)
	return res, nil
}
