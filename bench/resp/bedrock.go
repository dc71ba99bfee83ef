package resp

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// ChunkSize is the size of the writes that feed bedrock's pipe, and so of
// its segments: the reads of a connection.
const ChunkSize = 16 << 10

// bedrockReader copies the stream into a pipe in ChunkSize writes, as a
// connection's reads fill it, and reads the replies back with a
// protocol.Reader and resp.Codec, walking each array's elements.
type bedrockReader struct {
	s   *Stream
	p   *pipe.Pipe
	r   *protocol.Reader[resp.Value]
	ctx context.Context
}

func openBedrock(s *Stream) (Reader, error) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	r := protocol.NewReader(p.Reader(), resp.Codec{}, protocol.ReaderOptions{})
	return &bedrockReader{s: s, p: p, r: r, ctx: context.Background()}, nil
}

// feed writes the stream into the pipe.
func (b *bedrockReader) feed() error {
	w := b.p.Writer()
	for data := b.s.Bytes; len(data) > 0; {
		n := min(len(data), ChunkSize)
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	_, err := w.Flush(b.ctx)
	return err
}

// each feeds the stream and calls f with each reply.
func (b *bedrockReader) each(f func(v resp.Value)) error {
	if err := b.feed(); err != nil {
		return err
	}
	for range b.s.Replies {
		v, err := b.r.Read(b.ctx)
		if err != nil {
			return fmt.Errorf("bedrock: %w", err)
		}
		f(v)
		b.r.Advance()
	}
	if n := b.p.Buffered(); n != 0 {
		return fmt.Errorf("bedrock: %d bytes left after the replies", n)
	}
	return nil
}

func (b *bedrockReader) Digest() (Digest, error) {
	var d Digest
	err := b.each(func(v resp.Value) {
		digestBedrock(&d, v)
		d.Reply()
	})
	return d, err
}

func digestBedrock(d *Digest, v resp.Value) {
	switch v.Kind {
	case resp.SimpleString, resp.BulkString:
		if v.Null {
			d.Nil()
			return
		}
		var first byte
		if b := v.Data.First(); len(b) > 0 {
			first = b[0]
		}
		d.String(int(v.Data.Len()), first)
	case resp.Error:
		d.Error(int(v.Data.Len()))
	case resp.Integer:
		d.Int(v.Int)
	case resp.Array:
		if v.Null {
			d.Nil()
			return
		}
		d.Array(int(v.Len))
		v.Each(func(e resp.Value) bool {
			digestBedrock(d, e)
			return true
		})
	default:
		panic("bedrock: unexpected " + v.Kind.String())
	}
}

func (b *bedrockReader) Render() ([]string, error) {
	var out []string
	err := b.each(func(v resp.Value) {
		var r renderer
		renderBedrock(&r, v)
		out = append(out, r.String())
	})
	return out, err
}

func renderBedrock(r *renderer, v resp.Value) {
	switch {
	case v.Null:
		r.null()
	case v.Kind == resp.SimpleString || v.Kind == resp.BulkString:
		r.str(v.Data.String())
	case v.Kind == resp.Error:
		r.err(v.Data.String())
	case v.Kind == resp.Integer:
		r.int(v.Int)
	default:
		r.open()
		i := 0
		v.Each(func(e resp.Value) bool {
			r.sep(i)
			i++
			renderBedrock(r, e)
			return true
		})
		r.close()
	}
}

func (b *bedrockReader) Close() error {
	b.p.Writer().Complete(nil)
	b.p.Reader().Complete(nil)
	return nil
}
