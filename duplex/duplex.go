// Package duplex pairs a pipe.Reader and a pipe.Writer into one
// bidirectional byte stream, and converts between such streams and
// net.Conn.
//
// NewPair joins two ends by two pipes, for in-memory transports and tests.
// FromConn gives a net.Conn pipe views that read into and write from pooled
// memory; ToConn gives any duplex.Pipe a net.Conn face, deadlines included,
// so code written for net.Conn runs on it.
package duplex

import (
	"net"

	"github.com/f2bac256/bedrock/pipe"
)

// Pipe is a bidirectional byte stream: Input is what the other side sent,
// Output is what this side sends.
type Pipe interface {
	Input() pipe.Reader
	Output() pipe.Writer
}

// NewPair returns two connected ends: what one writes to its Output, the
// other reads from its Input. Each direction is a pipe.Pipe made with opts.
func NewPair(opts pipe.Options) (Pipe, Pipe) {
	ab, ba := pipe.New(opts), pipe.New(opts)
	return Join(ba.Reader(), ab.Writer()), Join(ab.Reader(), ba.Writer())
}

// Join returns the Pipe whose Input is in and whose Output is out.
func Join(in pipe.Reader, out pipe.Writer) Pipe { return &end{in: in, out: out} }

// end is a Pipe made of a Reader and a Writer.
type end struct {
	in  pipe.Reader
	out pipe.Writer
}

func (e *end) Input() pipe.Reader  { return e.in }
func (e *end) Output() pipe.Writer { return e.out }

// Addr is the net.Addr of an end of a pair and of any Pipe that does not
// report its own addresses.
type Addr struct{}

// Network returns "duplex".
func (Addr) Network() string { return "duplex" }

// String returns "duplex".
func (Addr) String() string { return "duplex" }

// addresser is implemented by Pipes that know their addresses, such as
// those FromConn returns.
type addresser interface {
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}
