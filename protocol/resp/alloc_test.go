//go:build !race

// Allocation counts of pooled code are only meaningful without the race
// detector.

package resp_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
	"github.com/f2bac256/bedrock/writer"
)

// Parse allocates nothing, for every example, a mixed pipelined reply cut
// into small segments, and incomplete input; nor does iterating over the
// elements of nested aggregates.
func TestParseAllocatesNothing(t *testing.T) {
	data, _ := allExamples()
	var parts [][]byte
	for i := 0; i < len(data); i += 7 {
		parts = append(parts, data[i:min(i+7, len(data))])
	}
	bufs := []pipe.Sequence{pipe.SequenceOf(data), pipe.SequenceOf(parts...), pipe.SequenceOf(data[:len(data)-3])}
	codec := resp.Codec{Inline: true}
	for _, buf := range bufs {
		assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
			for b := buf; !b.IsEmpty(); {
				_, consumed, _, err := codec.Parse(b)
				if err != nil {
					return
				}
				b = b.SliceFrom(consumed)
			}
		}))
	}
	var walk func(v resp.Value) int
	walk = func(v resp.Value) int {
		n := 1
		for it := v.Elements(); ; {
			e, ok := it.Next()
			if !ok {
				return n
			}
			n += walk(e)
		}
	}
	for _, buf := range bufs[:2] {
		assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
			for b := buf; !b.IsEmpty(); {
				v, consumed, _, err := codec.Parse(b)
				if err != nil {
					return
				}
				walk(v)
				b = b.SliceFrom(consumed)
			}
		}))
	}
	inline := pipe.SequenceOf([]byte("SET key value\r\n"))
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		v, _, _, _ := codec.Parse(inline)
		walk(v)
	}))
}

// The Append functions, Command and Codec.WriteMessage allocate nothing.
func TestWriteAllocatesNothing(t *testing.T) {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	args := [][]byte{[]byte("SET"), []byte("key"), []byte("value")}
	reply, _, _, err := resp.Codec{}.Parse(pipe.SequenceOf([]byte("%2\r\n+first\r\n:1\r\n+second\r\n,2.5\r\n")))
	assert.NoError(t, err)
	bulk := []byte("bulk")
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, func() {
		resp.AppendSimple(&w, "OK")
		resp.AppendError(&w, "ERR no\r\n")
		resp.AppendInt(&w, -1234567)
		resp.AppendBulk(&w, bulk)
		resp.AppendBulkString(&w, "string")
		resp.AppendBulkError(&w, "SYNTAX error")
		resp.AppendVerbatim(&w, "txt", "verbatim")
		resp.AppendNull(&w)
		resp.AppendNullArray(&w)
		resp.AppendNull3(&w)
		resp.AppendBool(&w, true)
		resp.AppendDouble(&w, 3.14159)
		resp.AppendDouble(&w, math.Inf(1))
		resp.AppendBigNumber(&w, "123456789012345678901234567890")
		resp.AppendArrayHeader(&w, 2)
		resp.AppendMapHeader(&w, 1)
		resp.AppendSetHeader(&w, 1)
		resp.AppendPushHeader(&w, 1)
		resp.AppendAttributeHeader(&w, 1)
		if err := (resp.Command{}).WriteMessage(args, &w); err != nil {
			panic(err)
		}
		if err := (resp.Codec{}).WriteMessage(reply, &w); err != nil {
			panic(err)
		}
		w.Commit()
		if _, err := p.Writer().Flush(context.Background()); err != nil {
			panic(err)
		}
		res, ok, err := p.Reader().TryRead()
		if !ok || err != nil {
			panic("read back")
		}
		p.Reader().Consume(res.Buffer.End())
	}))
}

// Commands written with protocol.Writer and read back with protocol.Reader,
// elements iterated: nothing allocated in the steady state.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w := protocol.NewWriter[[][]byte](p.Writer(), resp.Command{})
	r := protocol.NewReader[resp.Value](p.Reader(), resp.Codec{}, protocol.ReaderOptions{})
	ctx := context.Background()
	msgs := [][][]byte{{[]byte("GET"), []byte("key")}, {[]byte("SET"), []byte("key"), []byte("value")}}
	cycle := func() {
		if err := w.WriteMany(ctx, msgs...); err != nil {
			panic(err)
		}
		for _, want := range msgs {
			v, err := r.Read(ctx)
			if err != nil || v.Len != int64(len(want)) {
				panic("read back")
			}
			for it := v.Elements(); it.Remaining() > 0; {
				if e, _ := it.Next(); e.Kind != resp.BulkString {
					panic("element")
				}
			}
			r.Advance()
		}
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}
