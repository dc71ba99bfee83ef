package conn

import (
	"context"
	"errors"
	"net"
)

// NetListener returns l as a net.Listener whose connections are the Stream
// views of the accepted connections, so that http.Serve and any other
// net.Listener consumer run on bedrock. Connections whose filter failed (a
// *FilterError) are skipped, as net/http would skip a bad handshake.
func NetListener(l Listener) net.Listener { return netListener{l} }

type netListener struct{ l Listener }

func (n netListener) Accept() (net.Conn, error) {
	for {
		c, err := n.l.Accept(context.Background())
		var ferr *FilterError
		if errors.As(err, &ferr) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s, err := c.Stream()
		if err != nil {
			c.Abort(err)
			continue
		}
		return s, nil
	}
}

func (n netListener) Close() error   { return n.l.Close() }
func (n netListener) Addr() net.Addr { return n.l.Addr() }
