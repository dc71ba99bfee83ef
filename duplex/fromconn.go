package duplex

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// Options configure FromConn. The zero value means the defaults of
// reader.FromIO and writer.ToIO.
type Options struct {
	Reader reader.Options
	Writer writer.Options

	// Linger bounds how long closing waits for the peer's end of stream
	// after the output's half-close (default 500ms; negative: do not wait).
	// Meanwhile unread input is discarded: closing a socket with unread
	// bytes makes the kernel reset the connection, and the peer may then
	// lose the last bytes sent to it.
	Linger time.Duration
}

// DefaultLinger is the default of Options.Linger, the delay net/http uses
// for the same purpose.
const DefaultLinger = 500 * time.Millisecond

// FromConn returns a Pipe over c: Input reads c into pooled memory
// (reader.FromIO), Output writes pooled memory to c in one write or writev
// per flush (writer.ToIO). The Pipe reports c's addresses.
//
// Completing Output flushes what was written and half-closes c
// (CloseWrite, when c has it), so the peer reads io.EOF; completing Input
// stops reading. Once both are completed, c is closed, after waiting (at
// most Options.Linger) for the peer's end of stream so that the bytes just
// sent are not lost to a reset. The CloseOnComplete options are ignored:
// FromConn owns c.
func FromConn(c net.Conn, opts Options) Pipe {
	opts.Reader.CloseOnComplete = false
	opts.Writer.CloseOnComplete = false
	if opts.Linger == 0 {
		opts.Linger = DefaultLinger
	}
	p := &connPipe{conn: c, linger: opts.Linger}
	p.in = connInput{Reader: reader.FromIO(c, opts.Reader), p: p}
	p.out = connOutput{Writer: writer.ToIO(c, opts.Writer), p: p}
	return p
}

// connPipe is the Pipe FromConn returns.
type connPipe struct {
	conn    net.Conn
	linger  time.Duration
	in      connInput
	out     connOutput
	pending atomic.Int32 // sides completed so far
}

func (p *connPipe) Input() pipe.Reader   { return &p.in }
func (p *connPipe) Output() pipe.Writer  { return &p.out }
func (p *connPipe) LocalAddr() net.Addr  { return p.conn.LocalAddr() }
func (p *connPipe) RemoteAddr() net.Addr { return p.conn.RemoteAddr() }

// sideDone records that one side completed and closes the connection after
// the second, lingering until the peer's end of stream: unread bytes in the
// receive buffer at close would make the kernel send a reset.
func (p *connPipe) sideDone() {
	if p.pending.Add(1) != 2 {
		return
	}
	if p.linger > 0 {
		p.conn.SetReadDeadline(time.Now().Add(p.linger))
		io.Copy(io.Discard, p.conn)
	}
	p.conn.Close()
}

type connInput struct {
	pipe.Reader
	p    *connPipe
	done atomic.Bool
}

func (in *connInput) Complete(err error) {
	if in.done.CompareAndSwap(false, true) {
		in.Reader.Complete(err)
		in.p.sideDone()
	}
}

type connOutput struct {
	pipe.Writer
	p    *connPipe
	done atomic.Bool
}

func (out *connOutput) Complete(err error) {
	if out.done.CompareAndSwap(false, true) {
		out.Writer.Complete(err)
		if hc, ok := out.p.conn.(interface{ CloseWrite() error }); ok {
			hc.CloseWrite()
		}
		out.p.sideDone()
	}
}
