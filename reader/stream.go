package reader

import (
	"context"
	"errors"
	"io"

	"github.com/f2bac256/bedrock/pipe"
)

// ErrReadCanceled is returned by a Stream's Read when the pipe.Reader's
// pending read was canceled (pipe.Reader.CancelPendingRead) before any byte
// arrived.
var ErrReadCanceled = errors.New("reader: read canceled")

// Stream returns an io.ReadCloser that reads r. Read copies the buffered
// bytes into the caller's slice; WriteTo (used by io.Copy) writes them from
// the pipe's memory without that copy. Close completes r. Errors r
// completes with pass through unchanged; a clean completion is io.EOF.
func Stream(r pipe.Reader) io.ReadCloser { return &stream{r: r} }

type stream struct {
	r pipe.Reader
}

func (s *stream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	res, err := s.r.Read(context.Background())
	if err != nil {
		return 0, err
	}
	buf := res.Buffer
	if buf.IsEmpty() {
		s.r.AdvanceTo(buf.End(), buf.End())
		if res.Canceled {
			return 0, ErrReadCanceled
		}
		return 0, io.EOF
	}
	n := buf.CopyTo(p)
	s.r.Consume(buf.PositionAt(int64(n)))
	return n, nil
}

// WriteTo writes everything r yields to w until r completes, straight from
// the pipe's memory. It implements io.WriterTo.
func (s *stream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		res, err := s.r.Read(context.Background())
		if err != nil {
			return total, err
		}
		n, err := res.Buffer.WriteTo(w)
		total += n
		s.r.Consume(res.Buffer.PositionAt(n))
		switch {
		case err != nil:
			return total, err
		case res.Completed && res.Buffer.IsEmpty():
			return total, nil
		case res.Canceled && res.Buffer.IsEmpty():
			return total, ErrReadCanceled
		}
	}
}

// Close completes the pipe.Reader. It is idempotent.
func (s *stream) Close() error {
	s.r.Complete(nil)
	return nil
}
