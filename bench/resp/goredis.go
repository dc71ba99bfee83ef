package resp

import (
	"context"
	"errors"
	"fmt"
	"net"

	goredis "github.com/redis/go-redis/v9"
)

// goredisReader reads the stream as the replies of a go-redis pipeline of
// generic commands (Cmd, whose reply is any value), one per reply, the
// Cmds made once and queued again before each Exec. The client's Dialer
// returns a replayConn, which answers the connection's handshake and then
// replays the stream after each batch of commands written (and discards
// them).
type goredisReader struct {
	s      *Stream
	client *goredis.Client
	pipe   goredis.Pipeliner
	cmds   []*goredis.Cmd
	ctx    context.Context
}

func openGoRedis(s *Stream) (Reader, error) {
	ctx := context.Background()
	client := goredis.NewClient(&goredis.Options{
		Addr: "replay",
		Dialer: func(context.Context, string, string) (net.Conn, error) {
			nc := newReplayConn(s.Bytes)
			nc.handshake = true
			return nc, nil
		},
		Protocol:        2,
		DisableIdentity: true,
		PoolSize:        1,
		MaxRetries:      -1,
		ReadTimeout:     -2, // no deadlines
		WriteTimeout:    -2,
	})
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("goredis: handshake: %w", err)
	}
	cmds := make([]*goredis.Cmd, s.Replies)
	for i := range cmds {
		cmds[i] = goredis.NewCmd(ctx, replayCommand, "key")
	}
	return &goredisReader{s: s, client: client, pipe: client.Pipeline(), cmds: cmds, ctx: ctx}, nil
}

// exec runs the pipeline: its replies are the stream.
func (r *goredisReader) exec() error {
	for _, c := range r.cmds {
		if err := r.pipe.Process(r.ctx, c); err != nil {
			return fmt.Errorf("goredis: %w", err)
		}
	}
	_, err := r.pipe.Exec(r.ctx)
	var rerr goredis.Error
	if err != nil && !errors.As(err, &rerr) {
		return fmt.Errorf("goredis: %w", err)
	}
	return nil
}

// cmdReply returns the reply of c: an error reply as err, nil for a null.
func cmdReply(c *goredis.Cmd) (v any, err error) {
	switch err := c.Err(); {
	case err == nil:
		return c.Val(), nil
	case errors.Is(err, goredis.Nil):
		return nil, nil
	default:
		return nil, err
	}
}

func (r *goredisReader) Digest() (Digest, error) {
	var d Digest
	if err := r.exec(); err != nil {
		return d, err
	}
	for _, c := range r.cmds {
		v, err := cmdReply(c)
		if err != nil {
			d.Error(len(err.Error()))
		} else {
			digestGoRedis(&d, v)
		}
		d.Reply()
	}
	return d, nil
}

func digestGoRedis(d *Digest, v any) {
	switch v := v.(type) {
	case nil:
		d.Nil()
	case string:
		d.String(len(v), firstByte(v))
	case error:
		d.Error(len(v.Error()))
	case int64:
		d.Int(v)
	case []any:
		d.Array(len(v))
		for _, e := range v {
			digestGoRedis(d, e)
		}
	default:
		panic(fmt.Sprintf("goredis: unexpected %T", v))
	}
}

func (r *goredisReader) Render() ([]string, error) {
	if err := r.exec(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(r.cmds))
	for _, c := range r.cmds {
		var rd renderer
		if v, err := cmdReply(c); err != nil {
			rd.err(err.Error())
		} else {
			renderAny(&rd, v)
		}
		out = append(out, rd.String())
	}
	return out, nil
}

func (r *goredisReader) Close() error { return r.client.Close() }
