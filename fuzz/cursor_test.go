package fuzz_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
)

// FuzzCursor runs a program of Cursor operations over data cut into
// segments, and the same operations over the flat data, and compares every
// answer and the state after each operation.
//
// The input is a control part followed by the data: input[0] is the length
// of the control part; its first byte is the number of parts (1..16), then
// one byte per cut, then the program, about two bytes per operation.
func FuzzCursor(f *testing.F) {
	seeds := [][]byte{
		nil,
		{0},
		[]byte("\x00hello"),
		// "\r\n" lines cut next to their delimiters
		cursorSeed([]byte{40, 41, 100}, []byte{8, 0, 0x88, 0, 4, 0, 19, 0, 0x88, 0, 3, 9, 0x88, 0, 0x88, 0},
			[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest")),
		// integers of every width over one-byte segments
		cursorSeed([]byte{16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240},
			[]byte{13, 1, 13, 2, 14, 3, 14, 0, 15, 1, 15, 2, 3, 8, 15, 0},
			binary.BigEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1<<60+5), 0x0102030405060708)),
		// varints across edges, a truncated one at the end
		cursorSeed([]byte{30, 31, 150}, []byte{16, 0, 17, 0, 16, 0, 16, 0, 17, 0},
			append(binary.AppendVarint(binary.AppendUvarint(nil, 1<<63), -1<<40), 0x80, 0x80)),
		// an overflowing varint, ten continuation bytes
		cursorSeed([]byte{128}, []byte{16, 0, 17, 0, 11, 0x81, 16, 0}, bytes.Repeat([]byte{0xff}, 12)),
		// delimiters, sets, runs, copies
		cursorSeed([]byte{0, 0, 60, 60, 255}, []byte{9, 1, 10, 0x23, 5, 0x10, 0x86, 0x32, 11, 5, 12, 0x81, 18, 3, 2, 0x81, 3, 200, 0x85, 0x41},
			[]byte("   \t\tkey: value; other=thing, last\x00\x00\x00tail")),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		data, cuts, program := decodeCursorInput(input)
		s := codectest.Split(data, cuts)
		c := reader.NewCursor(s)
		ref := &cursorModel{data: data}
		var log []string
		defer func() {
			if t.Failed() {
				t.Logf("data %q cut at %v\nops %q", data, cuts, log)
			}
		}()
		checkCursor(t, &c, ref)
		for len(program) > 0 {
			var op string
			op, program = runCursorOp(t, &c, ref, program)
			log = append(log, op)
			checkCursor(t, &c, ref)
		}
	})
}

// cursorSeed encodes an input for FuzzCursor: cut offsets scaled to 0..255,
// a program and the data.
func cursorSeed(cuts, program, data []byte) []byte {
	control := append(append([]byte{byte(len(cuts))}, cuts...), program...)
	return append(append([]byte{byte(len(control))}, control...), data...)
}

// decodeCursorInput splits input into data, sorted cut offsets into data,
// and the program.
func decodeCursorInput(input []byte) (data []byte, cuts []int, program []byte) {
	if len(input) == 0 {
		return nil, nil, nil
	}
	n := min(int(input[0]), len(input)-1)
	control, data := input[1:1+n], input[1+n:]
	if len(control) == 0 {
		return data, nil, nil
	}
	nCuts := min(int(control[0]%16), len(control)-1)
	for _, b := range control[1 : 1+nCuts] {
		cuts = append(cuts, int(b)*(len(data)+1)/256)
	}
	slices.Sort(cuts)
	return data, cuts, control[1+nCuts:]
}

// cursorModel is the reference: a Cursor over one flat slice.
type cursorModel struct {
	data []byte
	pos  int
}

func (m *cursorModel) rest() []byte { return m.data[m.pos:] }

// readTo consumes the bytes before index i of rest and a delimiter of length
// dlen after them if adv; i < 0 means not found.
func (m *cursorModel) readTo(i, dlen int, adv bool) ([]byte, bool) {
	if i < 0 {
		return nil, false
	}
	out := m.rest()[:i]
	m.pos += i
	if adv {
		m.pos += dlen
	}
	return out, true
}

func (m *cursorModel) readN(n int) ([]byte, bool) {
	if n > len(m.rest()) {
		return nil, false
	}
	m.pos += n
	return m.data[m.pos-n : m.pos], true
}

func (m *cursorModel) uvarint() (uint64, error) {
	v, n := binary.Uvarint(m.rest())
	switch {
	case n < 0 || n == 0 && len(m.rest()) >= binary.MaxVarintLen64:
		return 0, reader.ErrOverflow
	case n == 0:
		return 0, reader.ErrIncomplete
	}
	m.pos += n
	return v, nil
}

func checkCursor(t *testing.T, c *reader.Cursor, m *cursorModel) {
	t.Helper()
	n := int64(len(m.data))
	require.Equal(t, n, c.Sequence().Len())
	require.Equal(t, int64(m.pos), c.Consumed())
	require.Equal(t, n, c.Consumed()+c.Remaining())
	require.Equal(t, m.pos == len(m.data), c.End())
	require.Equal(t, c.Consumed(), c.Sequence().Offset(c.Position()))
	require.Equal(t, string(m.rest()), c.UnreadSequence().String())
	cc := *c // Unread may load the next segment: look through a copy
	u := cc.Unread()
	require.True(t, bytes.HasPrefix(m.rest(), u))
	require.Equal(t, len(m.rest()) == 0, len(u) == 0)
}

// runCursorOp runs the operation at the start of program on c and m and
// returns its description and the rest of the program.
func runCursorOp(t *testing.T, c *reader.Cursor, m *cursorModel, program []byte) (string, []byte) {
	op := program[0]
	var arg byte
	if len(program) > 1 {
		arg = program[1]
	}
	program = program[min(2, len(program)):]
	adv := op&0x80 != 0
	// byteArg is a byte of the data ahead when there is one (so that
	// delimiters are found), else arg itself.
	byteArg := func() byte {
		if r := m.rest(); len(r) > 0 && arg&1 == 0 {
			return r[int(arg>>1)%len(r)]
		}
		return arg
	}
	// bytesArg is 0..7 bytes: usually a run of the data ahead.
	bytesArg := func() []byte {
		k := int(arg & 7)
		if r := m.rest(); len(r) > 0 && arg&8 == 0 {
			at := int(arg>>4) % len(r)
			return slices.Clone(r[at:min(at+k, len(r))])
		}
		return bytes.Repeat([]byte{arg}, k)
	}
	// lenArg is near what remains or small.
	lenArg := func() int {
		if arg&0x80 != 0 {
			return max(0, len(m.rest())+int(arg&3)-1)
		}
		return int(arg & 0x7f)
	}
	fixed := func(size int, be bool) (uint64, bool) {
		if len(m.rest()) < size {
			return 0, false
		}
		var order binary.ByteOrder = binary.LittleEndian
		if be {
			order = binary.BigEndian
		}
		b := m.rest()[:size]
		m.pos += size
		switch size {
		case 2:
			return uint64(order.Uint16(b)), true
		case 4:
			return uint64(order.Uint32(b)), true
		}
		return order.Uint64(b), true
	}
	seqResult := func(what string, s pipe.Sequence, ok bool, want []byte, wantOK bool) string {
		require.Equal(t, wantOK, ok, what)
		if ok {
			require.Equal(t, string(want), s.String(), what)
		}
		return what
	}

	switch op & 0x7f % 20 {
	case 0:
		b, ok := c.Peek()
		require.Equal(t, len(m.rest()) > 0, ok, "Peek")
		if ok {
			require.Equal(t, m.rest()[0], b, "Peek")
		}
		return "Peek", program
	case 1:
		b, err := c.ReadByte()
		if len(m.rest()) == 0 {
			require.ErrorIs(t, err, io.EOF, "ReadByte")
		} else {
			require.NoError(t, err, "ReadByte")
			require.Equal(t, m.rest()[0], b, "ReadByte")
			m.pos++
		}
		return "ReadByte", program
	case 2:
		n := lenArg()
		ok := n <= len(m.rest())
		if ok {
			m.pos += n
		}
		require.Equal(t, ok, c.Advance(int64(n)), "Advance(%d)", n)
		return fmt.Sprintf("Advance(%d)", n), program
	case 3:
		n := int(arg) % (m.pos + 1)
		c.Rewind(int64(n))
		m.pos -= n
		return fmt.Sprintf("Rewind(%d)", n), program
	case 4:
		p := bytesArg()
		ok := bytes.HasPrefix(m.rest(), p)
		if ok && adv {
			m.pos += len(p)
		}
		what := fmt.Sprintf("IsNext(%q, %v)", p, adv)
		require.Equal(t, ok, c.IsNext(p, adv), what)
		return what, program
	case 5:
		d := byteArg()
		s, ok := c.ReadTo(d, adv)
		want, wok := m.readTo(bytes.IndexByte(m.rest(), d), 1, adv)
		return seqResult(fmt.Sprintf("ReadTo(%q, %v)", d, adv), s, ok, want, wok), program
	case 6:
		ds := bytesArg()
		s, ok := c.ReadToAny(ds, adv)
		i := slices.IndexFunc(m.rest(), func(b byte) bool { return bytes.IndexByte(ds, b) >= 0 })
		want, wok := m.readTo(i, 1, adv)
		return seqResult(fmt.Sprintf("ReadToAny(%q, %v)", ds, adv), s, ok, want, wok), program
	case 7, 8:
		d := bytesArg()
		if op&0x7f%20 == 8 {
			d = []byte("\r\n")
		}
		s, ok := c.ReadToSeq(d, adv)
		want, wok := m.readTo(bytes.Index(m.rest(), d), len(d), adv)
		return seqResult(fmt.Sprintf("ReadToSeq(%q, %v)", d, adv), s, ok, want, wok), program
	case 9, 10:
		set := []byte{byteArg()}
		if op&0x7f%20 == 10 {
			set = bytesArg()
		}
		n := 0
		for n < len(m.rest()) && bytes.IndexByte(set, m.rest()[n]) >= 0 {
			n++
		}
		m.pos += n
		var got int64
		if len(set) == 1 && op&0x7f%20 == 9 {
			got = c.SkipPast(set[0])
		} else {
			got = c.SkipPastAny(set)
		}
		what := fmt.Sprintf("SkipPast(Any)(%q)", set)
		require.Equal(t, int64(n), got, what)
		return what, program
	case 11:
		n := lenArg()
		s, ok := c.ReadN(int64(n))
		want, wok := m.readN(n)
		return seqResult(fmt.Sprintf("ReadN(%d)", n), s, ok, want, wok), program
	case 12:
		n := lenArg()
		dst := make([]byte, n)
		ok := c.CopyTo(dst)
		require.Equal(t, n <= len(m.rest()), ok, "CopyTo(%d)", n)
		if ok {
			require.Equal(t, m.rest()[:n], dst, "CopyTo(%d)", n)
		} else {
			require.Equal(t, make([]byte, n), dst, "CopyTo(%d) failed but copied", n)
		}
		return fmt.Sprintf("CopyTo(%d)", n), program
	case 13, 14, 15:
		size := 2 << (op&0x7f%20 - 13)
		be, signed := arg&1 != 0, arg&2 != 0
		want, wok := fixed(size, be)
		var got uint64
		var ok bool
		switch {
		case size == 2 && be && signed:
			v, o := c.ReadInt16BE()
			got, ok = uint64(uint16(v)), o
		case size == 2 && be:
			v, o := c.ReadUint16BE()
			got, ok = uint64(v), o
		case size == 2 && signed:
			v, o := c.ReadInt16LE()
			got, ok = uint64(uint16(v)), o
		case size == 2:
			v, o := c.ReadUint16LE()
			got, ok = uint64(v), o
		case size == 4 && be && signed:
			v, o := c.ReadInt32BE()
			got, ok = uint64(uint32(v)), o
		case size == 4 && be:
			v, o := c.ReadUint32BE()
			got, ok = uint64(v), o
		case size == 4 && signed:
			v, o := c.ReadInt32LE()
			got, ok = uint64(uint32(v)), o
		case size == 4:
			v, o := c.ReadUint32LE()
			got, ok = uint64(v), o
		case be && signed:
			v, o := c.ReadInt64BE()
			got, ok = uint64(v), o
		case be:
			got, ok = c.ReadUint64BE()
		case signed:
			v, o := c.ReadInt64LE()
			got, ok = uint64(v), o
		default:
			got, ok = c.ReadUint64LE()
		}
		what := fmt.Sprintf("Read%d be=%v signed=%v", size*8, be, signed)
		require.Equal(t, wok, ok, what)
		require.Equal(t, want, got, what)
		return what, program
	case 16:
		v, err := c.ReadUvarint()
		want, werr := m.uvarint()
		require.Equal(t, werr, err, "ReadUvarint")
		require.Equal(t, want, v, "ReadUvarint")
		return "ReadUvarint", program
	case 17:
		v, err := c.ReadVarint()
		uw, werr := m.uvarint()
		want := int64(uw >> 1)
		if uw&1 != 0 {
			want = ^want
		}
		require.Equal(t, werr, err, "ReadVarint")
		if err == nil {
			require.Equal(t, want, v, "ReadVarint")
		}
		return "ReadVarint", program
	case 18:
		u := c.Unread()
		require.Equal(t, string(m.rest()[:len(u)]), string(u), "Unread")
		n := int(arg) % (len(u) + 1)
		require.True(t, c.Advance(int64(n)))
		m.pos += n
		return fmt.Sprintf("Unread+Advance(%d)", n), program
	default:
		// The Sequence read so far and the rest, seen through Position.
		p := c.Position()
		require.Equal(t, string(m.data[:m.pos]), c.Sequence().SliceTo(p).String(), "SliceTo(Position())")
		require.Equal(t, string(m.rest()), c.Sequence().SliceFrom(p).String(), "SliceFrom(Position())")
		return "Position", program
	}
}
