package writer

import (
	"bytes"
	"net"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestToIOGathersOnlySockets checks which destinations get the writev path:
// the net package writes net.Buffers with one writev only for its own
// connection types; every other destination gets one gathered Write.
func TestToIOGathersOnlySockets(t *testing.T) {
	for _, tc := range []struct {
		dst  any
		want bool
	}{
		{&net.TCPConn{}, true},
		{&net.UnixConn{}, true},
		{&bytes.Buffer{}, false},
		{os.Stdout, false}, // a syscall.Conn, but net.Buffers would write it piece by piece
	} {
		w := ToIO(tc.dst.(interface{ Write([]byte) (int, error) }), Options{}).(*ioWriter)
		assert.Equal(t, tc.want, w.gather, "%T", tc.dst)
	}
}
