package reader_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

// The benchmarks compare a Cursor over 4 KiB segments with the standard
// library over the same bytes in one flat slice. Sub-benchmark names are
// benchstat-friendly: compare the implementations with
//
//	go test -run '^$' -bench . -benchmem -count 6 ./reader/ | benchstat -col /impl -
//
// impl=std is the standard library baseline (bufio for lines,
// encoding/binary for integers), so that benchstat's "vs base" column is the
// Cursor's speed relative to it.

const (
	cursorBenchDataSize    = 16 << 20
	cursorBenchSegmentSize = 4 << 10
)

// cursorBenchSegments cuts data into segmentSize parts.
func cursorBenchSegments(data []byte) pipe.Sequence {
	var parts [][]byte
	for len(data) > 0 {
		n := min(len(data), cursorBenchSegmentSize)
		parts = append(parts, data[:n:n])
		data = data[n:]
	}
	return pipe.SequenceOf(parts...)
}

// cursorBenchLines is 16 MiB (and a last line) of "\r\n"-terminated lines of
// 16..256 bytes, terminator included, and the number of lines.
var cursorBenchLines = sync.OnceValues(func() ([]byte, int) {
	r := rand.New(rand.NewPCG(1, 1))
	data := make([]byte, 0, cursorBenchDataSize+256)
	lines := 0
	for len(data) < cursorBenchDataSize {
		for range 16 + r.IntN(241) - 2 {
			data = append(data, ' '+byte(r.IntN(95)))
		}
		data = append(data, '\r', '\n')
		lines++
	}
	return data, lines
})

var cursorBenchCRLF = []byte("\r\n")

func BenchmarkLines(b *testing.B) {
	data, want := cursorBenchLines()
	seq := cursorBenchSegments(data)
	src := bytes.NewReader(data)
	br := bufio.NewReader(src)
	var c reader.Cursor
	impls := []struct {
		name  string
		count func() int
	}{
		{"std", func() int { src.Reset(data); br.Reset(src); return cursorBenchLinesBufio(br) }},
		{"cursor", func() int { c.Reset(seq); return cursorBenchLinesCursor(&c) }},
		{"cursor-byte", func() int { c.Reset(seq); return cursorBenchLinesCursorByte(&c) }},
		{"flat", func() int { return cursorBenchLinesFlat(data) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if got := impl.count(); got != want {
					b.Fatalf("counted %d lines, want %d", got, want)
				}
			}
		})
	}
}

// The parsing loops of the benchmarks live in functions of their own:
// inside a b.Loop body the compiler keeps variables in memory, which slows
// the tightest loops (the flat ones) the most. Each returns -1 on a line
// that does not end in "\r\n".

// cursorBenchLinesBufio counts lines with bufio.Reader.ReadSlice.
func cursorBenchLinesBufio(br *bufio.Reader) int {
	lines := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return lines
		}
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return -1
		}
		lines++
	}
}

// cursorBenchLinesCursor counts lines with Cursor.ReadToSeq("\r\n").
func cursorBenchLinesCursor(c *reader.Cursor) int {
	lines := 0
	for {
		if _, ok := c.ReadToSeq(cursorBenchCRLF, true); !ok {
			break
		}
		lines++
	}
	if !c.End() {
		return -1
	}
	return lines
}

// cursorBenchLinesCursorByte counts lines with Cursor.ReadTo('\r') and
// IsNext("\r\n").
func cursorBenchLinesCursorByte(c *reader.Cursor) int {
	lines := 0
	for {
		if _, ok := c.ReadTo('\r', false); !ok {
			break
		}
		if !c.IsNext(cursorBenchCRLF, true) {
			return -1
		}
		lines++
	}
	if !c.End() {
		return -1
	}
	return lines
}

// cursorBenchLinesFlat counts lines with bytes.IndexByte over one slice: the
// floor.
func cursorBenchLinesFlat(data []byte) int {
	lines := 0
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return lines
		}
		if i < 1 || data[i-1] != '\r' {
			return -1
		}
		data = data[i+1:]
		lines++
	}
}

// cursorBenchUint32s is 16 MiB of random big-endian uint32s and their sum.
var cursorBenchUint32s = sync.OnceValues(func() ([]byte, uint64) {
	r := rand.New(rand.NewPCG(2, 2))
	data := make([]byte, 0, cursorBenchDataSize)
	var sum uint64
	for len(data) < cursorBenchDataSize {
		v := r.Uint32()
		sum += uint64(v)
		data = binary.BigEndian.AppendUint32(data, v)
	}
	return data, sum
})

func BenchmarkUint32BE(b *testing.B) {
	data, want := cursorBenchUint32s()
	seq := cursorBenchSegments(data)
	var c reader.Cursor
	impls := []struct {
		name string
		sum  func() uint64
	}{
		{"std", func() uint64 { return cursorBenchUint32sFlat(data) }},
		{"cursor", func() uint64 { c.Reset(seq); return cursorBenchUint32sCursor(&c) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if impl.sum() != want {
					b.Fatal("wrong sum")
				}
			}
		})
	}
}

func cursorBenchUint32sFlat(data []byte) uint64 {
	var sum uint64
	for i := 0; i+4 <= len(data); i += 4 {
		sum += uint64(binary.BigEndian.Uint32(data[i:]))
	}
	return sum
}

func cursorBenchUint32sCursor(c *reader.Cursor) uint64 {
	var sum uint64
	for {
		v, ok := c.ReadUint32BE()
		if !ok {
			return sum
		}
		sum += uint64(v)
	}
}

// cursorBenchUvarints is 16 MiB of uvarints of random lengths (1 to 10 bytes,
// small values more likely) and their sum.
var cursorBenchUvarints = sync.OnceValues(func() ([]byte, uint64) {
	r := rand.New(rand.NewPCG(3, 3))
	data := make([]byte, 0, cursorBenchDataSize+binary.MaxVarintLen64)
	var sum uint64
	for len(data) < cursorBenchDataSize {
		v := r.Uint64() >> r.IntN(64)
		sum += v
		data = binary.AppendUvarint(data, v)
	}
	return data, sum
})

func BenchmarkUvarint(b *testing.B) {
	data, want := cursorBenchUvarints()
	seq := cursorBenchSegments(data)
	var c reader.Cursor
	impls := []struct {
		name string
		sum  func() uint64
	}{
		{"std", func() uint64 { return cursorBenchUvarintsFlat(data) }},
		{"cursor", func() uint64 { c.Reset(seq); return cursorBenchUvarintsCursor(&c) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if impl.sum() != want {
					b.Fatal("wrong sum")
				}
			}
		})
	}
}

func cursorBenchUvarintsFlat(data []byte) uint64 {
	var sum uint64
	for len(data) > 0 {
		v, n := binary.Uvarint(data)
		if n <= 0 {
			return 0
		}
		sum += v
		data = data[n:]
	}
	return sum
}

func cursorBenchUvarintsCursor(c *reader.Cursor) uint64 {
	var sum uint64
	for {
		v, err := c.ReadUvarint()
		if err != nil {
			if !c.End() {
				return 0
			}
			return sum
		}
		sum += v
	}
}
