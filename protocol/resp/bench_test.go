package resp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// benchInputs are the replies of BenchmarkParse, each parsed on its own.
var benchInputs = []struct{ name, in string }{
	{"simple", "+OK\r\n"},
	{"int", ":1234567\r\n"},
	{"bulk16", "$16\r\n0123456789abcdef\r\n"},
	{"bulk1k", "$1024\r\n" + strings.Repeat("x", 1024) + "\r\n"},
	{"mget10", "*10\r\n" + strings.Repeat("$8\r\nvalue:42\r\n", 9) + "$-1\r\n"},
	{"lrange100", "*100\r\n" + strings.Repeat("$12\r\nlist-element\r\n", 100)},
	{"nested", "*2\r\n$4\r\n1234\r\n*3\r\n*2\r\n$2\r\nid\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n:1\r\n-ERR x\r\n"},
}

// BenchmarkParse parses one value and walks its elements, from one
// segment (seg=1) and from segments of 7 bytes (seg=7), the slow path.
//
//	go test -run '^$' -bench Parse -benchmem -count 6 ./protocol/resp/ | benchstat -col /seg -
func BenchmarkParse(b *testing.B) {
	for _, in := range benchInputs {
		data := []byte(in.in)
		for _, split := range []int{0, 7} {
			buf := pipe.SequenceOf(data)
			name := "value=" + in.name + "/seg=1"
			if split > 0 {
				var parts [][]byte
				for i := 0; i < len(data); i += split {
					parts = append(parts, data[i:min(i+split, len(data))])
				}
				buf = pipe.SequenceOf(parts...)
				name = "value=" + in.name + "/seg=7"
			}
			b.Run(name, func(b *testing.B) {
				var c resp.Codec
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for range b.N {
					v, _, _, err := c.Parse(buf)
					if err != nil {
						b.Fatal(err)
					}
					walk(v)
				}
			})
		}
	}
}

// walk visits the elements of v, recursively, and returns how many values
// it saw.
func walk(v resp.Value) int {
	n := 1
	for it := v.Elements(); ; {
		e, ok := it.Next()
		if !ok {
			return n
		}
		n += walk(e)
	}
}

// BenchmarkIncomplete parses an array of 1000 bulks of which the last
// byte is missing, in one segment and in segments of 4 KiB: the cost of a
// Parse that finds no whole value, which a protocol.Reader pays again on
// each read until the value is whole.
func BenchmarkIncomplete(b *testing.B) {
	data := []byte("*1000\r\n" + strings.Repeat("$12\r\nlist-element\r\n", 1000))
	data = data[:len(data)-1]
	var parts [][]byte
	for i := 0; i < len(data); i += 4096 {
		parts = append(parts, data[i:min(i+4096, len(data))])
	}
	for _, split := range []struct {
		name string
		buf  pipe.Sequence
	}{{"seg=1", pipe.SequenceOf(data)}, {"seg=4k", pipe.SequenceOf(parts...)}} {
		b.Run("value=lrange1000/"+split.name, func(b *testing.B) {
			var c resp.Codec
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for range b.N {
				if _, _, _, err := c.Parse(split.buf); err == nil {
					b.Fatal("parsed an incomplete value")
				}
			}
		})
	}
}

// BenchmarkDecoder is BenchmarkParse with a Decoder: the same cost for
// values that are whole in the buffer.
//
//	go test -run '^$' -bench 'Parse$|Decoder$' -benchmem -count 6 ./protocol/resp/ > out
//	benchstat -col .name -row /value,/seg out
func BenchmarkDecoder(b *testing.B) {
	for _, in := range benchInputs {
		data := []byte(in.in)
		var parts [][]byte
		for i := 0; i < len(data); i += 7 {
			parts = append(parts, data[i:min(i+7, len(data))])
		}
		for _, split := range []struct {
			name string
			buf  pipe.Sequence
		}{{"seg=1", pipe.SequenceOf(data)}, {"seg=7", pipe.SequenceOf(parts...)}} {
			b.Run("value="+in.name+"/"+split.name, func(b *testing.B) {
				d := resp.NewDecoder(resp.Codec{})
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for range b.N {
					v, _, _, err := d.Parse(split.buf)
					if err != nil {
						b.Fatal(err)
					}
					walk(v)
				}
			})
		}
	}
}

// BenchmarkTrickled reads an array of 20,000 bulks (380 KB) that arrives
// in reads of 4 KiB through a protocol.Reader, with Codec, which parses
// the value again on each of the 93 reads, and with a Decoder, which
// resumes where it stopped.
func BenchmarkTrickled(b *testing.B) {
	data := []byte("*20000\r\n" + strings.Repeat("$12\r\nlist-element\r\n", 20000))
	for _, parser := range []struct {
		name string
		new  func() protocol.MessageReader[resp.Value]
	}{
		{"codec", func() protocol.MessageReader[resp.Value] { return resp.Codec{} }},
		{"decoder", func() protocol.MessageReader[resp.Value] { return resp.NewDecoder(resp.Codec{}) }},
	} {
		b.Run("value=lrange20k/read=4k/parser="+parser.name, func(b *testing.B) {
			p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
			r := protocol.NewReader(p.Reader(), parser.new(), protocol.ReaderOptions{})
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for range b.N {
				for i := 0; ; i += 4096 {
					p.Writer().Write(data[i:min(i+4096, len(data))])
					if _, err := p.Writer().Flush(ctx); err != nil {
						b.Fatal(err)
					}
					v, ok, err := r.TryRead()
					if err != nil {
						b.Fatal(err)
					}
					if ok {
						if v.Len != 20000 || i+4096 < len(data) {
							b.Fatal("wrong value")
						}
						r.Advance()
						break
					}
				}
			}
		})
	}
}
