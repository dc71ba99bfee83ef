package reader

import "encoding/binary"

// The fixed-size integer reads decode straight from the current segment
// when the value lies inside it and otherwise copy it into a small array
// (readSlow). Each returns false, consuming nothing, if too few bytes
// remain.

// readSlow reads n <= 8 bytes that may straddle segment edges.
func (c *Cursor) readSlow(n int) (buf [8]byte, ok bool) {
	if !c.CopyTo(buf[:n]) {
		return buf, false
	}
	c.skip(int64(n))
	return buf, true
}

// The slow paths are kept out of line so that the fast paths stay small.

//go:noinline
func (c *Cursor) readUint16Slow(bigEndian bool) (uint16, bool) {
	b, ok := c.readSlow(2)
	if bigEndian {
		return binary.BigEndian.Uint16(b[:]), ok
	}
	return binary.LittleEndian.Uint16(b[:]), ok
}

//go:noinline
func (c *Cursor) readUint32Slow(bigEndian bool) (uint32, bool) {
	b, ok := c.readSlow(4)
	if bigEndian {
		return binary.BigEndian.Uint32(b[:]), ok
	}
	return binary.LittleEndian.Uint32(b[:]), ok
}

//go:noinline
func (c *Cursor) readUint64Slow(bigEndian bool) (uint64, bool) {
	b, ok := c.readSlow(8)
	if bigEndian {
		return binary.BigEndian.Uint64(b[:]), ok
	}
	return binary.LittleEndian.Uint64(b[:]), ok
}

// ReadUint16BE reads a big-endian uint16. If fewer than 2 bytes remain
// it returns false and consumes nothing.
func (c *Cursor) ReadUint16BE() (uint16, bool) {
	if i := c.i; i+2 <= len(c.cur) {
		v := binary.BigEndian.Uint16(c.cur[i:])
		c.i = i + 2
		return v, true
	}
	return c.readUint16Slow(true)
}

// ReadUint16LE reads a little-endian uint16. If fewer than 2 bytes remain
// it returns false and consumes nothing.
func (c *Cursor) ReadUint16LE() (uint16, bool) {
	if i := c.i; i+2 <= len(c.cur) {
		v := binary.LittleEndian.Uint16(c.cur[i:])
		c.i = i + 2
		return v, true
	}
	return c.readUint16Slow(false)
}

// ReadUint32BE reads a big-endian uint32. If fewer than 4 bytes remain
// it returns false and consumes nothing.
func (c *Cursor) ReadUint32BE() (uint32, bool) {
	if i := c.i; i+4 <= len(c.cur) {
		v := binary.BigEndian.Uint32(c.cur[i:])
		c.i = i + 4
		return v, true
	}
	return c.readUint32Slow(true)
}

// ReadUint32LE reads a little-endian uint32. If fewer than 4 bytes remain
// it returns false and consumes nothing.
func (c *Cursor) ReadUint32LE() (uint32, bool) {
	if i := c.i; i+4 <= len(c.cur) {
		v := binary.LittleEndian.Uint32(c.cur[i:])
		c.i = i + 4
		return v, true
	}
	return c.readUint32Slow(false)
}

// ReadUint64BE reads a big-endian uint64. If fewer than 8 bytes remain
// it returns false and consumes nothing.
func (c *Cursor) ReadUint64BE() (uint64, bool) {
	if i := c.i; i+8 <= len(c.cur) {
		v := binary.BigEndian.Uint64(c.cur[i:])
		c.i = i + 8
		return v, true
	}
	return c.readUint64Slow(true)
}

// ReadUint64LE reads a little-endian uint64. If fewer than 8 bytes remain
// it returns false and consumes nothing.
func (c *Cursor) ReadUint64LE() (uint64, bool) {
	if i := c.i; i+8 <= len(c.cur) {
		v := binary.LittleEndian.Uint64(c.cur[i:])
		c.i = i + 8
		return v, true
	}
	return c.readUint64Slow(false)
}

// ReadInt16BE reads a big-endian int16 (two's complement). If fewer
// than 2 bytes remain it returns false and consumes nothing.
func (c *Cursor) ReadInt16BE() (int16, bool) {
	v, ok := c.ReadUint16BE()
	return int16(v), ok
}

// ReadInt16LE reads a little-endian int16 (two's complement). If fewer
// than 2 bytes remain it returns false and consumes nothing.
func (c *Cursor) ReadInt16LE() (int16, bool) {
	v, ok := c.ReadUint16LE()
	return int16(v), ok
}

// ReadInt32BE reads a big-endian int32 (two's complement). If fewer
// than 4 bytes remain it returns false and consumes nothing.
func (c *Cursor) ReadInt32BE() (int32, bool) {
	v, ok := c.ReadUint32BE()
	return int32(v), ok
}

// ReadInt32LE reads a little-endian int32 (two's complement). If fewer
// than 4 bytes remain it returns false and consumes nothing.
func (c *Cursor) ReadInt32LE() (int32, bool) {
	v, ok := c.ReadUint32LE()
	return int32(v), ok
}

// ReadInt64BE reads a big-endian int64 (two's complement). If fewer
// than 8 bytes remain it returns false and consumes nothing.
func (c *Cursor) ReadInt64BE() (int64, bool) {
	v, ok := c.ReadUint64BE()
	return int64(v), ok
}

// ReadInt64LE reads a little-endian int64 (two's complement). If fewer
// than 8 bytes remain it returns false and consumes nothing.
func (c *Cursor) ReadInt64LE() (int64, bool) {
	v, ok := c.ReadUint64LE()
	return int64(v), ok
}

// ReadUvarint reads an unsigned varint in the encoding/binary format (the
// format binary.PutUvarint writes). If the remaining bytes, possibly none,
// end before the varint does, it returns ErrIncomplete; if the varint does
// not fit in 64 bits it returns ErrOverflow. Either way nothing is consumed.
//
// Overflow is reported as soon as the first binary.MaxVarintLen64 bytes
// prove it, exactly as binary.ReadUvarint does; binary.Uvarint agrees,
// except that with exactly ten bytes that all have the continuation bit set
// it reports a short buffer where ReadUvarint reports ErrOverflow.
func (c *Cursor) ReadUvarint() (uint64, error) {
	// Decode in place while the bytes last in the current run.
	var x uint64
	var s uint
	for j, v := range c.cur[c.i:] {
		if j == binary.MaxVarintLen64-1 && v > 1 {
			return 0, ErrOverflow // continued, or more than the 64th bit
		}
		if v < 0x80 {
			c.i += j + 1
			return x | uint64(v)<<s, nil
		}
		x |= uint64(v&0x7f) << s
		s += 7
	}
	return c.readUvarintSlow()
}

// readUvarintSlow decodes a varint that reaches past the current run.
func (c *Cursor) readUvarintSlow() (uint64, error) {
	var buf [binary.MaxVarintLen64]byte
	m := min(int64(len(buf)), c.Remaining())
	c.CopyTo(buf[:m])
	x, n := cursorUvarint(buf[:m])
	switch {
	case n < 0:
		return 0, ErrOverflow
	case n == 0:
		return 0, ErrIncomplete
	}
	c.skip(int64(n))
	return x, nil
}

// cursorUvarint decodes a uvarint from the start of b: it returns the value
// and its length, 0 if b ends before the varint does, or -1 if the varint
// overflows 64 bits.
func cursorUvarint(b []byte) (uint64, int) {
	var x uint64
	var s uint
	for i, v := range b {
		if i == binary.MaxVarintLen64-1 && v > 1 {
			return 0, -1 // continued, or more than the 64th bit
		}
		if v < 0x80 {
			return x | uint64(v)<<s, i + 1
		}
		x |= uint64(v&0x7f) << s
		s += 7
	}
	return 0, 0
}

// ReadVarint reads a signed (zig-zag) varint in the encoding/binary format
// (the format binary.PutVarint writes), with the errors of ReadUvarint.
func (c *Cursor) ReadVarint() (int64, error) {
	ux, err := c.ReadUvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x, err
}
