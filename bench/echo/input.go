package echo

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/transports/socket"
)

func init() {
	register(Impl{Name: "bedrock-socket-input", Start: func() (Server, error) {
		return StartInput(&socket.Factory{})
	}})
}

// inputServer serves a conn.Factory's connections with a conn.Server and
// the InputHandler HandleInput.
type inputServer struct {
	s      *conn.Server
	l      conn.Listener
	served chan error
}

// StartInput listens with f on 127.0.0.1 and echoes every connection
// with HandleInput under a conn.Server: on transports/netpoll, from
// netpoll's OnRequest goroutine, with no goroutine per connection.
func StartInput(f conn.Factory) (Server, error) {
	l, err := f.Bind(context.Background(), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	if err != nil {
		return nil, err
	}
	s := &inputServer{s: &conn.Server{NewInput: func(conn.Connection) conn.InputHandler { return conn.InputHandlerFunc(HandleInput) }}, l: l, served: make(chan error, 1)}
	go func() { s.served <- s.s.Serve(l) }()
	return s, nil
}

func (s *inputServer) Addr() net.Addr { return s.l.Addr() }

func (s *inputServer) Close() error {
	err := s.s.Close()
	if serr := <-s.served; !errors.Is(serr, conn.ErrServerClosed) {
		return serr
	}
	return err
}

// HandleInput echoes the whole messages buffered in p's input, as Handle
// does, without waiting for more: one flush per burst of input. It
// returns io.EOF once the input ended.
func HandleInput(ctx context.Context, _ conn.Connection, p duplex.Pipe) error {
	in, out := p.Input(), p.Output()
	for {
		res, ok, err := in.TryRead()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		echoWhole(in, out, res.Buffer)
		if res.Completed {
			out.Flush(ctx)
			return io.EOF
		}
	}
	if out.UnflushedBytes() > 0 {
		if _, err := out.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}
