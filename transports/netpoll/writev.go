//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"syscall"
	"unsafe"

	"github.com/f2bac256/bedrock/pipe"
)

// maxIovecs bounds the segments one writev sends (IOV_MAX is 1024 on
// Linux and macOS).
const maxIovecs = 1024

// writev sends as much of seq as the socket fd takes now, without
// waiting, with one writev system call per maxIovecs segments: the pipe's
// memory goes to the kernel without another copy. It returns the number
// of bytes sent; EAGAIN (the socket's buffer is full) is not an error.
func writev(fd int, seq pipe.Sequence, iov *[]syscall.Iovec) (int64, error) {
	var sent int64
	for !seq.IsEmpty() {
		v := (*iov)[:0]
		var want int64
		for b := range seq.All() {
			if len(v) == maxIovecs {
				break
			}
			if len(b) == 0 {
				continue
			}
			vec := syscall.Iovec{Base: &b[0]}
			vec.SetLen(len(b))
			v = append(v, vec)
			want += int64(len(b))
		}
		*iov = v
		n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&v[0])), uintptr(len(v)))
		clear(v) // keep no reference to the pipe's memory
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return sent, nil
		case errno != 0:
			return sent, errno
		}
		sent += int64(n)
		if int64(n) < want {
			return sent, nil
		}
		seq = seq.SliceFrom(seq.PositionAt(int64(n)))
	}
	return sent, nil
}
