//go:build (linux || darwin) && (amd64 || arm64)

// Package readpath measures what reading a stream costs per byte on the
// netpoll transport, to show that bedrock's read path adds no copy of its
// own: a plain net sender writes a stream over loopback and a reader
// drains it without looking at the bytes, as bedrock's Pipe view over
// transports/netpoll, as the same with one copy of every byte added (what
// a reader copying into its own buffer pays), as raw netpoll (Skip over
// its input buffer) and as a net.Conn read into a buffer.
//
// Every reader pays the kernel's copy into user memory once; the
// benchmark's differences are what each adds per byte on top.
package readpath

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/cloudwego/netpoll"

	"github.com/f2bac256/bedrock/conn"
	bnetpoll "github.com/f2bac256/bedrock/transports/netpoll"
)

// ChunkSize is the size of the sender's writes, and of the buffers of the
// readers that have one.
const ChunkSize = 64 << 10

// Reader drains one connection to addr until the peer's end: Drain
// returns how many bytes it read.
type Reader struct {
	Name string
	// Dial connects to addr and returns the drain of that connection.
	Dial func(ctx context.Context, addr net.Addr) (drain func() (int64, error), closer io.Closer, err error)
}

// Readers returns the readers measured.
func Readers() []Reader {
	return []Reader{
		{"bedrock-netpoll", func(ctx context.Context, addr net.Addr) (func() (int64, error), io.Closer, error) {
			return dialBedrock(ctx, addr, false)
		}},
		{"bedrock-netpoll-copy", func(ctx context.Context, addr net.Addr) (func() (int64, error), io.Closer, error) {
			return dialBedrock(ctx, addr, true)
		}},
		{"raw-netpoll", dialRaw},
		{"net", dialNet},
	}
}

// dialBedrock drains through the Pipe view of a transports/netpoll
// connection: each Read's buffer is advanced past whole; with copy set,
// each of its segments is first copied into a buffer of ChunkSize.
func dialBedrock(ctx context.Context, addr net.Addr, copyBytes bool) (func() (int64, error), io.Closer, error) {
	c, err := (&bnetpoll.Factory{Linger: -1}).Connect(ctx, addr, conn.Properties{})
	if err != nil {
		return nil, nil, err
	}
	p, err := c.Pipe()
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	in := p.Input()
	scratch := make([]byte, ChunkSize)
	drain := func() (int64, error) {
		var n int64
		for {
			res, err := in.Read(ctx)
			if err != nil {
				return n, err
			}
			buf := res.Buffer
			n += buf.Len()
			if copyBytes {
				for seg := range buf.All() {
					for len(seg) > 0 {
						k := copy(scratch, seg)
						seg = seg[k:]
					}
				}
			}
			in.AdvanceTo(buf.End(), buf.End())
			if res.Completed {
				return n, nil
			}
		}
	}
	return drain, c, nil
}

// dialRaw drains a netpoll connection with Skip, which moves past the
// bytes in netpoll's input buffer without reading them, and Release. The
// socket is dialed with the net package and handed to netpoll, as
// transports/netpoll does: netpoll's own dialer fails when the sender
// writes and closes before the dial returns.
func dialRaw(ctx context.Context, addr net.Addr) (func() (int64, error), io.Closer, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, addr.Network(), addr.String())
	if err != nil {
		return nil, nil, err
	}
	f, err := nc.(*net.TCPConn).File() // a duplicate of the socket
	nc.Close()
	if err != nil {
		return nil, nil, err
	}
	fd, err := syscall.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	c, err := netpoll.NewFDConnection(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, nil, err
	}
	drain := func() (int64, error) {
		var n int64
		r := c.Reader()
		for {
			k := r.Len()
			if k == 0 {
				// Wait for a byte, or the end.
				if _, err := r.Peek(1); err != nil {
					if r.Len() > 0 {
						continue
					}
					if !c.IsActive() || errors.Is(err, netpoll.ErrEOF) || errors.Is(err, netpoll.ErrConnClosed) {
						return n, nil
					}
					return n, err
				}
				continue
			}
			if err := r.Skip(k); err != nil {
				return n, err
			}
			r.Release()
			n += int64(k)
		}
	}
	return drain, c, nil
}

// dialNet drains a net.Conn with Read into a buffer of ChunkSize.
func dialNet(ctx context.Context, addr net.Addr) (func() (int64, error), io.Closer, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, addr.Network(), addr.String())
	if err != nil {
		return nil, nil, err
	}
	buf := make([]byte, ChunkSize)
	drain := func() (int64, error) {
		var n int64
		for {
			k, err := c.Read(buf)
			n += int64(k)
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			if err != nil {
				return n, err
			}
		}
	}
	return drain, c, nil
}

// Send accepts one connection on l, writes total bytes to it in writes of
// ChunkSize and closes it.
func Send(l net.Listener, total int64) error {
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	chunk := make([]byte, ChunkSize)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	for total > 0 {
		k := int64(len(chunk))
		if total < k {
			k = total
		}
		if _, err := c.Write(chunk[:k]); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		total -= k
	}
	return nil
}
