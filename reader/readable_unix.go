//go:build unix

package reader

import (
	"io"
	"syscall"
)

// readableWaiter returns a function that waits, holding no buffer, until
// src has bytes (or an error or EOF) to read, or nil when src is not a
// socket. It peeks one byte with MSG_PEEK, so nothing is consumed, and
// waits in the runtime's poller, so read deadlines interrupt it.
func readableWaiter(src io.Reader) func() error {
	sc, ok := src.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var peek [1]byte
	ready := func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), peek[:], syscall.MSG_PEEK)
		return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
	}
	return func() error { return rc.Read(ready) }
}
