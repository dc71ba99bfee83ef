//go:build !race

// The race detector makes sync.Pool drop a random share of what is put
// back, so allocation counts of code that pools memory are only meaningful
// without it: these tests are built only without -race (CI runs both).

package writer_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
	"github.com/stretchr/testify/assert"
)

func TestCursorZeroAllocs(t *testing.T) {
	p := pipe.New(pipe.Options{})
	w := p.Writer()
	r := p.Reader()
	c := writer.NewCursor(w)
	ctx := context.Background()
	payload := []byte("0123456789abcdef")
	cycle := func() {
		for i := range 64 {
			c.WriteByte('*')
			c.WriteUint16BE(uint16(i))
			c.WriteUint16LE(uint16(i))
			c.WriteUint32BE(uint32(i))
			c.WriteUint32LE(uint32(i))
			c.WriteUint64BE(uint64(i))
			c.WriteUint64LE(uint64(i))
			c.WriteInt16BE(int16(-i))
			c.WriteInt16LE(int16(-i))
			c.WriteInt32BE(int32(-i))
			c.WriteInt32LE(int32(-i))
			c.WriteInt64BE(int64(-i))
			c.WriteInt64LE(int64(-i))
			c.WriteUvarint(uint64(i) << 40)
			c.WriteVarint(-int64(i) << 40)
			c.WriteInt(-int64(i) * 1e12)
			c.WriteUint(uint64(i) * 1e15)
			c.Write(payload)
			c.WriteString("hello\r\n")
			b := c.Buffer(8)
			c.Advance(copy(b, "buffered"))
		}
		c.Commit()
		w.Flush(ctx)
		res, _, _ := r.TryRead()
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
	cycle() // warm the pool
	assert.Equal(t, 0.0, testing.AllocsPerRun(200, cycle))

	// Reset and NewCursor are free too.
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		sinkCursor = writer.NewCursor(w)
		sinkCursor.Reset(w)
	}))
}

func TestToIOZeroAllocs(t *testing.T) {
	ctx := context.Background()
	msg := testkit.RandomBytes(6000, 16)
	cycle := func(w pipe.Writer) func() {
		return func() {
			b := w.Buffer(100)
			w.Advance(copy(b, msg[:100]))
			w.Write(msg) // spans segments: a gathered write or a writev
			if _, err := w.Flush(ctx); err != nil {
				panic(err)
			}
		}
	}

	t.Run("io.Writer", func(t *testing.T) {
		f := cycle(writer.ToIO(io.Discard, writer.Options{}))
		f()
		assert.Equal(t, 0.0, testing.AllocsPerRun(1000, f))
	})
	t.Run("tcp", func(t *testing.T) {
		client, server := testkit.TCPPair(t)
		go io.Copy(io.Discard, server)
		f := cycle(writer.ToIO(client, writer.Options{}))
		f()
		assert.Equal(t, 0.0, testing.AllocsPerRun(1000, f))
	})
}

func TestStreamZeroAllocs(t *testing.T) {
	p := pipe.New(pipe.Options{})
	r := p.Reader()
	s := writer.Stream(p.Writer())
	msg := []byte("0123456789")
	src := &bytes.Reader{}
	var reads int64
	f := func() {
		s.Write(msg)
		s.(io.StringWriter).WriteString("abc")
		src.Reset(msg)
		s.(io.ReaderFrom).ReadFrom(src)
		res, _, _ := r.TryRead()
		reads += res.Buffer.Len()
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
	f()
	reads = 0
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, f))
	assert.Equal(t, int64(23*1001), reads, "AllocsPerRun runs f once more to warm up")
}

// A cancelable context, the same for every Flush as a server's connection
// context is, costs nothing per Flush.
func TestToIOCancelableContextAllocatesNothing(t *testing.T) {
	client, server := testkit.TCPPair(t)
	go io.Copy(io.Discard, server)
	w := writer.ToIO(client, writer.Options{})
	defer w.Complete(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msg := make([]byte, 100)
	cycle := func() {
		w.Write(msg)
		if _, err := w.Flush(ctx); err != nil {
			panic(err)
		}
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(200, cycle))
}
