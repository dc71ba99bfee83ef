package echo

import (
	"bufio"
	"io"
	"net"
	"sync"
)

func init() {
	register(Impl{Name: "net-bufio", Start: StartNetBufio})
}

// netBufioServer is the plain standard-library server: net.Listen, one
// goroutine per connection, bufio.Reader and bufio.Writer.
type netBufioServer struct {
	ln     net.Listener
	t      tracker
	accept sync.WaitGroup
}

// StartNetBufio listens on 127.0.0.1 and echoes each connection on its own
// goroutine, reading messages with io.ReadFull from a bufio.Reader and
// writing them to a bufio.Writer, flushed when no complete message is
// buffered.
func StartNetBufio() (Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &netBufioServer{ln: ln}
	s.accept.Add(1)
	go s.serve()
	return s, nil
}

func (s *netBufioServer) serve() {
	defer s.accept.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.t.add(c, func() { c.Close() }) {
			continue
		}
		go func() {
			defer s.t.done(c)
			defer c.Close()
			echoBufio(c)
		}()
	}
}

func echoBufio(c net.Conn) {
	br, bw := bufio.NewReader(c), bufio.NewWriter(c)
	msg := make([]byte, MsgSize)
	for {
		if _, err := io.ReadFull(br, msg); err != nil {
			return
		}
		if _, err := bw.Write(msg); err != nil {
			return
		}
		if br.Buffered() < MsgSize {
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

func (s *netBufioServer) Addr() net.Addr { return s.ln.Addr() }

func (s *netBufioServer) Close() error {
	err := ignoreClosed(s.ln.Close())
	s.accept.Wait()
	s.t.closeAll()
	return err
}
