//go:build linux && (amd64 || arm64)

package netpoll

import (
	"fmt"
	"syscall"
	"unsafe"
)

// tcpClose is the Linux TCP state CLOSED (TCP_CLOSE in linux/tcp_states.h).
const tcpClose = 7

// resetError reports whether the peer reset the TCP connection on fd:
// netpoll closes a connection on a reset as on a clean end, but the
// socket's state tells them apart (CLOSED after a reset, CLOSE_WAIT or
// TIME_WAIT after the peer's FIN).
func resetError(fd int) error {
	var info syscall.TCPInfo
	size := uint32(unsafe.Sizeof(info))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 || info.State != tcpClose {
		return nil
	}
	return fmt.Errorf("netpoll: read: %w", syscall.ECONNRESET)
}
