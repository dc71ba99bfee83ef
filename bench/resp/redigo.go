package resp

import (
	"errors"
	"fmt"

	redigo "github.com/gomodule/redigo/redis"
)

// redigoReader reads the stream with Receive of a redigo connection made
// by redis.NewConn over a replayConn rewound before each pass.
type redigoReader struct {
	s  *Stream
	nc *replayConn
	c  redigo.Conn
}

func openRedigo(s *Stream) (Reader, error) {
	nc := newReplayConn(s.Bytes)
	return &redigoReader{s: s, nc: nc, c: redigo.NewConn(nc, 0, 0)}, nil
}

// each calls f with each reply: a top-level error reply comes as err, the
// others as v.
func (r *redigoReader) each(f func(v any, err redigo.Error)) error {
	if err := r.nc.rewind(); err != nil {
		return err
	}
	for range r.s.Replies {
		v, err := r.c.Receive()
		var rerr redigo.Error
		if err != nil && !errors.As(err, &rerr) {
			return fmt.Errorf("redigo: %w", err)
		}
		f(v, rerr)
	}
	return nil
}

func (r *redigoReader) Digest() (Digest, error) {
	var d Digest
	err := r.each(func(v any, rerr redigo.Error) {
		if rerr != "" {
			d.Error(len(rerr))
		} else {
			digestRedigo(&d, v)
		}
		d.Reply()
	})
	return d, err
}

func digestRedigo(d *Digest, v any) {
	switch v := v.(type) {
	case nil:
		d.Nil()
	case string:
		d.String(len(v), firstByte(v))
	case []byte:
		var first byte
		if len(v) > 0 {
			first = v[0]
		}
		d.String(len(v), first)
	case redigo.Error:
		d.Error(len(v))
	case int64:
		d.Int(v)
	case []any:
		d.Array(len(v))
		for _, e := range v {
			digestRedigo(d, e)
		}
	default:
		panic(fmt.Sprintf("redigo: unexpected %T", v))
	}
}

func (r *redigoReader) Render() ([]string, error) {
	var out []string
	err := r.each(func(v any, rerr redigo.Error) {
		var rd renderer
		if rerr != "" {
			rd.err(string(rerr))
		} else {
			renderAny(&rd, v)
		}
		out = append(out, rd.String())
	})
	return out, err
}

// renderAny renders the values of redigo and go-redis: nil, strings,
// []byte, errors, int64 and slices of those.
func renderAny(r *renderer, v any) {
	switch v := v.(type) {
	case nil:
		r.null()
	case string:
		r.str(v)
	case []byte:
		r.str(string(v))
	case error:
		r.err(v.Error())
	case int64:
		r.int(v)
	case []any:
		r.open()
		for i, e := range v {
			r.sep(i)
			renderAny(r, e)
		}
		r.close()
	default:
		panic(fmt.Sprintf("unexpected %T", v))
	}
}

func (r *redigoReader) Close() error { return r.c.Close() }
