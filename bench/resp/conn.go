package resp

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// replayConn is an in-memory net.Conn that plays a server: its reads
// return the stream's bytes, from the start again after each rewind. In
// handshake mode it first answers the commands written to it (-ERR to
// HELLO, so that the client stays on RESP2, +OK to the others), for a
// client that talks before it reads replies, until a command named
// replayCommand comes: from then on each write (of a batch of commands,
// discarded) rewinds.
type replayConn struct {
	mu            sync.Mutex
	data          []byte // the stream
	off           int    // next byte of data to read
	handshake     bool
	written       []byte // handshake: commands written and not yet answered
	answers       []byte // handshake: answers not yet read
	rewindOnWrite bool   // each write (of a batch of commands) rewinds
	err           error  // a misuse seen by Write, reported by Read
}

// replayCommand is the command whose batches the stream answers.
const replayCommand = "GET"

func newReplayConn(data []byte) *replayConn { return &replayConn{data: data, off: len(data)} }

// errNothingToRead is what Read returns when the client reads past what
// the server would send: a bug of the benchmark.
var errNothingToRead = errors.New("replay: read past the replies")

// rewind makes the next reads return the stream from its start. The stream
// must have been read to its end.
func (c *replayConn) rewind() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off != len(c.data) {
		return fmt.Errorf("replay: rewound with %d bytes of replies unread", len(c.data)-c.off)
	}
	c.off = 0
	return nil
}

func (c *replayConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.err != nil:
		return 0, c.err
	case c.handshake && len(c.answers) > 0:
		n := copy(p, c.answers)
		c.answers = c.answers[n:]
		return n, nil
	case c.handshake || c.off == len(c.data):
		return 0, errNothingToRead
	}
	n := copy(p, c.data[c.off:])
	c.off += n
	return n, nil
}

func (c *replayConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.handshake:
		c.written = append(c.written, p...)
		c.answer()
	case c.rewindOnWrite:
		// All the commands of a pipeline are written before any reply
		// is read: only the first write of a batch finds the stream
		// partly read, which must not happen.
		if c.off != 0 && c.off != len(c.data) {
			c.err = fmt.Errorf("replay: commands written with %d bytes of replies unread", len(c.data)-c.off)
		}
		c.off = 0
	}
	return len(p), nil
}

// answer answers the whole commands written in handshake mode.
func (c *replayConn) answer() {
	for len(c.written) > 0 {
		buf := pipe.SequenceOf(c.written)
		v, consumed, _, err := resp.Codec{}.Parse(buf)
		if errors.Is(err, protocol.ErrIncomplete) {
			return
		}
		if err != nil || v.Kind != resp.Array || v.Len == 0 {
			c.err = fmt.Errorf("replay: bad command %q: %v", c.written, err)
			return
		}
		it := v.Elements()
		name, _ := it.Next()
		switch cmd := name.Data.String(); {
		case strings.EqualFold(cmd, replayCommand):
			if len(c.answers) > 0 {
				c.err = fmt.Errorf("replay: %s sent with %q unread", cmd, c.answers)
			}
			c.handshake, c.rewindOnWrite, c.written, c.off = false, true, nil, 0
			return
		case strings.EqualFold(cmd, "HELLO"):
			c.answers = append(c.answers, "-ERR unknown command 'HELLO'\r\n"...)
		default:
			c.answers = append(c.answers, "+OK\r\n"...)
		}
		c.written = c.written[buf.Offset(consumed):]
	}
}

func (c *replayConn) Close() error                     { return nil }
func (c *replayConn) LocalAddr() net.Addr              { return replayAddr{} }
func (c *replayConn) RemoteAddr() net.Addr             { return replayAddr{} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

type replayAddr struct{}

func (replayAddr) Network() string { return "replay" }
func (replayAddr) String() string  { return "replay" }

var _ net.Conn = (*replayConn)(nil)
