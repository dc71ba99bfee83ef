//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"fmt"
	"net"
)

// errClosed is what a flush on a connection netpoll closed returns.
var errClosed = fmt.Errorf("connection closed: %w", net.ErrClosed)
