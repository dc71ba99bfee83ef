package conn

import (
	"context"
	"net"
)

// Client connects through a transport wrapped by layers: the client-side
// counterpart of Server. A database driver or an HTTP client takes one
// (or the Factory it builds) and stays ignorant of what the layers do.
type Client struct {
	// Transport makes the raw connections (transports/socket, ...).
	Transport Factory
	// Layers wrap Transport, the first closest to it (see Chain).
	Layers []Layer
	// Properties are passed to every Connect, below those given to it.
	Properties Properties
}

// Factory returns Transport wrapped by Layers.
func (c *Client) Factory() Factory { return Chain(c.Transport, c.Layers...) }

// Connect connects to addr through the layers. props are added on top of
// c.Properties.
func (c *Client) Connect(ctx context.Context, addr net.Addr, props Properties) (Connection, error) {
	return c.Factory().Connect(ctx, addr, Merge(c.Properties, props))
}
