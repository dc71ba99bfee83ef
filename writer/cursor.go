package writer

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"

	"github.com/f2bac256/bedrock/pipe"
)

// maxChunk caps the size hint Write passes to the pipe.Writer when it needs
// more memory for a long slice: the largest pooled segment.
const maxChunk = 4 << 20

// Cursor writes bytes, strings and integers straight into the memory of a
// pipe.Writer: what it writes lands in the writer's pooled memory with no
// intermediate buffer. It is the counterpart of .NET's BufferWriter.
//
// A Cursor holds the memory of the last pipe.Writer.Buffer call and counts
// the bytes written into it; Commit hands them to the pipe.Writer with
// Advance. Bytes become visible to a reader only after Commit and then the
// pipe.Writer's Flush:
//
//	c := writer.NewCursor(w)
//	c.WriteByte(':')
//	c.WriteInt(123)
//	c.WriteString("\r\n")
//	c.Commit()
//	w.Flush(ctx)
//
// Fixed-size values (the integers, varints and decimals) never straddle two
// pieces of memory: when the current one has too little room left, the
// Cursor commits and asks the pipe.Writer for Buffer(size of the value),
// leaving the rest unused. Write and WriteString fill the current memory,
// commit and ask for more, so a long slice spans segments. Since the Cursor
// commits whenever it moves to new memory, Buffered counts the bytes since
// the last move; Buffered plus the pipe.Writer's UnflushedBytes is everything
// written since the last Flush.
//
// Cursor is a small value type; create it with NewCursor (the zero value has
// no writer until Reset gives it one). Its methods allocate nothing
// themselves. The error results of Write, WriteByte and WriteString are
// always nil: they exist so that a *Cursor is an io.Writer, io.ByteWriter and
// io.StringWriter. While a Cursor holds uncommitted bytes, the pipe.Writer
// must not be used directly (Commit first); a Cursor must not be used by
// several goroutines at once.
type Cursor struct {
	w   pipe.Writer
	buf []byte // memory from w.Buffer, capped at its length
	n   int    // buf[:n] is written and not committed
}

// The fast paths of the write methods are small enough to be inlined: they
// write into buf and call a slow path, without arguments where possible,
// only when it has too little room. Only an int is stored per write, so no
// write barrier is involved.

// NewCursor returns a Cursor that writes into w.
func NewCursor(w pipe.Writer) Cursor { return Cursor{w: w} }

// Reset makes c write into w. Bytes written and not committed are dropped
// (they were never handed to the old writer).
func (c *Cursor) Reset(w pipe.Writer) { *c = Cursor{w: w} }

// Buffered returns the number of bytes written and not yet committed.
func (c *Cursor) Buffered() int { return c.n }

// Commit advances the pipe.Writer by the bytes written since the last
// Commit. The Cursor stays usable: the next write asks the pipe.Writer for
// memory again.
func (c *Cursor) Commit() {
	if c.n > 0 {
		c.w.Advance(c.n)
	}
	c.buf, c.n = nil, 0
}

// reserve commits what was written and takes fresh memory of at least size
// bytes from the pipe.Writer.
func (c *Cursor) reserve(size int) {
	c.Commit()
	b := c.w.Buffer(size)
	if len(b) < max(size, 1) {
		panic(fmt.Sprintf("writer: pipe.Writer.Buffer(%d) returned %d bytes", size, len(b)))
	}
	// Never write past the memory the pipe.Writer handed out.
	c.buf = b[:len(b):len(b)]
}

// The slow paths of the fixed-size writes, without arguments so that the
// fast paths stay inlinable.

//go:noinline
func (c *Cursor) grow1() { c.reserve(1) }

//go:noinline
func (c *Cursor) grow2() { c.reserve(2) }

//go:noinline
func (c *Cursor) grow4() { c.reserve(4) }

//go:noinline
func (c *Cursor) grow8() { c.reserve(8) }

// Buffer returns at least n writable bytes (at least one) at the cursor, in
// the pipe.Writer's memory: write into it, then call Advance with the number
// of bytes written. Like pipe.Writer.Buffer, the memory is valid until the
// next call on c.
func (c *Cursor) Buffer(n int) []byte {
	if len(c.buf)-c.n < max(n, 1) || n < 0 {
		if n < 0 {
			panic("writer: Cursor.Buffer with a negative size")
		}
		c.reserve(n)
	}
	return c.buf[c.n:]
}

// Advance records that n bytes were written into the memory from Buffer.
// It panics if n is negative or more than that memory holds.
func (c *Cursor) Advance(n int) {
	if uint(n) > uint(len(c.buf)-c.n) {
		advancePanic(n)
	}
	c.n += n
}

func advancePanic(n int) {
	panic(fmt.Sprintf("writer: Cursor.Advance(%d) past the end of the memory returned by Buffer", n))
}

// Write copies p at the cursor, spanning as many segments as it needs. It
// implements io.Writer; the error is always nil.
func (c *Cursor) Write(p []byte) (int, error) {
	if len(p) <= len(c.buf)-c.n {
		c.n += copy(c.buf[c.n:], p)
	} else {
		c.writeSlow(p)
	}
	return len(p), nil
}

func (c *Cursor) writeSlow(p []byte) {
	for {
		m := copy(c.buf[c.n:], p)
		c.n += m
		p = p[m:]
		if len(p) == 0 {
			return
		}
		c.reserve(min(len(p), maxChunk))
	}
}

// WriteString copies s at the cursor, spanning as many segments as it
// needs. It implements io.StringWriter; the error is always nil.
func (c *Cursor) WriteString(s string) (int, error) {
	if len(s) <= len(c.buf)-c.n {
		c.n += copy(c.buf[c.n:], s)
	} else {
		c.writeStringSlow(s)
	}
	return len(s), nil
}

func (c *Cursor) writeStringSlow(s string) {
	for {
		m := copy(c.buf[c.n:], s)
		c.n += m
		s = s[m:]
		if len(s) == 0 {
			return
		}
		c.reserve(min(len(s), maxChunk))
	}
}

// WriteByte writes one byte. It implements io.ByteWriter; the error is
// always nil.
func (c *Cursor) WriteByte(b byte) error {
	if c.n >= len(c.buf) {
		c.grow1()
	}
	c.buf[c.n] = b
	c.n++
	return nil
}

// WriteUint16BE writes v in big-endian order (2 bytes).
func (c *Cursor) WriteUint16BE(v uint16) {
	if len(c.buf)-c.n < 2 {
		c.grow2()
	}
	binary.BigEndian.PutUint16(c.buf[c.n:], v)
	c.n += 2
}

// WriteUint16LE writes v in little-endian order (2 bytes).
func (c *Cursor) WriteUint16LE(v uint16) {
	if len(c.buf)-c.n < 2 {
		c.grow2()
	}
	binary.LittleEndian.PutUint16(c.buf[c.n:], v)
	c.n += 2
}

// WriteUint32BE writes v in big-endian order (4 bytes).
func (c *Cursor) WriteUint32BE(v uint32) {
	if len(c.buf)-c.n < 4 {
		c.grow4()
	}
	binary.BigEndian.PutUint32(c.buf[c.n:], v)
	c.n += 4
}

// WriteUint32LE writes v in little-endian order (4 bytes).
func (c *Cursor) WriteUint32LE(v uint32) {
	if len(c.buf)-c.n < 4 {
		c.grow4()
	}
	binary.LittleEndian.PutUint32(c.buf[c.n:], v)
	c.n += 4
}

// WriteUint64BE writes v in big-endian order (8 bytes).
func (c *Cursor) WriteUint64BE(v uint64) {
	if len(c.buf)-c.n < 8 {
		c.grow8()
	}
	binary.BigEndian.PutUint64(c.buf[c.n:], v)
	c.n += 8
}

// WriteUint64LE writes v in little-endian order (8 bytes).
func (c *Cursor) WriteUint64LE(v uint64) {
	if len(c.buf)-c.n < 8 {
		c.grow8()
	}
	binary.LittleEndian.PutUint64(c.buf[c.n:], v)
	c.n += 8
}

// WriteInt16BE writes v in two's complement, big-endian order (2 bytes).
func (c *Cursor) WriteInt16BE(v int16) {
	if len(c.buf)-c.n < 2 {
		c.grow2()
	}
	binary.BigEndian.PutUint16(c.buf[c.n:], uint16(v))
	c.n += 2
}

// WriteInt16LE writes v in two's complement, little-endian order (2 bytes).
func (c *Cursor) WriteInt16LE(v int16) {
	if len(c.buf)-c.n < 2 {
		c.grow2()
	}
	binary.LittleEndian.PutUint16(c.buf[c.n:], uint16(v))
	c.n += 2
}

// WriteInt32BE writes v in two's complement, big-endian order (4 bytes).
func (c *Cursor) WriteInt32BE(v int32) {
	if len(c.buf)-c.n < 4 {
		c.grow4()
	}
	binary.BigEndian.PutUint32(c.buf[c.n:], uint32(v))
	c.n += 4
}

// WriteInt32LE writes v in two's complement, little-endian order (4 bytes).
func (c *Cursor) WriteInt32LE(v int32) {
	if len(c.buf)-c.n < 4 {
		c.grow4()
	}
	binary.LittleEndian.PutUint32(c.buf[c.n:], uint32(v))
	c.n += 4
}

// WriteInt64BE writes v in two's complement, big-endian order (8 bytes).
func (c *Cursor) WriteInt64BE(v int64) {
	if len(c.buf)-c.n < 8 {
		c.grow8()
	}
	binary.BigEndian.PutUint64(c.buf[c.n:], uint64(v))
	c.n += 8
}

// WriteInt64LE writes v in two's complement, little-endian order (8 bytes).
func (c *Cursor) WriteInt64LE(v int64) {
	if len(c.buf)-c.n < 8 {
		c.grow8()
	}
	binary.LittleEndian.PutUint64(c.buf[c.n:], uint64(v))
	c.n += 8
}

// WriteUvarint writes v as binary.AppendUvarint does (1 to 10 bytes).
func (c *Cursor) WriteUvarint(v uint64) {
	if len(c.buf)-c.n < binary.MaxVarintLen64 {
		c.uvarintRoom(v)
	}
	c.n += binary.PutUvarint(c.buf[c.n:], v)
}

// uvarintRoom makes room for the varint encoding of v.
func (c *Cursor) uvarintRoom(v uint64) {
	if need := (bits.Len64(v|1) + 6) / 7; len(c.buf)-c.n < need {
		c.reserve(need)
	}
}

// WriteVarint writes v as binary.AppendVarint does (zig-zag, 1 to 10
// bytes).
func (c *Cursor) WriteVarint(v int64) {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	c.WriteUvarint(u)
}

// maxDecimalLen is the longest decimal text of a 64-bit integer:
// "-9223372036854775808" and "18446744073709551615" are 20 bytes.
const maxDecimalLen = 20

// WriteInt writes v as decimal text, as strconv.AppendInt(dst, v, 10) does:
// the integer of a text protocol such as RESP's ":123\r\n".
func (c *Cursor) WriteInt(v int64) {
	if len(c.buf)-c.n < maxDecimalLen {
		var tmp [maxDecimalLen]byte
		c.writeSmall(strconv.AppendInt(tmp[:0], v, 10))
		return
	}
	c.n += len(strconv.AppendInt(c.buf[c.n:c.n], v, 10))
}

// WriteUint writes v as decimal text, as strconv.AppendUint(dst, v, 10)
// does.
func (c *Cursor) WriteUint(v uint64) {
	if len(c.buf)-c.n < maxDecimalLen {
		var tmp [maxDecimalLen]byte
		c.writeSmall(strconv.AppendUint(tmp[:0], v, 10))
		return
	}
	c.n += len(strconv.AppendUint(c.buf[c.n:c.n], v, 10))
}

// writeSmall writes b, a value that must not straddle two pieces of memory.
func (c *Cursor) writeSmall(b []byte) {
	if len(c.buf)-c.n < len(b) {
		c.reserve(len(b))
	}
	c.n += copy(c.buf[c.n:], b)
}
