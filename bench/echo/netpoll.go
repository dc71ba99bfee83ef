//go:build (linux || darwin) && (amd64 || arm64)

package echo

import (
	"context"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/cloudwego/netpoll"

	bnetpoll "github.com/f2bac256/bedrock/transports/netpoll"
)

func init() {
	// ECHO_NETPOLL_BUFFER sets netpoll's process-wide first input buffer
	// per connection (netpoll.Config.BufferSize, default 8 KiB, and
	// netpoll.LinkBufferCap, its floor, default 4 KiB), to measure what
	// idle connections cost with a smaller one.
	if n, err := strconv.Atoi(os.Getenv("ECHO_NETPOLL_BUFFER")); err == nil && n > 0 {
		netpoll.LinkBufferCap = n
		if err := netpoll.Configure(netpoll.Config{BufferSize: n}); err != nil {
			panic(err)
		}
	}
	register(Impl{Name: "bedrock-netpoll", Start: func() (Server, error) {
		return StartBedrock(&bnetpoll.Factory{})
	}})
	register(Impl{Name: "bedrock-netpoll-input", Start: func() (Server, error) {
		return StartInput(&bnetpoll.Factory{})
	}})
	register(Impl{Name: "bedrock-netpoll-stream", Start: func() (Server, error) {
		return startBedrock(&bnetpoll.Factory{}, HandleStream)
	}})
	register(Impl{Name: "raw-netpoll", Start: StartRawNetpoll})
}

// rawNetpollServer is netpoll's own echo: an EventLoop whose OnRequest
// echoes the complete messages in the connection's input buffer.
type rawNetpollServer struct {
	ln     netpoll.Listener
	loop   netpoll.EventLoop
	served chan struct{}
}

// StartRawNetpoll listens on 127.0.0.1 and echoes with a netpoll
// EventLoop: OnRequest takes each complete message with Reader().Next,
// writes it with Writer().WriteBinary and flushes once per call.
func StartRawNetpoll() (Server, error) {
	ln, err := netpoll.CreateListener("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	loop, err := netpoll.NewEventLoop(rawOnRequest)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &rawNetpollServer{ln: ln, loop: loop, served: make(chan struct{})}
	go func() {
		defer close(s.served)
		loop.Serve(ln)
	}()
	return s, nil
}

func rawOnRequest(_ context.Context, c netpoll.Connection) error {
	r, w := c.Reader(), c.Writer()
	if r.Len() < MsgSize {
		return nil
	}
	for r.Len() >= MsgSize {
		b, err := r.Next(MsgSize)
		if err != nil {
			return err
		}
		if _, err := w.WriteBinary(b); err != nil {
			return err
		}
	}
	err := w.Flush()
	r.Release()
	return err
}

func (s *rawNetpollServer) Addr() net.Addr { return s.ln.Addr() }

func (s *rawNetpollServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for {
		// Shutdown before Serve registered its server does nothing (see
		// transports/netpoll): repeat it until Serve returned.
		err := s.loop.Shutdown(ctx)
		select {
		case <-s.served:
			return ignoreClosed(err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
