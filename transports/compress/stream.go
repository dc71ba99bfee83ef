package compress

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

type closeWriter interface{ CloseWrite() error }

// closeTimeout bounds how long Close may wait to write the end of the
// stream.
const closeTimeout = 5 * time.Second

// maxEmptyReads bounds the decoder reads in a row that return nothing, as
// bufio does, so that a broken decoder is an error rather than a busy
// loop.
const maxEmptyReads = 100

// stream is the compressed net.Conn over the connection below. Read and
// Write each have their own lock, so one of each may run at a time, as on
// any net.Conn; Close never waits for them.
type stream struct {
	codec *codec
	lower net.Conn
	stats Stats

	rmu  sync.Mutex
	rs   *readSide // nil until the first Read
	rerr error     // the error that ended reading
	rok  bool      // rs.dec was reset onto this stream

	wmu  sync.Mutex
	ws   *writeSide // nil until the first Write, and after the stream ended
	werr error      // the error that ended writing
	shut bool       // the compressed stream was ended (CloseWrite, Close)

	closed atomic.Bool // Close or Abort
}

func newStream(c *codec, lower net.Conn) *stream {
	s := &stream{codec: c, lower: lower}
	s.stats.algorithm = c.cfg.Algorithm
	return s
}

// halfStream is the stream over a connection that can half-close.
type halfStream struct{ *stream }

// CloseWrite ends the compressed stream and half-closes the connection
// below: the peer reads what was written, then io.EOF.
func (h halfStream) CloseWrite() error { return h.closeWrite() }

func (s *stream) fail(op string, err error) error {
	return &Error{Algorithm: s.codec.cfg.Algorithm, Op: op, Err: err}
}

func (s *stream) Read(p []byte) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.closed.Load() {
		return 0, s.fail("read", net.ErrClosed)
	}
	if s.rerr != nil {
		return 0, s.rerr
	}
	if len(p) == 0 {
		return 0, nil
	}
	if s.rs == nil {
		s.rs = s.codec.getReader(s.lower, &s.stats.compressedRead)
	}
	if !s.rok {
		if err := s.rs.dec.Reset(&s.rs.src); err != nil {
			return 0, s.readError(err)
		}
		s.rok = true
	}
	for range maxEmptyReads {
		n, err := s.rs.dec.Read(p)
		s.stats.rawRead.Add(int64(n))
		if err != nil {
			err = s.readError(err)
			if n > 0 {
				return n, nil // the error comes with the next Read
			}
			return 0, err
		}
		if n > 0 {
			return n, nil
		}
		// A decoder may end a block or a member without output: go on.
	}
	return 0, s.readError(io.ErrNoProgress)
}

// readError records and returns what err means to the user: io.EOF at the
// end of the stream, the connection's own errors as they are, and the
// decoder's wrapped in an *Error.
func (s *stream) readError(err error) error {
	switch {
	case s.closed.Load():
		return s.fail("read", net.ErrClosed) // not sticky: Close says it all
	case err == io.EOF:
	case s.rs.src.err != nil && s.rs.src.err != io.EOF && errors.Is(err, s.rs.src.err):
		err = s.rs.src.err
	default:
		err = s.fail("read", err)
	}
	s.rerr = err
	return err
}

func (s *stream) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	switch {
	case s.closed.Load():
		return 0, s.fail("write", net.ErrClosed)
	case s.shut:
		return 0, s.fail("write", io.ErrClosedPipe)
	case s.werr != nil:
		return 0, s.werr
	case len(p) == 0:
		return 0, nil
	}
	if s.ws == nil {
		s.ws = s.codec.getWriter(s.lower, &s.stats.compressedWritten)
	}
	n, err := s.ws.enc.Write(p)
	if err == nil {
		err = s.ws.enc.Flush()
	}
	s.stats.rawWritten.Add(int64(n))
	if err != nil {
		return n, s.writeError(err)
	}
	return n, nil
}

// writeError records err, which ends writing, and returns it as the user
// sees it.
func (s *stream) writeError(err error) error {
	if s.closed.Load() {
		err = s.fail("write", net.ErrClosed)
	}
	s.werr = err
	return err
}

// end writes the end of the compressed stream, if one was started and did
// not fail, and recycles the encoder. It returns what ended writing. The
// caller holds wmu.
func (s *stream) end() error {
	s.shut = true
	ws := s.ws
	s.ws = nil
	err := s.werr
	if ws != nil {
		if err == nil {
			if err = ws.enc.Close(); err != nil {
				s.werr = err // the connection's error, as it is
			}
		}
		s.codec.putWriter(ws)
	}
	return err
}

func (s *stream) closeWrite() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return s.fail("close", net.ErrClosed)
	}
	if s.shut {
		return nil
	}
	// Half-close even when the stream failed, so that the peer does not
	// wait for the rest.
	err := s.end()
	return errors.Join(err, s.lower.(closeWriter).CloseWrite())
}

// Close ends the compressed stream, unless a Write is under way, then
// closes the connection below, which interrupts pending calls.
func (s *stream) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return s.fail("close", net.ErrClosed)
	}
	var err error
	if s.wmu.TryLock() {
		if !s.shut && s.werr == nil && s.ws != nil {
			// As crypto/tls does for its close_notify: a peer that stopped
			// reading holds Close for a while, not forever.
			s.lower.SetWriteDeadline(time.Now().Add(closeTimeout))
			err = s.end()
		}
		if s.ws != nil { // an unended stream that failed
			s.codec.putWriter(s.ws)
			s.ws = nil
		}
		s.wmu.Unlock()
	}
	err = errors.Join(err, s.lower.Close())
	if s.rmu.TryLock() {
		if s.rs != nil {
			s.codec.putReader(s.rs)
			s.rs = nil
		}
		s.rmu.Unlock()
	}
	return err
}

// abort is the connection's Abort: the stream stops at once, without its
// end, and the connection below, aborted next, interrupts pending calls.
func (s *stream) abort(error) { s.closed.Store(true) }

func (s *stream) LocalAddr() net.Addr                { return s.lower.LocalAddr() }
func (s *stream) RemoteAddr() net.Addr               { return s.lower.RemoteAddr() }
func (s *stream) SetDeadline(t time.Time) error      { return s.lower.SetDeadline(t) }
func (s *stream) SetReadDeadline(t time.Time) error  { return s.lower.SetReadDeadline(t) }
func (s *stream) SetWriteDeadline(t time.Time) error { return s.lower.SetWriteDeadline(t) }
