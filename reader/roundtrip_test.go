package reader_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/reader"
	"github.com/f2bac256/bedrock/writer"
)

// value is one typed value of the round trip: its kind and its bits.
type value struct {
	kind int
	u    uint64
	b    []byte
}

const numKinds = 17

func randomValue(rng *rand.Rand) value {
	v := value{kind: rng.IntN(numKinds)}
	switch rng.IntN(4) { // bias towards the edges of each range
	case 0:
		v.u = 0
	case 1:
		v.u = math.MaxUint64 >> rng.IntN(64)
	default:
		v.u = rng.Uint64() >> rng.IntN(64)
	}
	if v.kind == 16 {
		v.b = testkit.RandomBytes(rng.IntN(3000), v.u)
	}
	return v
}

func writeValue(c *writer.Cursor, v value) {
	switch v.kind {
	case 0:
		c.WriteUint16BE(uint16(v.u))
	case 1:
		c.WriteUint16LE(uint16(v.u))
	case 2:
		c.WriteUint32BE(uint32(v.u))
	case 3:
		c.WriteUint32LE(uint32(v.u))
	case 4:
		c.WriteUint64BE(v.u)
	case 5:
		c.WriteUint64LE(v.u)
	case 6:
		c.WriteInt16BE(int16(v.u))
	case 7:
		c.WriteInt16LE(int16(v.u))
	case 8:
		c.WriteInt32BE(int32(v.u))
	case 9:
		c.WriteInt32LE(int32(v.u))
	case 10:
		c.WriteInt64BE(int64(v.u))
	case 11:
		c.WriteInt64LE(int64(v.u))
	case 12:
		c.WriteUvarint(v.u)
	case 13:
		c.WriteVarint(int64(v.u))
	case 14: // decimal text, newline-terminated
		c.WriteInt(int64(v.u))
		c.WriteByte('\n')
	case 15:
		c.WriteUint(v.u)
		c.WriteByte('\n')
	case 16: // length-prefixed bytes
		c.WriteUvarint(uint64(len(v.b)))
		c.Write(v.b)
	}
}

// readValue reads v's kind back and reports whether it equals v.
func readValue(t *testing.T, c *reader.Cursor, v value) {
	t.Helper()
	var got uint64
	ok := true
	switch v.kind {
	case 0:
		x, k := c.ReadUint16BE()
		got, ok, v.u = uint64(x), k, uint64(uint16(v.u))
	case 1:
		x, k := c.ReadUint16LE()
		got, ok, v.u = uint64(x), k, uint64(uint16(v.u))
	case 2:
		x, k := c.ReadUint32BE()
		got, ok, v.u = uint64(x), k, uint64(uint32(v.u))
	case 3:
		x, k := c.ReadUint32LE()
		got, ok, v.u = uint64(x), k, uint64(uint32(v.u))
	case 4:
		got, ok = c.ReadUint64BE()
	case 5:
		got, ok = c.ReadUint64LE()
	case 6:
		x, k := c.ReadInt16BE()
		got, ok, v.u = uint64(x), k, uint64(int16(v.u))
	case 7:
		x, k := c.ReadInt16LE()
		got, ok, v.u = uint64(x), k, uint64(int16(v.u))
	case 8:
		x, k := c.ReadInt32BE()
		got, ok, v.u = uint64(x), k, uint64(int32(v.u))
	case 9:
		x, k := c.ReadInt32LE()
		got, ok, v.u = uint64(x), k, uint64(int32(v.u))
	case 10:
		x, k := c.ReadInt64BE()
		got, ok = uint64(x), k
	case 11:
		x, k := c.ReadInt64LE()
		got, ok = uint64(x), k
	case 12:
		x, err := c.ReadUvarint()
		require.NoError(t, err)
		got = x
	case 13:
		x, err := c.ReadVarint()
		require.NoError(t, err)
		got = uint64(x)
	case 14, 15:
		line, found := c.ReadTo('\n', true)
		require.True(t, found)
		if v.kind == 14 {
			x, err := strconv.ParseInt(line.String(), 10, 64)
			require.NoError(t, err)
			got = uint64(x)
		} else {
			x, err := strconv.ParseUint(line.String(), 10, 64)
			require.NoError(t, err)
			got = x
		}
	case 16:
		n, err := c.ReadUvarint()
		require.NoError(t, err)
		b, found := c.ReadN(int64(n))
		require.True(t, found)
		require.Equal(t, v.b, b.Bytes())
		return
	}
	require.True(t, ok, "kind %d: data ended early", v.kind)
	require.Equal(t, v.u, got, "kind %d", v.kind)
}

// TestWriterReaderRoundTrip writes random typed values with writer.Cursor
// into pipes of random segment sizes and reads them back with
// reader.Cursor, over the pipe's own segments and over the same bytes split
// at random edges.
func TestWriterReaderRoundTrip(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 40
	}
	for seed := range uint64(rounds) {
		rng := rand.New(rand.NewPCG(seed, 99))
		p := pipe.New(pipe.Options{MinimumSegmentSize: 1 + rng.IntN(8192), PauseWriterThreshold: -1})
		values := make([]value, 1+rng.IntN(300))
		w := writer.NewCursor(p.Writer())
		for i := range values {
			values[i] = randomValue(rng)
			writeValue(&w, values[i])
			if rng.IntN(20) == 0 {
				w.Commit()
			}
		}
		w.Commit()
		p.Writer().Complete(nil)

		res, err := p.Reader().Read(context.Background())
		require.NoError(t, err)
		flat := res.Buffer.Bytes()
		for _, seq := range []pipe.Sequence{res.Buffer, pipe.SequenceOf(testkit.RandomParts(rng, flat, 50)...)} {
			c := reader.NewCursor(seq)
			for _, v := range values {
				readValue(t, &c, v)
			}
			require.True(t, c.End(), "seed %d: bytes left over", seed)
		}
		p.Reader().AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
}
