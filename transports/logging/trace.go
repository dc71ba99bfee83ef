package logging

import (
	"context"
	"encoding/hex"
	"log/slog"

	"github.com/f2bac256/bedrock/conn"
)

// traceRead and traceWrite are the hooks of Trace: they count the bytes
// of each read and write, and log it at Debug.
func (c *connection) traceRead(b conn.Chunk, err error) {
	c.read.Add(int64(b.Len()))
	c.trace("read", b, err)
}

func (c *connection) traceWrite(b conn.Chunk, err error) {
	c.written.Add(int64(b.Len()))
	c.trace("write", b, err)
}

// trace logs one read or write of b, if the logger is enabled for Debug.
func (c *connection) trace(msg string, b conn.Chunk, err error) {
	logger := c.log.get()
	if !logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("side", c.side.String()), slog.Any("remote", c.lower.RemoteAddr()), slog.Int("n", b.Len()))
	if max := c.log.opts.TraceBytes; max > 0 && b.Len() > 0 {
		var data []byte
		for part := range b.Slice(0, min(b.Len(), max)).All() {
			data = hex.AppendEncode(data, part)
		}
		attrs = append(attrs, slog.String("data", string(data)))
	}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	logger.LogAttrs(context.Background(), slog.LevelDebug, msg, attrs...)
}
