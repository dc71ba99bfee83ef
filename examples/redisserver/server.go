package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
	"github.com/f2bac256/bedrock/transports/auto"
	"github.com/f2bac256/bedrock/transports/socket"
	"github.com/f2bac256/bedrock/writer"
)

// Limits on what a client may send.
const (
	// maxBulk bounds one argument.
	maxBulk = 64 << 20
	// maxCommand bounds one command, framing included.
	maxCommand = maxBulk + 1<<20
)

// codec reads commands: arrays of bulk strings, or inline commands.
var codec = resp.Codec{Inline: true, MaxBulkLength: maxBulk}

// errProtocol is returned (wrapped) by session.run when the client sent
// something that is not a command; the client was told so before.
var errProtocol = errors.New("redisserver: protocol error")

// Handler serves Redis clients from one Store: it is the conn.Handler of
// the server.
type Handler struct {
	store  *Store
	logger *slog.Logger
	ids    atomic.Int64 // client ids, as HELLO reports them
}

// NewHandler returns a Handler serving store. Connections that end with an
// error are logged to logger at debug level.
func NewHandler(store *Store, logger *slog.Logger) *Handler {
	return &Handler{store: store, logger: logger}
}

// ServeConn serves one client through c's Pipe view until it quits, closes
// the connection, sends something that is not a command, or ctx is done.
func (h *Handler) ServeConn(ctx context.Context, c conn.Connection) {
	p, err := c.Pipe()
	if err != nil {
		h.logger.Debug("redisserver: no pipe view", "remote", c.RemoteAddr(), "err", err)
		return
	}
	if err := h.Serve(ctx, p); err != nil {
		h.logger.Debug("redisserver: connection ended", "remote", c.RemoteAddr(), "err", err)
	}
}

// Serve serves one client over p. It returns nil when the client quit or
// closed its side, and otherwise why it stopped: an error wrapping
// errProtocol for malformed input, ctx.Err(), or an error of the pipe.
func (h *Handler) Serve(ctx context.Context, p duplex.Pipe) error {
	return h.newSession(p).run(ctx)
}

// NewInput returns the conn.InputHandler of one connection, for a
// conn.Server's NewInput: on transports/netpoll the connection is then
// served from netpoll's callbacks, with no goroutine of its own while it
// waits for commands.
func (h *Handler) NewInput(c conn.Connection) conn.InputHandler {
	return &inputSession{h: h}
}

// inputSession is the conn.InputHandler of one connection; its session is
// made on the first call, when the Pipe view is known.
type inputSession struct {
	h *Handler
	s *session
}

// ServeInput answers the commands buffered, flushes once, and returns
// without waiting for more.
func (is *inputSession) ServeInput(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
	if is.s == nil {
		is.s = is.h.newSession(p)
	}
	v, ok, err := is.s.in.TryRead()
	if !ok && err == nil {
		return nil
	}
	if err = is.s.batch(ctx, v, err); err == nil && is.s.quit {
		err = errQuit
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errQuit) {
		is.h.logger.Debug("redisserver: connection ended", "remote", c.RemoteAddr(), "err", err)
	}
	return err
}

// errQuit ends a connection whose client sent QUIT.
var errQuit = errors.New("redisserver: quit")

func (h *Handler) newSession(p duplex.Pipe) *session {
	s := &session{
		store: h.store,
		out:   p.Output(),
		proto: 2,
		id:    h.ids.Add(1),
	}
	s.in = protocol.NewReader[bool](p.Input(), &s.cmd, protocol.ReaderOptions{MaxMessageSize: maxCommand})
	s.w = writer.NewCursor(s.out)
	return s
}

type session struct {
	store *Store
	in    *protocol.Reader[bool] // commands, as cmd parses them
	cmd   commandReader
	out   pipe.Writer
	w     writer.Cursor // the replies, written into out's memory
	proto int           // the RESP version of the replies: 2 or 3
	id    int64
	quit  bool // QUIT was received: stop once the reply is sent

	args    [][]byte // the arguments of the current command
	scratch []byte   // arguments that straddled two segments, made contiguous
	val     []byte   // a value copied out of the store
}

// run reads commands and answers them, a batch at a time, waiting for
// input between batches.
func (s *session) run(ctx context.Context) error {
	for {
		v, err := s.in.Read(ctx)
		err = s.batch(ctx, v, err)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		case s.quit:
			return nil
		}
	}
}

// batch answers v (or reports err, what reading it returned) and every
// command already buffered after it, then flushes the replies, once: a
// pipelined batch costs one read and one flush. (A batch whose replies
// pass maxPending is flushed on the way, to bound the memory it holds.)
func (s *session) batch(ctx context.Context, v bool, err error) error {
	for n := 1; err == nil; n++ {
		err = s.execute(v)
		s.in.Advance()
		if err != nil || s.quit {
			break
		}
		if n%checkEvery == 0 {
			s.w.Commit()
			if s.out.UnflushedBytes() > maxPending {
				if err = s.flush(ctx); err != nil {
					break
				}
			}
		}
		var ok bool
		if v, ok, err = s.in.TryRead(); !ok && err == nil {
			break // nothing more is buffered: flush
		}
	}
	if err != nil {
		err = s.parseError(err)
	}
	if ferr := s.flush(ctx); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// Within a batch, every checkEvery commands, the replies are flushed if
// they hold more than maxPending bytes.
const (
	checkEvery = 64
	maxPending = 256 << 10
)

// flush sends the replies written so far.
func (s *session) flush(ctx context.Context) error {
	s.w.Commit()
	if s.out.UnflushedBytes() == 0 {
		return nil
	}
	_, err := s.out.Flush(ctx)
	return err
}

// parseError tells the client about malformed input, when err is a
// protocol.ParseError, and returns the error that ends the session.
func (s *session) parseError(err error) error {
	var perr *protocol.ParseError
	if !errors.As(err, &perr) {
		return err
	}
	msg := strings.TrimPrefix(perr.Err.Error(), "resp: protocol error: ")
	return s.protocolError(strings.TrimPrefix(msg, "protocol: "))
}

// protocolError tells the client that its input is malformed, as Redis
// does before it closes the connection, and returns the error that ends
// the session.
func (s *session) protocolError(msg string) error {
	resp.AppendError(&s.w, "ERR Protocol error: "+msg)
	return fmt.Errorf("%w: %s", errProtocol, msg)
}

// commandReader is the protocol.MessageReader of the server's commands.
// A command that lies in the first segment of the buffer, as nearly all
// do, inline or not, is read in one pass with resp's ParseCommand, its
// arguments sliced out of the input into args; anything else (a command
// that spans segments or is not wholly buffered yet, malformed input) is
// left to dec, the session's resp.Decoder, into v. The message says which:
// true for args, false for v. While a command arrives in many reads, the
// same buffer grown comes back: ParseCommand is not tried again, and dec
// resumes where it stopped, so a large command trickled in costs work in
// proportion to its size, not to its square.
type commandReader struct {
	args    [][]byte
	v       resp.Value
	dec     *resp.Decoder // resp.NewDecoder(codec), made on first use
	waiting bool          // the last Parse found the command incomplete...
	at      pipe.Position // ...in a buffer starting here
}

// Parse reads the command at the start of buf.
func (r *commandReader) Parse(buf pipe.Sequence) (fast bool, consumed, examined pipe.Position, err error) {
	if !r.waiting || buf.Start() != r.at {
		var n int
		if r.args, n, fast = codec.ParseCommand(buf.First(), r.args[:0]); fast {
			r.waiting = false
			at := buf.PositionAt(int64(n))
			return true, at, at, nil
		}
	}
	if r.dec == nil {
		r.dec = resp.NewDecoder(codec)
	}
	r.v, consumed, examined, err = r.dec.Parse(buf)
	r.waiting, r.at = errors.Is(err, protocol.ErrIncomplete), buf.Start()
	return false, consumed, examined, err
}

// execute answers the command just read: its arguments are in s.cmd.args
// when fast is set, and otherwise s.cmd.v holds it. It returns gather's
// error when the value is not a command.
func (s *session) execute(fast bool) error {
	if !fast {
		if err := s.gather(s.cmd.v); err != nil {
			return err
		}
	}
	s.args = s.cmd.args
	if len(s.args) == 0 {
		return nil // an empty command is ignored, as Redis ignores it
	}
	s.dispatch()
	return nil
}

// gather collects the arguments of v, a value that ParseCommand did not
// read (one that spans segments, or is not a command), into s.cmd.args.
// It returns an error wrapping errProtocol (the client was told) when v
// is not a command.
func (s *session) gather(v resp.Value) error {
	if v.Kind != resp.Array && v.Kind != resp.Inline {
		return s.protocolError("expected an array of bulk strings, got " + v.Kind.String())
	}
	s.cmd.args, s.scratch = s.cmd.args[:0], s.scratch[:0]
	it := v.Elements()
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		if e.Kind != resp.BulkString || e.Null {
			return s.protocolError("expected a bulk string argument, got " + e.Kind.String())
		}
		s.cmd.args = append(s.cmd.args, s.contiguous(e.Data))
	}
	return nil
}

// contiguous returns d as one slice: the input's memory when d lies in
// one segment, a copy in scratch otherwise. Either is valid until the
// command is answered.
func (s *session) contiguous(d pipe.Sequence) []byte {
	if d.IsSingleSegment() {
		return d.First()
	}
	n := int(d.Len())
	if cap(s.scratch)-len(s.scratch) < n {
		// A new array: the arguments already in the old one stay valid.
		s.scratch = make([]byte, 0, max(2*cap(s.scratch), n, 4096))
	}
	at := len(s.scratch)
	s.scratch = s.scratch[:at+n]
	d.CopyTo(s.scratch[at:])
	return s.scratch[at : at+n : at+n]
}

// The replies whose form depends on the RESP version.

// null writes the null bulk string, or RESP3's null.
func (s *session) null() {
	if s.proto == 3 {
		resp.AppendNull3(&s.w)
	} else {
		resp.AppendNull(&s.w)
	}
}

// mapHeader writes the header of a map of n pairs, a flat array of 2n
// elements in RESP2.
func (s *session) mapHeader(n int) {
	if s.proto == 3 {
		resp.AppendMapHeader(&s.w, n)
	} else {
		resp.AppendArrayHeader(&s.w, 2*n)
	}
}

// shutdownTimeout bounds the graceful shutdown: connections still open
// after it are aborted.
const shutdownTimeout = 5 * time.Second

// factory returns the transport named transport: "auto" (the platform's
// default, netpoll on Linux) or "socket" (the standard library's sockets).
func factory(transport string) (conn.Factory, string, error) {
	switch transport {
	case "auto":
		return auto.Factory(), auto.Name, nil
	case "socket":
		return &socket.Factory{}, "socket", nil
	}
	return nil, "", fmt.Errorf("redisserver: unknown transport %q (want auto or socket)", transport)
}

// run serves Redis clients on addr over transport until ctx is done, then
// shuts down gracefully: it stops accepting, lets every connection finish
// the command it is running, and aborts the connections still open after
// shutdownTimeout. ready, if not nil, is called with the address listened
// on once the server accepts connections.
func run(ctx context.Context, addr, transport string, logger *slog.Logger, ready func(net.Addr)) error {
	f, name, err := factory(transport)
	if err != nil {
		return err
	}
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return fmt.Errorf("redisserver: address %q: %w", addr, err)
	}
	l, err := f.Bind(ctx, tcp, conn.Properties{})
	if err != nil {
		return err
	}
	srv := &conn.Server{NewInput: NewHandler(newStore(), logger).NewInput, Logger: logger}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	logger.Info("redisserver: listening", "addr", l.Addr().String(), "transport", name)
	if ready != nil {
		ready(l.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("redisserver: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-served
	return err
}
