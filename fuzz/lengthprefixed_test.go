package fuzz_test

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/lengthprefixed"
	"github.com/f2bac256/bedrock/writer"
)

// FuzzLengthPrefixed parses the data with a lengthprefixed.Codec from one
// segment and from segments cut where the input says, checking the
// positions Parse returns and that both parses agree, then writes messages
// made from the data with the Codec and reads them back.
//
// The input is three control bytes followed by cut offsets and the data:
// input[0] picks the header (low 3 bits) and the adjustment (next 3 bits),
// input[1] the MaxLength, input[2] the number of cuts (0..15), then one
// byte per cut, scaled to the data.
func FuzzLengthPrefixed(f *testing.F) {
	u32 := lengthprefixed.Codec{Header: lengthprefixed.Uint32BE, Adjust: -4}
	seeds := [][]byte{
		nil,
		{0, 0, 0},
		// one-byte lengths, cut everywhere
		lengthPrefixedSeed(0, 0, []byte{10, 40, 80, 120, 160, 200, 240}, []byte("\x05hello\x00\x05world")),
		// a 4-byte big-endian length counting itself, as in PostgreSQL
		lengthPrefixedSeed(3|1<<3, 0, []byte{1, 2, 3, 100}, lengthPrefixedMessages(u32, "SELECT 1", "", "x")),
		// uvarints across cuts, a truncated message at the end
		lengthPrefixedSeed(7, 2, []byte{30, 31, 150},
			append(binary.AppendUvarint(nil, 300), append(make([]byte, 300), 0x80, 0x02, 'a')...)),
		// an overlong uvarint
		lengthPrefixedSeed(7, 0, []byte{128}, []byte{1, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}),
		// little-endian 8-byte length over the limit
		lengthPrefixedSeed(6, 1, nil, binary.LittleEndian.AppendUint64(nil, 1<<40)),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		codec, data, cuts := decodeLengthPrefixedInput(input)
		want, wantErr := parseLengthPrefixed(t, codec, pipe.SequenceOf(data))

		got, err := parseLengthPrefixed(t, codec, codectest.Split(data, cuts))
		codectest.RequireSameOutcome(t, want, wantErr, got, err)

		roundTripLengthPrefixed(t, codec, data)
	})
}

// lengthPrefixedSeed encodes an input for FuzzLengthPrefixed.
func lengthPrefixedSeed(codec, limit byte, cuts, data []byte) []byte {
	b := append([]byte{codec, limit, byte(len(cuts))}, cuts...)
	return append(b, data...)
}

// lengthPrefixedMessages frames bodies with c, by hand.
func lengthPrefixedMessages(c lengthprefixed.Codec, bodies ...string) []byte {
	var b []byte
	for _, body := range bodies {
		b = binary.BigEndian.AppendUint32(b, uint32(int64(len(body))-c.Adjust))
		b = append(b, body...)
	}
	return b
}

var lengthPrefixedHeaderSizes = [...]int64{1, 2, 2, 4, 4, 8, 8, 1}

// decodeLengthPrefixedInput returns the codec, the data and the sorted cut
// offsets an input describes.
func decodeLengthPrefixedInput(input []byte) (lengthprefixed.Codec, []byte, []int) {
	var ctl [3]byte
	n := copy(ctl[:], input)
	input = input[n:]
	h := lengthprefixed.Header(ctl[0] & 7)
	adjust := [...]int64{0, -lengthPrefixedHeaderSizes[h], 1, -1, 3, -3, 7, -64}[ctl[0]>>3&7]
	limit := [...]int64{0, 16, 300, -1}[ctl[1]&3]
	codec := lengthprefixed.Codec{Header: h, Adjust: adjust, MaxLength: limit}

	data, cuts := codectest.SplitInput(input, int(ctl[2]%16))
	return codec, data, cuts
}

// parseLengthPrefixed parses s with the position checks of
// codectest.ParseAll and returns the bodies.
func parseLengthPrefixed(t *testing.T, c lengthprefixed.Codec, s pipe.Sequence) ([]string, error) {
	var got []string
	_, err := codectest.ParseAll[pipe.Sequence](t, c, s, func(body pipe.Sequence, size int64) {
		require.LessOrEqual(t, body.Len(), size)
		got = append(got, body.String())
	})
	return got, err
}

// roundTripLengthPrefixed makes bodies from data (a length byte, then up to
// that many bytes), writes those c can frame through a protocol.Writer and
// reads them back through a protocol.Reader; those it cannot frame must be
// refused.
func roundTripLengthPrefixed(t *testing.T, c lengthprefixed.Codec, data []byte) {
	max := c.MaxLength
	if max == 0 {
		max = protocol.DefaultMaxMessageSize
	}
	var bodies [][]byte
	var refused writer.Cursor
	for len(data) > 0 {
		n := min(int(data[0]), len(data)-1)
		body := data[1 : 1+n]
		data = data[1+n:]
		d := int64(len(body)) - c.Adjust
		if d >= 0 && d <= c.Header.MaxLength() && (max < 0 || int64(len(body)) <= max) {
			bodies = append(bodies, body)
			continue
		}
		// Refused before writing anything: the Cursor has no writer.
		err := c.WriteMessage(body, &refused)
		require.True(t, errors.Is(err, lengthprefixed.ErrBadLength) || errors.Is(err, protocol.ErrMessageTooLarge), "%v", err)
	}

	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	ctx := testkit.Context(t)
	require.NoError(t, protocol.NewWriter[[]byte](p.Writer(), c).WriteMany(ctx, bodies...))
	p.Writer().Complete(nil)
	r := protocol.NewReader[pipe.Sequence](p.Reader(), c, protocol.ReaderOptions{MaxMessageSize: -1})
	for i := 0; ; i++ {
		body, err := r.Read(ctx)
		if err == io.EOF {
			require.Equal(t, len(bodies), i)
			break
		}
		require.NoError(t, err)
		require.Less(t, i, len(bodies))
		require.Equal(t, string(bodies[i]), body.String())
		r.Advance()
	}
	p.Reader().Complete(nil)
}
