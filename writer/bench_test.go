package writer_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"testing"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/writer"
)

// The record benchmarks encode b.N records of a Uint32BE, a Uvarint (two
// bytes) and a 16-byte string, flushing every 4 KiB, side by side:
//
//	go test -run '^$' -bench Records -benchmem -count 6 ./writer/ | benchstat -col /impl -
//
// cursor-pipe writes with a writer.Cursor into a pipe.Pipe whose flushes the
// same goroutine reads and consumes (TryRead, AdvanceTo); cursor-toio writes
// with a Cursor into writer.ToIO(io.Discard); append uses the encoding/binary
// Append functions and append on a flat []byte, written to io.Discard and
// reset every 4 KiB; bufio makes the same appends into
// bufio.Writer.AvailableBuffer over io.Discard (4 KiB buffer), the idiomatic
// copy-free use of bufio.
const (
	recordSize  = 4 + 2 + 16
	flushEvery  = 4 << 10
	recordVbase = 300 // Uvarints 300..555: two bytes each
)

// recordKey is a variable, as a key in a real record would be: appending a
// constant string lets the compiler inline the copy, which no encoder of
// real data gets.
var recordKey = "0123456789abcdef"

func BenchmarkRecords(b *testing.B) {
	b.Run("impl=cursor-pipe", func(b *testing.B) {
		p := pipe.New(pipe.Options{})
		w, r := p.Writer(), p.Reader()
		benchCursor(b, w, func() {
			res, ok, err := r.TryRead()
			if !ok || err != nil {
				b.Fatal("nothing flushed")
			}
			r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		})
	})
	b.Run("impl=cursor-toio", func(b *testing.B) {
		benchCursor(b, writer.ToIO(io.Discard, writer.Options{}), func() {})
	})
	b.Run("impl=append", func(b *testing.B) {
		buf := make([]byte, 0, flushEvery+recordSize)
		b.SetBytes(int64(recordSize))
		b.ReportAllocs()
		for i := range b.N {
			buf = binary.BigEndian.AppendUint32(buf, uint32(i))
			buf = binary.AppendUvarint(buf, uint64(recordVbase+i&0xff))
			buf = append(buf, recordKey...)
			if len(buf) >= flushEvery {
				io.Discard.Write(buf)
				buf = buf[:0]
			}
		}
	})
	b.Run("impl=bufio", func(b *testing.B) {
		bw := bufio.NewWriterSize(io.Discard, flushEvery)
		b.SetBytes(int64(recordSize))
		b.ReportAllocs()
		for i := range b.N {
			buf := bw.AvailableBuffer()
			buf = binary.BigEndian.AppendUint32(buf, uint32(i))
			buf = binary.AppendUvarint(buf, uint64(recordVbase+i&0xff))
			buf = append(buf, recordKey...)
			bw.Write(buf)
		}
		bw.Flush()
	})
}

// benchCursor writes the records with a Cursor into w, committing and
// flushing every 4 KiB and then calling consume.
func benchCursor(b *testing.B, w pipe.Writer, consume func()) {
	ctx := context.Background()
	c := writer.NewCursor(w)
	b.SetBytes(int64(recordSize))
	b.ReportAllocs()
	pending := 0
	for i := range b.N {
		c.WriteUint32BE(uint32(i))
		c.WriteUvarint(uint64(recordVbase + i&0xff))
		c.WriteString(recordKey)
		if pending += recordSize; pending >= flushEvery {
			c.Commit()
			if _, err := w.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			consume()
			pending = 0
		}
	}
	c.Commit()
	w.Flush(ctx)
}
