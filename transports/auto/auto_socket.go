//go:build !((linux || darwin) && (amd64 || arm64))

package auto

import (
	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/socket"
)

// Name is the name of the transport Factory returns on this platform:
// "netpoll" or "socket".
const Name = "socket"

// Factory returns a new default transport for this platform: a
// *socket.Factory here, where netpoll is not built, a *netpoll.Factory on
// Linux and macOS (amd64, arm64). Its zero configuration is used.
func Factory() conn.Factory { return &socket.Factory{} }
