package pgwire_test

import (
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// Every message written with its Append function reads back the same,
// whatever chunks the stream arrives in.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	front, back := encode(t, frontendMsgs...), encode(t, backendMsgs...)
	for range 20 {
		got, err := readAll(t, codectest.Feed(t, rng, front), &pgwire.FrontendReader{}, false)
		require.NoError(t, err)
		require.Equal(t, wants(frontendMsgs), got)

		got, err = readAll(t, codectest.Feed(t, rng, back), &pgwire.BackendReader{}, true)
		require.NoError(t, err)
		require.Equal(t, wants(backendMsgs), got)
	}
}

// Messages written back with Message.Encode are the same bytes.
func TestMessageEncode(t *testing.T) {
	for _, tc := range []struct {
		data  []byte
		codec protocol.MessageReader[pgwire.Message]
	}{
		{encode(t, frontendMsgs...), &pgwire.FrontendReader{}},
		{encode(t, backendMsgs...), &pgwire.BackendReader{}},
	} {
		msgs, err := codectest.ParseAll(t, tc.codec, pipe.SequenceOf(tc.data), nil)
		require.NoError(t, err)
		var encs []msg
		for _, m := range msgs {
			encs = append(encs, msg{enc: m.Encode})
		}
		require.Equal(t, tc.data, encode(t, encs...))
	}
}

// mustHex decodes hex written with spaces.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Bytes written by hand from the protocol's documentation decode as a
// server and a client see them.
func TestDecodeRealBytes(t *testing.T) {
	startup := mustHex(`00000029 00030000 7573657200 706f737467726573 00 646174616261736500 706f737467726573 00 00`)
	got, err := codectest.ParseAll(t, &pgwire.FrontendReader{}, pipe.SequenceOf(startup), nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	s, err := pgwire.DecodeStartupMessage(got[0])
	require.NoError(t, err)
	assert.Equal(t, pgwire.ProtocolVersion30, s.Version)
	user, found := s.Param("user")
	require.True(t, found)
	assert.Equal(t, "postgres", user.String())
	_, found = s.Param("options")
	assert.False(t, found)

	session := mustHex(`
		52 00000017 0000000a 5343 52414d2d5348412d323536 00 00
		54 0000001c 0001 6f6e6500 00000000 0000 00000017 0004 ffffffff 0000
		44 0000000b 0001 00000001 31
		43 0000000d 53454c4543542031 00
		5a 00000005 49`)
	msgs, err := codectest.ParseAll(t, &pgwire.BackendReader{}, pipe.SequenceOf(session), nil)
	require.NoError(t, err)
	require.Len(t, msgs, 5)

	a, err := pgwire.DecodeAuthentication(msgs[0])
	require.NoError(t, err)
	assert.Equal(t, pgwire.AuthSASL, a.Kind)
	mechs := a.Mechanisms()
	mech, found := mechs.Next()
	require.True(t, found)
	assert.Equal(t, "SCRAM-SHA-256", mech.String())
	_, found = mechs.Next()
	assert.False(t, found)

	rd, err := pgwire.DecodeRowDescription(msgs[1])
	require.NoError(t, err)
	require.Equal(t, 1, rd.NumFields())
	fields := rd.Fields()
	f, found := fields.Next()
	require.True(t, found)
	assert.Equal(t, "one", f.Name.String())
	assert.Equal(t, pgwire.FieldDescription{Name: f.Name, TypeOID: 23, TypeSize: 4, TypeModifier: -1}, f)

	row, err := pgwire.DecodeDataRow(msgs[2])
	require.NoError(t, err)
	require.Equal(t, 1, row.NumColumns())
	cols := row.Columns()
	require.True(t, cols.Next())
	assert.Equal(t, "1", cols.Value().String())
	b, contiguous := cols.Contiguous()
	assert.True(t, contiguous)
	assert.Equal(t, "1", string(b))
	assert.Equal(t, 1, cols.Len())
	assert.Zero(t, cols.Remaining())
	assert.False(t, cols.Next())

	cc, err := pgwire.DecodeCommandComplete(msgs[3])
	require.NoError(t, err)
	assert.Equal(t, "SELECT 1", cc.Tag.String())
	n, found := cc.RowsAffected()
	assert.True(t, found)
	assert.Equal(t, int64(1), n)

	status, err := pgwire.DecodeReadyForQuery(msgs[4])
	require.NoError(t, err)
	assert.Equal(t, pgwire.TxIdle, status)
}

// The same stream, cut anywhere, parses to the same messages, truncated
// or followed by junk too.
func TestSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name    string
		data    []byte
		backend bool
	}{
		{"frontend", encode(t, frontendMsgs...), false},
		{"backend", encode(t, backendMsgs...), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 60 {
				data := tc.data
				switch i % 3 {
				case 1:
					data = data[:rng.IntN(len(data))]
				case 2:
					data = append(data[:len(data):len(data)], testkit.RandomData(rng, 20)...)
				}
				parse := func(s pipe.Sequence) ([]string, error) {
					var codec protocol.MessageReader[pgwire.Message] = &pgwire.FrontendReader{}
					if tc.backend {
						codec = &pgwire.BackendReader{}
					}
					msgs, err := codectest.ParseAll(t, codec, s, nil)
					out := make([]string, len(msgs))
					for j, m := range msgs {
						out[j] = m.Render(tc.backend)
					}
					return out, err
				}
				want, wantErr := parse(pipe.SequenceOf(data))
				for range 5 {
					got, err := parse(codectest.Split(data, testkit.RandomCuts(rng, len(data), 1+rng.IntN(12))))
					codectest.RequireSameOutcome(t, want, wantErr, got, err)
				}
			}
		})
	}
}

// A stream that ends inside a message fails with io.ErrUnexpectedEOF at
// the offset of that message.
func TestTruncated(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := encode(t, backendMsgs...)
	first := len(encode(t, backendMsgs[0]))
	for _, cut := range []int{first + 1, first + 4, first + 5, first + 9} {
		got, err := readAll(t, codectest.Feed(t, rng, data[:cut]), &pgwire.BackendReader{}, true)
		require.Equal(t, wants(backendMsgs[:1]), got)
		var pe *protocol.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, int64(first), pe.Offset)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	}
}

// A length over the limit fails as soon as the header is read: the body is
// never waited for.
func TestTooLargeBeforeBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []byte
		codec  protocol.MessageReader[pgwire.Message]
	}{
		{"backend default", []byte{'D', 0, 0x40, 0, 0}, &pgwire.BackendReader{}},
		{"backend limit", []byte{'D', 0, 0, 1, 0}, &pgwire.BackendReader{MaxMessageSize: 256}},
		{"frontend", []byte{'Q', 0x7f, 0, 0, 0}, &pgwire.FrontendReader{StartupDone: true}},
		{"startup default", []byte{0, 0, 0x27, 0x11, 0, 3, 0, 0}, &pgwire.FrontendReader{}},
		{"startup limit", []byte{0, 0, 0, 101, 0, 3, 0, 0}, &pgwire.FrontendReader{MaxStartupSize: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pipe.New(pipe.Options{})
			p.Writer().Write(tc.header)
			_, err := p.Writer().Flush(testkit.Context(t))
			require.NoError(t, err)
			r := protocol.NewReader[pgwire.Message](p.Reader(), tc.codec, protocol.ReaderOptions{MaxMessageSize: -1})
			_, err = r.Read(testkit.Context(t))
			require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
			var pe *protocol.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Zero(t, pe.Offset)
		})
	}
	// At the limit is fine.
	s := pipe.SequenceOf(append([]byte{'Q', 0, 0, 0, 8}, "abc\x00"...))
	_, _, _, err := (&pgwire.FrontendReader{StartupDone: true, MaxMessageSize: 9}).Parse(s)
	require.NoError(t, err)
	_, _, _, err = (&pgwire.FrontendReader{StartupDone: true, MaxMessageSize: 8}).Parse(s)
	require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
}

// A malformed frame fails with a *protocol.ParseError at its offset.
func TestMalformedFrame(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	good := encode(t, backendMsgs[:3]...)
	startup := encode(t, frontendMsgs[:3]...)
	for _, tc := range []struct {
		name  string
		good  []byte
		bad   []byte
		codec protocol.MessageReader[pgwire.Message]
	}{
		{"length 3", good, []byte{'Z', 0, 0, 0, 3, 'I'}, &pgwire.BackendReader{}},
		{"negative length", good, []byte{'Z', 0xff, 0xff, 0xff, 0xfb, 'I'}, &pgwire.BackendReader{}},
		{"type 0", good, []byte{0, 0, 0, 0, 5, 'I'}, &pgwire.BackendReader{}},
		{"startup length 7", startup[:8], []byte{0, 0, 0, 7, 0, 3, 0, 0}, &pgwire.FrontendReader{}},
		{"typed length 2", startup, []byte{'Q', 0, 0, 0, 2, 0}, &pgwire.FrontendReader{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := append(append(tc.good[:len(tc.good):len(tc.good)], tc.bad...), 1, 2, 3, 4, 5, 6)
			_, err := readAll(t, codectest.Feed(t, rng, data), tc.codec, true)
			var pe *protocol.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, int64(len(tc.good)), pe.Offset)
			assert.ErrorIs(t, err, pgwire.ErrMalformed)
		})
	}
}

// The FrontendReader leaves the startup phase on a StartupMessage, not on
// an SSLRequest, a GSSENCRequest or a CancelRequest.
func TestStartupPhase(t *testing.T) {
	r := &pgwire.FrontendReader{}
	for _, m := range frontendMsgs[:2] {
		_, _, _, err := r.Parse(pipe.SequenceOf(encode(t, m)))
		require.NoError(t, err)
		require.False(t, r.StartupDone)
	}
	cancel := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendCancelRequest(w, 99, []byte("0123456789")) }})
	m, _, _, err := r.Parse(pipe.SequenceOf(cancel))
	require.NoError(t, err)
	require.False(t, r.StartupDone)
	c, err := pgwire.DecodeCancelRequest(m)
	require.NoError(t, err)
	assert.Equal(t, int32(99), c.ProcessID)
	assert.Equal(t, "0123456789", c.SecretKey.String())
	assert.Equal(t, "CancelRequest{99 30313233343536373839}", m.Render(false))

	// An incomplete StartupMessage changes nothing.
	startup := encode(t, frontendMsgs[2])
	_, _, _, err = r.Parse(pipe.SequenceOf(startup[:len(startup)-1]))
	require.ErrorIs(t, err, protocol.ErrIncomplete)
	require.False(t, r.StartupDone)
	_, _, _, err = r.Parse(pipe.SequenceOf(startup))
	require.NoError(t, err)
	require.True(t, r.StartupDone)
}

// After an SSLRequest the client reads the one-byte answer, or an
// ErrorResponse from a server that does not know the request.
func TestEncryptionResponse(t *testing.T) {
	r := &pgwire.BackendReader{ExpectEncryptionResponse: true}
	data := append([]byte{'N'}, encode(t, backendMsgs[0])...)
	m, consumed, _, err := r.Parse(pipe.SequenceOf(data))
	require.NoError(t, err)
	assert.Equal(t, byte('N'), m.Type)
	assert.True(t, m.Body.IsEmpty())
	assert.False(t, r.ExpectEncryptionResponse)
	m, _, _, err = r.Parse(pipe.SequenceOf(data).SliceFrom(consumed))
	require.NoError(t, err)
	assert.Equal(t, backendMsgs[0].want, m.Render(true))

	_, _, _, err = (&pgwire.BackendReader{ExpectEncryptionResponse: true}).Parse(pipe.Sequence{})
	require.ErrorIs(t, err, protocol.ErrIncomplete)

	r.ExpectEncryptionResponse = true
	e := encode(t, msg{enc: func(w *writer.Cursor) error { return pgwire.AppendErrorResponse(w, syntaxError) }})
	_, _, _, err = r.Parse(pipe.SequenceOf(e[:3]))
	require.ErrorIs(t, err, protocol.ErrIncomplete)
	require.True(t, r.ExpectEncryptionResponse)
	m, _, _, err = r.Parse(pipe.SequenceOf(e))
	require.NoError(t, err)
	require.False(t, r.ExpectEncryptionResponse)
	er, err := pgwire.DecodeErrorResponse(m)
	require.NoError(t, err)
	assert.Equal(t, syntaxError, er.Err())
	assert.EqualError(t, er.Err(), `pgwire: ERROR: syntax error at or near "selec" (SQLSTATE 42601)`)
	code, found := er.Field(pgwire.FieldCode)
	require.True(t, found)
	assert.Equal(t, "42601", code.String())
	_, found = er.Field(pgwire.FieldHint)
	assert.False(t, found)
}

// be32 is a big-endian int32.
func be32(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
