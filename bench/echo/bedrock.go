package echo

import (
	"context"
	"net"
	"sync"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/transports/socket"
)

func init() {
	register(Impl{Name: "bedrock-socket", Start: func() (Server, error) {
		return StartBedrock(&socket.Factory{})
	}})
}

// bedrockServer serves a conn.Factory's connections with Handle, one
// goroutine per connection.
type bedrockServer struct {
	l      conn.Listener
	handle func(context.Context, conn.Connection)
	ctx    context.Context
	cancel context.CancelFunc
	t      tracker
	accept sync.WaitGroup
}

// StartBedrock listens with f on 127.0.0.1 and echoes every connection
// with Handle.
func StartBedrock(f conn.Factory) (Server, error) {
	return startBedrock(f, Handle)
}

// HandleStream echoes c through its Stream view (a net.Conn) with the
// net-bufio server's loop.
func HandleStream(_ context.Context, c conn.Connection) {
	s, err := c.Stream()
	if err != nil {
		return
	}
	echoBufio(s)
}

func startBedrock(f conn.Factory, handle func(context.Context, conn.Connection)) (Server, error) {
	ctx, cancel := context.WithCancel(context.Background())
	l, err := f.Bind(ctx, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	if err != nil {
		cancel()
		return nil, err
	}
	s := &bedrockServer{l: l, handle: handle, ctx: ctx, cancel: cancel}
	s.accept.Add(1)
	go s.serve()
	return s, nil
}

func (s *bedrockServer) serve() {
	defer s.accept.Done()
	for {
		c, err := s.l.Accept(s.ctx)
		if err != nil {
			return
		}
		if !s.t.add(c, func() { c.Abort(nil) }) {
			continue
		}
		go func() {
			defer s.t.done(c)
			defer c.Close()
			s.handle(s.ctx, c)
		}()
	}
}

func (s *bedrockServer) Addr() net.Addr { return s.l.Addr() }

func (s *bedrockServer) Close() error {
	err := ignoreClosed(s.l.Close())
	s.cancel()
	s.accept.Wait()
	s.t.closeAll()
	return err
}

// Handle echoes c's whole messages through its Pipe view until the peer
// closes. Each Read's complete messages are copied once, from the input
// Sequence (the transport's memory: netpoll's own buffers for
// transports/netpoll) into the Output's buffer; a partial message stays in
// the input for the next Read. The Output is flushed when no further
// complete message is already buffered (TryRead), as the net-bufio server
// flushes when its bufio.Reader holds no complete message.
func Handle(ctx context.Context, c conn.Connection) {
	p, err := c.Pipe()
	if err != nil {
		return
	}
	in, out := p.Input(), p.Output()
	for {
		res, err := in.Read(ctx)
		for {
			if err != nil {
				return
			}
			if !echoWhole(in, out, res.Buffer) {
				break
			}
			if res.Completed || res.Canceled {
				break
			}
			var ok bool
			if res, ok, err = in.TryRead(); !ok {
				break // nothing new: flush
			}
		}
		if out.UnflushedBytes() > 0 {
			if _, err := out.Flush(ctx); err != nil {
				return
			}
		}
		if res.Completed || res.Canceled {
			return
		}
	}
}

// echoWhole copies the whole messages at the start of buf (the Buffer of
// in's last Read) into out, advances in past them, having examined all of
// buf, and reports whether there was any.
func echoWhole(in pipe.Reader, out pipe.Writer, buf pipe.Sequence) bool {
	n := buf.Len() / MsgSize * MsgSize
	msgs := buf.Slice(0, n)
	if n > 0 {
		msgs.CopyTo(out.Buffer(int(n))[:n])
		out.Advance(int(n))
	}
	in.AdvanceTo(msgs.End(), buf.End())
	return n > 0
}
