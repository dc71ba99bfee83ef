package echo

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Clients are the benchmark's client connections: plain net.Conns, the
// same for every server.
type Clients struct {
	conns []*client
}

type client struct {
	c       net.Conn
	bw      *bufio.Writer
	br      *bufio.Reader
	tokens  chan struct{} // one per message that may be in flight
	out, in []byte        // the message sent, the echo read
}

// Dial opens n client connections to addr.
func Dial(addr net.Addr, n int) (*Clients, error) {
	cs := &Clients{}
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			cs.Close()
			return nil, err
		}
		cl := &client{
			c:      c,
			bw:     bufio.NewWriterSize(c, Depth*MsgSize),
			br:     bufio.NewReaderSize(c, Depth*MsgSize),
			tokens: make(chan struct{}, Depth),
			out:    make([]byte, MsgSize),
			in:     make([]byte, MsgSize),
		}
		for j := range cl.out {
			cl.out[j] = byte(i + j)
		}
		cs.conns = append(cs.conns, cl)
	}
	return cs, nil
}

// Close closes the connections.
func (cs *Clients) Close() {
	for _, c := range cs.conns {
		c.c.Close()
	}
}

// Run sends total messages spread over the connections, each keeping up
// to Depth messages in flight, and waits for all the echoes. Every echo's
// sequence number is checked; with full set, its every byte too. timeout
// bounds the run. Run does not allocate per message.
func (cs *Clients) Run(total int, full bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	errs := make(chan error, 2*len(cs.conns))
	var wg sync.WaitGroup
	for i, c := range cs.conns {
		n := total / len(cs.conns)
		if i < total%len(cs.conns) {
			n++
		}
		if n == 0 {
			continue
		}
		c.c.SetDeadline(deadline)
		for len(c.tokens) > 0 { // a failed run may have left some
			<-c.tokens
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := c.write(n); err != nil {
				errs <- err
				c.c.Close() // unblock the reader
			}
		}()
		go func() {
			defer wg.Done()
			if err := c.read(n, full); err != nil {
				errs <- err
				c.c.Close() // unblock the writer
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil if none
}

// write sends messages 0..n-1, buffering as many as tokens allow and
// flushing before it would wait for one.
func (c *client) write(n int) error {
	for seq := 0; seq < n; {
		c.tokens <- struct{}{}
		for {
			binary.LittleEndian.PutUint64(c.out, uint64(seq))
			if _, err := c.bw.Write(c.out); err != nil {
				return err
			}
			seq++
			if seq == n {
				break
			}
			select {
			case c.tokens <- struct{}{}:
				continue
			default:
			}
			break
		}
		if err := c.bw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// read reads n echoes, checks them and frees their tokens.
func (c *client) read(n int, full bool) error {
	for seq := 0; seq < n; seq++ {
		if _, err := io.ReadFull(c.br, c.in); err != nil {
			return fmt.Errorf("echo %d: %w", seq, err)
		}
		if got := binary.LittleEndian.Uint64(c.in); got != uint64(seq) {
			return fmt.Errorf("echo %d: got sequence number %d", seq, got)
		}
		if full && !bytes.Equal(c.in[8:], c.out[8:]) {
			return fmt.Errorf("echo %d: payload differs", seq)
		}
		<-c.tokens
	}
	return nil
}
