//go:build (linux || darwin) && (amd64 || arm64)

package auto

import (
	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/transports/netpoll"
)

// Name is the name of the transport Factory returns on this platform:
// "netpoll" or "socket".
const Name = "netpoll"

// Factory returns a new default transport for this platform: a
// *netpoll.Factory here, where netpoll is built, a *socket.Factory
// elsewhere. Its zero configuration is used.
func Factory() conn.Factory { return &netpoll.Factory{} }
