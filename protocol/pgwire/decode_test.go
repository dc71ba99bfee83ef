package pgwire_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// m builds a Message of typ with a body given as concatenated parts.
func m(typ byte, parts ...string) pgwire.Message {
	return pgwire.Message{Type: typ, Body: pipe.SequenceOf([]byte(strings.Join(parts, "")))}
}

// Malformed bodies give errors wrapping ErrMalformed.
func TestDecodeMalformed(t *testing.T) {
	n16 := func(v int16) string { return string([]byte{byte(uint16(v) >> 8), byte(v)}) }
	n32 := func(v int32) string { return string(be32(v)) }
	field := "a\x00" + strings.Repeat("\x00", 18)
	for name, decode := range map[string]func() error{
		"DataRow count":        func() error { _, err := pgwire.DecodeDataRow(m('D', n16(2), n32(1), "x")); return err },
		"DataRow negative":     func() error { _, err := pgwire.DecodeDataRow(m('D', n16(-1))); return err },
		"DataRow length":       func() error { _, err := pgwire.DecodeDataRow(m('D', n16(1), n32(5), "x")); return err },
		"DataRow length -2":    func() error { _, err := pgwire.DecodeDataRow(m('D', n16(1), n32(-2))); return err },
		"DataRow extra":        func() error { _, err := pgwire.DecodeDataRow(m('D', n16(1), n32(-1), "x")); return err },
		"DataRow empty":        func() error { _, err := pgwire.DecodeDataRow(m('D')); return err },
		"RowDescription short": func() error { _, err := pgwire.DecodeRowDescription(m('T', n16(1), field[:15])); return err },
		"RowDescription count": func() error { _, err := pgwire.DecodeRowDescription(m('T', n16(2), field)); return err },
		"RowDescription name":  func() error { _, err := pgwire.DecodeRowDescription(m('T', n16(1), "abc")); return err },
		"CommandComplete":      func() error { _, err := pgwire.DecodeCommandComplete(m('C', "SELECT 1")); return err },
		"CommandComplete extra": func() error {
			_, err := pgwire.DecodeCommandComplete(m('C', "SELECT 1\x00x"))
			return err
		},
		"ReadyForQuery status": func() error { _, err := pgwire.DecodeReadyForQuery(m('Z', "X")); return err },
		"ReadyForQuery long":   func() error { _, err := pgwire.DecodeReadyForQuery(m('Z', "II")); return err },
		"Authentication kind":  func() error { _, err := pgwire.DecodeAuthentication(m('R', "\x00")); return err },
		"Authentication ok+":   func() error { _, err := pgwire.DecodeAuthentication(m('R', n32(0), "x")); return err },
		"Authentication salt":  func() error { _, err := pgwire.DecodeAuthentication(m('R', n32(5), "abc")); return err },
		"Authentication SASL":  func() error { _, err := pgwire.DecodeAuthentication(m('R', n32(10), "SCRAM\x00")); return err },
		"Authentication SASL+": func() error { _, err := pgwire.DecodeAuthentication(m('R', n32(10), "S\x00\x00x")); return err },
		"BackendKeyData short": func() error { _, err := pgwire.DecodeBackendKeyData(m('K', n32(1), "abc")); return err },
		"BackendKeyData long": func() error {
			_, err := pgwire.DecodeBackendKeyData(m('K', n32(1), strings.Repeat("k", 257)))
			return err
		},
		"ParameterStatus":    func() error { _, err := pgwire.DecodeParameterStatus(m('S', "a\x00b")); return err },
		"ErrorResponse end":  func() error { _, err := pgwire.DecodeErrorResponse(m('E', "Mx\x00")); return err },
		"ErrorResponse cstr": func() error { _, err := pgwire.DecodeErrorResponse(m('E', "Mx")); return err },
		"ErrorResponse extra": func() error {
			_, err := pgwire.DecodeErrorResponse(m('N', "Mx\x00\x00\x00"))
			return err
		},
		"CopyResponse format":  func() error { _, err := pgwire.DecodeCopyResponse(m('G', "\x02", n16(0))); return err },
		"CopyResponse count":   func() error { _, err := pgwire.DecodeCopyResponse(m('H', "\x00", n16(2), n16(0))); return err },
		"CopyResponse empty":   func() error { _, err := pgwire.DecodeCopyResponse(m('W')); return err },
		"Notification":         func() error { _, err := pgwire.DecodeNotificationResponse(m('A', n32(1), "ch\x00")); return err },
		"ParameterDescription": func() error { _, err := pgwire.DecodeParameterDescription(m('t', n16(1), "abc")); return err },
		"Negotiate count": func() error {
			_, err := pgwire.DecodeNegotiateProtocolVersion(m('v', n32(0), n32(2), "a\x00"))
			return err
		},
		"Negotiate negative": func() error {
			_, err := pgwire.DecodeNegotiateProtocolVersion(m('v', n32(0), n32(-1)))
			return err
		},
		"Empty":             func() error { return pgwire.DecodeEmpty(m('1', "x"), '1') },
		"Startup code":      func() error { _, err := pgwire.DecodeStartupCode(m(0, "\x00\x03")); return err },
		"Startup params":    func() error { _, err := pgwire.DecodeStartupMessage(m(0, n32(3<<16), "user\x00a\x00")); return err },
		"Startup value":     func() error { _, err := pgwire.DecodeStartupMessage(m(0, n32(3<<16), "user\x00")); return err },
		"Startup extra":     func() error { _, err := pgwire.DecodeStartupMessage(m(0, n32(3<<16), "\x00x")); return err },
		"Cancel key":        func() error { _, err := pgwire.DecodeCancelRequest(m(0, n32(1234<<16|5678), n32(1), "ab")); return err },
		"Password":          func() error { _, err := pgwire.DecodePassword(m('p', "secret")); return err },
		"SASLInitial len":   func() error { _, err := pgwire.DecodeSASLInitialResponse(m('p', "M\x00", n32(3), "ab")); return err },
		"SASLInitial mech":  func() error { _, err := pgwire.DecodeSASLInitialResponse(m('p', "M")); return err },
		"SASLInitial extra": func() error { _, err := pgwire.DecodeSASLInitialResponse(m('p', "M\x00", n32(-1), "x")); return err },
		"Query":             func() error { _, err := pgwire.DecodeQuery(m('Q', "select")); return err },
		"CopyFail":          func() error { _, err := pgwire.DecodeCopyFail(m('f', "x\x00y")); return err },
		"Parse count":       func() error { _, err := pgwire.DecodeParse(m('P', "\x00q\x00", n16(1))); return err },
		"Parse query":       func() error { _, err := pgwire.DecodeParse(m('P', "\x00q")); return err },
		"Bind formats":      func() error { _, err := pgwire.DecodeBind(m('B', "\x00\x00", n16(1))); return err },
		"Bind params": func() error {
			_, err := pgwire.DecodeBind(m('B', "\x00\x00", n16(0), n16(1), n32(4), "ab"))
			return err
		},
		"Bind results": func() error {
			_, err := pgwire.DecodeBind(m('B', "\x00\x00", n16(0), n16(1), n32(-1), n16(-3)))
			return err
		},
		"Bind extra": func() error {
			_, err := pgwire.DecodeBind(m('B', "\x00\x00", n16(0), n16(0), n16(0), "x"))
			return err
		},
		"Describe kind":  func() error { _, err := pgwire.DecodeDescribe(m('D', "X\x00")); return err },
		"Close name":     func() error { _, err := pgwire.DecodeClose(m('C', "S")); return err },
		"Execute limit":  func() error { _, err := pgwire.DecodeExecute(m('E', "\x00\x00\x00")); return err },
		"Execute portal": func() error { _, err := pgwire.DecodeExecute(m('E', "p")); return err },
	} {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, decode(), pgwire.ErrMalformed)
		})
	}
}

// A Message of another type gives ErrWrongType.
func TestDecodeWrongType(t *testing.T) {
	q := m('Q', "select 1\x00")
	for name, decode := range map[string]func() error{
		"DataRow":        func() error { _, err := pgwire.DecodeDataRow(q); return err },
		"RowDescription": func() error { _, err := pgwire.DecodeRowDescription(q); return err },
		"ErrorResponse":  func() error { _, err := pgwire.DecodeErrorResponse(q); return err },
		"CopyResponse":   func() error { _, err := pgwire.DecodeCopyResponse(q); return err },
		"CopyData":       func() error { _, err := pgwire.DecodeCopyData(q); return err },
		"Empty":          func() error { return pgwire.DecodeEmpty(q, pgwire.TypeSync) },
		"Startup":        func() error { _, err := pgwire.DecodeStartupMessage(q); return err },
		"Startup code": func() error {
			_, err := pgwire.DecodeStartupMessage(m(0, string(be32(int32(pgwire.SSLRequestCode)))))
			return err
		},
		"Cancel code": func() error {
			_, err := pgwire.DecodeCancelRequest(m(0, string(be32(int32(pgwire.ProtocolVersion30))), "\x00"))
			return err
		},
		"Bind": func() error { _, err := pgwire.DecodeBind(q); return err },
	} {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, decode(), pgwire.ErrWrongType)
		})
	}
}

// Every decoder, given every prefix of every body cut anywhere, returns
// an error or a view, never panics; prefixes of bodies with a fixed layout
// fail.
func TestDecodeTruncatedBodies(t *testing.T) {
	for _, tc := range []struct {
		data    []byte
		backend bool
	}{{encode(t, frontendMsgs...), false}, {encode(t, backendMsgs...), true}} {
		var codec interface {
			Parse(pipe.Sequence) (pgwire.Message, pipe.Position, pipe.Position, error)
		} = &pgwire.FrontendReader{}
		if tc.backend {
			codec = &pgwire.BackendReader{}
		}
		msgs, err := codectest.ParseAll(t, codec, pipe.SequenceOf(tc.data), nil)
		require.NoError(t, err)
		for _, msg := range msgs {
			body := msg.Body.Bytes()
			for cut := range body {
				for split := range cut + 1 {
					short := pgwire.Message{Type: msg.Type, Body: pipe.SequenceOf(body[:split], body[split:cut])}
					r := short.Render(tc.backend)
					switch msg.Type {
					case 'D', 'T', 'Z', 'S', 'K', 'E', 'N', 'P', 'B':
						assert.Contains(t, r, "!", "%s cut at %d: %s", msg.Render(tc.backend), cut, r)
					}
				}
			}
		}
	}
}

// Append functions check their arguments and write nothing when they fail.
func TestEncodeInvalid(t *testing.T) {
	long := make([][]byte, 1<<15)
	for name, enc := range map[string]func(w *writer.Cursor) error{
		"Query NUL":        func(w *writer.Cursor) error { return pgwire.AppendQuery(w, "select\x001") },
		"Parse NUL":        func(w *writer.Cursor) error { return pgwire.AppendParse(w, "a\x00", "q", nil) },
		"Bind count":       func(w *writer.Cursor) error { return pgwire.AppendBind(w, "", "", nil, long, nil) },
		"DataRow count":    func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, long) },
		"Describe kind":    func(w *writer.Cursor) error { return pgwire.AppendDescribe(w, 'X', "") },
		"Startup odd":      func(w *writer.Cursor) error { return pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion30, "user") },
		"Startup empty":    func(w *writer.Cursor) error { return pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion30, "", "x") },
		"Cancel key":       func(w *writer.Cursor) error { return pgwire.AppendCancelRequest(w, 1, []byte{1}) },
		"BackendKeyData":   func(w *writer.Cursor) error { return pgwire.AppendBackendKeyData(w, 1, nil) },
		"ReadyForQuery":    func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, 'x') },
		"SASL empty":       func(w *writer.Cursor) error { return pgwire.AppendAuthenticationSASL(w, "") },
		"CopyResponse typ": func(w *writer.Cursor) error { return pgwire.AppendCopyResponse(w, 'Q', 0, nil) },
		"Error NUL":        func(w *writer.Cursor) error { return pgwire.AppendErrorResponse(w, &pgwire.Error{Message: "\x00"}) },
		"RowDescription":   func(w *writer.Cursor) error { return pgwire.AppendRowDescription(w, []pgwire.Field{{Name: "a\x00"}}) },
	} {
		t.Run(name, func(t *testing.T) {
			p := pipe.New(pipe.Options{})
			w := writer.NewCursor(p.Writer())
			require.ErrorIs(t, enc(&w), pgwire.ErrInvalid)
			assert.Zero(t, w.Buffered())
		})
	}
}
