package fuzz_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// FuzzPGFrontend parses the data as the frontend messages a server reads
// (with a pgwire.FrontendReader, starting in the startup phase) from one
// segment and from segments cut where the input says, checking the
// positions Parse returns and that both parses agree, runs every decoder
// on every message, writes every message back and parses it again, and
// writes messages generated from the data with the Append functions and
// reads them back.
//
// The input is two control bytes followed by cut offsets and the data:
// input[0] picks the MaxMessageSize (bits 0-1) and the MaxStartupSize (bit
// 2), input[1] the number of cuts (0..15), then one byte per cut, scaled
// to the data.
func FuzzPGFrontend(f *testing.F) {
	for _, s := range pgFrontendSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		ctl, data, cuts := decodePGInput(input)
		newCodec := func() protocol.MessageReader[pgwire.Message] {
			return &pgwire.FrontendReader{MaxMessageSize: pgLimits[ctl&3], MaxStartupSize: [...]int64{0, 64}[ctl>>2&1]}
		}
		want, wantErr := parsePG(t, newCodec(), pipe.SequenceOf(data), false)
		got, err := parsePG(t, newCodec(), codectest.Split(data, cuts), false)
		codectest.RequireSameOutcome(t, want, wantErr, got, err)

		pgRoundTrip(t, data, false)
	})
}

// FuzzPGBackend is FuzzPGFrontend for the backend messages a client reads
// with a pgwire.BackendReader. Bit 2 of input[0] sets
// ExpectEncryptionResponse at the start.
func FuzzPGBackend(f *testing.F) {
	for _, s := range pgBackendSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		ctl, data, cuts := decodePGInput(input)
		newCodec := func() protocol.MessageReader[pgwire.Message] {
			return &pgwire.BackendReader{MaxMessageSize: pgLimits[ctl&3], ExpectEncryptionResponse: ctl&4 != 0}
		}
		want, wantErr := parsePG(t, newCodec(), pipe.SequenceOf(data), true)
		got, err := parsePG(t, newCodec(), codectest.Split(data, cuts), true)
		codectest.RequireSameOutcome(t, want, wantErr, got, err)

		// A RowScanner, with the BackendReader for what it leaves, reads
		// the same rows as DecodeDataRow, and stops at the same error.
		max := pgLimits[ctl&3]
		wantRows, wantErr := pgRows(pipe.SequenceOf(data), max, false)
		gotRows, err := pgRows(codectest.Split(data, cuts), max, true)
		require.Equal(t, wantRows, gotRows)
		if wantErr == nil {
			require.NoError(t, err)
		} else {
			require.EqualError(t, err, wantErr.Error())
		}

		pgRoundTrip(t, data, true)
	})
}

// pgRows reads the DataRows of s as a client does: with a
// pgwire.RowScanner, and a BackendReader for the other messages and the
// rows the scanner leaves, when scan is set; message by message with
// DecodeDataRow otherwise. It returns the rows' values (copies, nil for
// NULL) and the error that stopped the read (nil at the end of s).
func pgRows(s pipe.Sequence, max int64, scan bool) ([][][]byte, error) {
	codec := pgwire.BackendReader{MaxMessageSize: max}
	sc := pgwire.RowScanner{MaxMessageSize: max}
	var rows [][][]byte
	for {
		if scan {
			sc.Reset(s)
			for sc.Next() {
				rows = append(rows, copyPGValues(sc.Values()))
			}
			if err := sc.Err(); err != nil {
				return rows, err
			}
			s = sc.Rest()
		}
		if s.IsEmpty() {
			return rows, nil
		}
		m, consumed, _, err := codec.Parse(s)
		if err != nil {
			return rows, err
		}
		if m.Type == pgwire.TypeDataRow {
			r, err := pgwire.DecodeDataRow(m)
			if err != nil {
				return rows, err
			}
			var vals [][]byte
			for cols := r.Columns(); cols.Next(); {
				if v := cols.Value(); v.Null {
					vals = append(vals, nil)
				} else {
					vals = append(vals, v.Data.Bytes())
				}
			}
			rows = append(rows, copyPGValues(vals))
		}
		s = s.SliceFrom(consumed)
	}
}

// copyPGValues copies values, keeping nil (NULL) and empty apart.
func copyPGValues(values [][]byte) [][]byte {
	out := make([][]byte, len(values))
	for i, v := range values {
		if v != nil {
			out[i] = append([]byte{}, v...)
		}
	}
	return out
}

var pgLimits = [...]int64{0, 16, 300, -1}

// decodePGInput returns the control byte, the data and the sorted cut
// offsets an input describes.
func decodePGInput(input []byte) (byte, []byte, []int) {
	var ctl [2]byte
	n := copy(ctl[:], input)
	data, cuts := codectest.SplitInput(input[n:], int(ctl[1]%16))
	return ctl[0], data, cuts
}

// pgSeed encodes an input.
func pgSeed(ctl byte, cuts []byte, data []byte) []byte {
	b := append([]byte{ctl, byte(len(cuts))}, cuts...)
	return append(b, data...)
}

// pgMessages writes messages with Append functions and returns the bytes.
func pgMessages(encs ...func(w *writer.Cursor) error) []byte {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	for _, e := range encs {
		if err := e(&w); err != nil {
			panic(err)
		}
	}
	w.Commit()
	p.Writer().Complete(nil)
	res, _, _ := p.Reader().TryRead()
	return res.Buffer.Bytes()
}

func pgFrontendSeeds() [][]byte {
	startup := pgMessages(func(w *writer.Cursor) error {
		return pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion30, "user", "postgres", "database", "postgres")
	})
	session := pgMessages(
		func(w *writer.Cursor) error { pgwire.AppendSSLRequest(w); return nil },
		func(w *writer.Cursor) error {
			return pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion32, "user", "alice", "application_name", "psql")
		},
		func(w *writer.Cursor) error {
			return pgwire.AppendSASLInitialResponse(w, "SCRAM-SHA-256", []byte("n,,n=,r=fyko+d2lbbFgONRv9qkxdawL"))
		},
		func(w *writer.Cursor) error { return pgwire.AppendQuery(w, "SELECT 1") },
		func(w *writer.Cursor) error { return pgwire.AppendParse(w, "s", "SELECT $1::int", []uint32{23}) },
		func(w *writer.Cursor) error {
			return pgwire.AppendBind(w, "", "s", []int16{0}, [][]byte{[]byte("42"), nil}, []int16{1})
		},
		func(w *writer.Cursor) error { return pgwire.AppendDescribe(w, 'P', "") },
		func(w *writer.Cursor) error { return pgwire.AppendExecute(w, "", 100) },
		func(w *writer.Cursor) error { pgwire.AppendSync(w); return nil },
		func(w *writer.Cursor) error { return pgwire.AppendCopyData(w, []byte("1\tone\n")) },
		func(w *writer.Cursor) error { pgwire.AppendCopyDone(w); return nil },
		func(w *writer.Cursor) error { pgwire.AppendTerminate(w); return nil },
	)
	cancel := pgMessages(func(w *writer.Cursor) error { return pgwire.AppendCancelRequest(w, 1234, []byte{9, 8, 7, 6}) })
	return [][]byte{
		nil,
		{0, 0},
		pgSeed(0, []byte{10, 100, 200}, startup),
		pgSeed(0, []byte{1, 2, 3, 4, 5, 50, 100, 150, 200, 250}, session),
		pgSeed(1, []byte{128}, session),
		pgSeed(4, nil, startup),
		pgSeed(0, []byte{30}, cancel),
		pgSeed(0, nil, append(startup, 'Q', 0, 0, 0, 3, 0)),
	}
}

func pgBackendSeeds() [][]byte {
	result := pgMessages(
		func(w *writer.Cursor) error {
			return pgwire.AppendRowDescription(w, []pgwire.Field{{Name: "id", TypeOID: 23, TypeSize: 4, TypeModifier: -1},
				{Name: "name", TableOID: 16384, Column: 2, TypeOID: 25, TypeSize: -1, TypeModifier: -1}})
		},
		func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("1"), []byte("one")}) },
		func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("2"), nil}) },
		func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, "SELECT 2") },
		func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxIdle) },
	)
	auth := pgMessages(
		func(w *writer.Cursor) error { return pgwire.AppendAuthenticationSASL(w, "SCRAM-SHA-256") },
		func(w *writer.Cursor) error {
			return pgwire.AppendAuthenticationSASLContinue(w, []byte("r=abc,s=QSXCR+Q6sek8bf92,i=4096"))
		},
		func(w *writer.Cursor) error {
			return pgwire.AppendAuthenticationSASLFinal(w, []byte("v=6rriTRBi23WpRR"))
		},
		func(w *writer.Cursor) error { pgwire.AppendAuthenticationOk(w); return nil },
		func(w *writer.Cursor) error { return pgwire.AppendParameterStatus(w, "server_version", "17.2") },
		func(w *writer.Cursor) error { return pgwire.AppendBackendKeyData(w, 4242, []byte{1, 2, 3, 4}) },
		func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxIdle) },
	)
	errs := pgMessages(
		func(w *writer.Cursor) error {
			return pgwire.AppendErrorResponse(w, &pgwire.Error{Severity: "ERROR", Code: "42601", Message: "syntax error", Position: 1})
		},
		func(w *writer.Cursor) error {
			return pgwire.AppendNoticeResponse(w, &pgwire.Error{Severity: "NOTICE", Message: "hi"})
		},
		func(w *writer.Cursor) error {
			return pgwire.AppendCopyResponse(w, pgwire.TypeCopyOutResponse, 0, []int16{0, 0})
		},
		func(w *writer.Cursor) error { return pgwire.AppendCopyData(w, []byte("a\tb\n")) },
		func(w *writer.Cursor) error { pgwire.AppendCopyDone(w); return nil },
		func(w *writer.Cursor) error { return pgwire.AppendNotificationResponse(w, 7, "ch", "x") },
		func(w *writer.Cursor) error { return pgwire.AppendParameterDescription(w, []uint32{23}) },
	)
	return [][]byte{
		nil,
		{0, 0},
		pgSeed(0, []byte{5, 10, 100, 200}, result),
		pgSeed(0, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, auth),
		pgSeed(2, []byte{64, 128}, errs),
		pgSeed(4, []byte{1}, append([]byte{'N'}, result...)),
		pgSeed(1, nil, result),
		pgSeed(0, nil, []byte{'D', 0, 0, 0, 10, 0, 1, 0, 0, 0, 9, 'x'}),
	}
}

// parsePG parses s with the position checks of codectest.ParseAll, runs
// every decoder on every message, checks that each message written back
// with Encode parses again the same, and returns the renderings.
func parsePG(t *testing.T, c protocol.MessageReader[pgwire.Message], s pipe.Sequence, backend bool) ([]string, error) {
	var got []string
	_, err := codectest.ParseAll(t, c, s, func(m pgwire.Message, size int64) {
		require.LessOrEqual(t, m.Body.Len(), size)
		r := m.Render(backend)
		got = append(got, r)
		decodeAllPG(m)

		if m.Type == 0 || m.Body.IsEmpty() && size == 1 {
			return // untyped or a one-byte answer: framed by the context
		}
		p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
		w := writer.NewCursor(p.Writer())
		require.NoError(t, m.Encode(&w))
		w.Commit()
		p.Writer().Complete(nil)
		res, ok, err := p.Reader().TryRead()
		require.True(t, ok)
		require.NoError(t, err)
		again, _, _, err := (&pgwire.BackendReader{MaxMessageSize: -1}).Parse(res.Buffer)
		require.NoError(t, err)
		require.Equal(t, r, again.Render(backend))
	})
	return got, err
}

// decodeAllPG runs every decoder on m, whatever its type, and uses what
// they return: none may panic.
func decodeAllPG(m pgwire.Message) {
	if a, err := pgwire.DecodeAuthentication(m); err == nil {
		it := a.Mechanisms()
		for _, ok := it.Next(); ok; _, ok = it.Next() {
		}
	}
	if r, err := pgwire.DecodeDataRow(m); err == nil {
		it := r.Columns()
		vals, ok := r.AppendValues(nil)
		i := 0
		for it.Next() {
			it.Contiguous()
			v := it.Value()
			it.Len()
			if ok && (i >= len(vals) || (vals[i] == nil) != v.Null || string(vals[i]) != v.Data.String()) {
				panic(fmt.Sprintf("pgwire: AppendValues disagrees with Columns at column %d", i))
			}
			i++
		}
		if ok && i != len(vals) {
			panic("pgwire: AppendValues and Columns count different columns")
		}
	}
	if r, err := pgwire.DecodeRowDescription(m); err == nil {
		it := r.Fields()
		for _, ok := it.Next(); ok; _, ok = it.Next() {
		}
	}
	if e, err := pgwire.DecodeErrorResponse(m); err == nil {
		_ = e.Err()
	}
	if c, err := pgwire.DecodeCommandComplete(m); err == nil {
		c.RowsAffected()
	}
	if b, err := pgwire.DecodeBind(m); err == nil {
		it := b.Params()
		for it.Next() {
			it.Contiguous()
			it.Value()
		}
		for i := -1; i <= b.NumParams(); i++ {
			b.ParamFormat(i)
			b.ResultFormat(i)
		}
	}
	if s, err := pgwire.DecodeStartupMessage(m); err == nil {
		s.Param("user")
	}
	if v, err := pgwire.DecodeNegotiateProtocolVersion(m); err == nil {
		it := v.Options()
		for _, ok := it.Next(); ok; _, ok = it.Next() {
		}
	}
	if p, err := pgwire.DecodeParse(m); err == nil {
		for i := range p.NumParamTypes() {
			p.ParamType(i)
		}
	}
	pgwire.DecodeBackendKeyData(m)
	pgwire.DecodeParameterStatus(m)
	pgwire.DecodeReadyForQuery(m)
	pgwire.DecodeNotificationResponse(m)
	pgwire.DecodeParameterDescription(m)
	pgwire.DecodeCopyResponse(m)
	pgwire.DecodeCopyData(m)
	pgwire.DecodeEmpty(m, m.Type)
	pgwire.DecodeStartupCode(m)
	pgwire.DecodeCancelRequest(m)
	pgwire.DecodePassword(m)
	pgwire.DecodeSASLInitialResponse(m)
	pgwire.DecodeSASLResponse(m)
	pgwire.DecodeQuery(m)
	pgwire.DecodeCopyFail(m)
	pgwire.DecodeDescribe(m)
	pgwire.DecodeClose(m)
	pgwire.DecodeExecute(m)
	m.Render(true)
	m.Render(false)
}

// pgGen writes messages with the Append functions as the bytes of its data
// say, and renders them as Message.Render does.
type pgGen struct{ data []byte }

func (g *pgGen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *pgGen) u32() uint32 { return uint32(g.byte())<<24 | uint32(g.byte())<<8 | uint32(g.byte()) }

// bytes takes up to 31 bytes (n from the data); nil when the data says so.
func (g *pgGen) bytes() []byte {
	c := g.byte()
	if c == 0xff {
		return nil
	}
	n := min(int(c%32), len(g.data))
	b := append([]byte{}, g.data[:n]...)
	g.data = g.data[n:]
	return b
}

// str takes a string without NUL bytes.
func (g *pgGen) str() string { return strings.ReplaceAll(string(g.bytes()), "\x00", "0") }

func pq(s string) string { return fmt.Sprintf("%q", s) }

func pqv(b []byte) string {
	if b == nil {
		return "NULL"
	}
	return pq(string(b))
}

// frontend writes one frontend message and returns its rendering.
func (g *pgGen) frontend(w *writer.Cursor) (string, error) {
	switch g.byte() % 13 {
	case 0:
		s := g.str()
		return "Query{" + pq(s) + "}", pgwire.AppendQuery(w, s)
	case 1:
		name, q := g.str(), g.str()
		oids := make([]uint32, g.byte()%4)
		r := "Parse{" + pq(name) + " " + pq(q)
		for i := range oids {
			oids[i] = g.u32()
			r += fmt.Sprint(" ", oids[i])
		}
		return r + "}", pgwire.AppendParse(w, name, q, oids)
	case 2:
		portal, stmt := g.str(), g.str()
		pf := make([]int16, g.byte()%3)
		params := make([][]byte, g.byte()%4)
		rf := make([]int16, g.byte()%3)
		var b strings.Builder
		fmt.Fprintf(&b, "Bind{%s %s [", pq(portal), pq(stmt))
		for i := range pf {
			pf[i] = int16(g.byte() % 2)
			fmt.Fprintf(&b, "%s%d", sep(i), pf[i])
		}
		b.WriteString("] [")
		for i := range params {
			params[i] = g.bytes()
			fmt.Fprintf(&b, "%s%s", sep(i), pqv(params[i]))
		}
		b.WriteString("] [")
		for i := range rf {
			rf[i] = int16(g.byte() % 2)
			fmt.Fprintf(&b, "%s%d", sep(i), rf[i])
		}
		b.WriteString("]}")
		return b.String(), pgwire.AppendBind(w, portal, stmt, pf, params, rf)
	case 3, 4:
		kind := "SP"[g.byte()%2]
		name := g.str()
		if g.data != nil && len(g.data)%2 == 0 {
			return fmt.Sprintf("Describe{%c %s}", kind, pq(name)), pgwire.AppendDescribe(w, kind, name)
		}
		return fmt.Sprintf("Close{%c %s}", kind, pq(name)), pgwire.AppendClose(w, kind, name)
	case 5:
		portal, n := g.str(), int32(g.u32())
		return fmt.Sprintf("Execute{%s %d}", pq(portal), n), pgwire.AppendExecute(w, portal, n)
	case 6:
		pgwire.AppendSync(w)
		return "Sync{}", nil
	case 7:
		pgwire.AppendFlush(w)
		return "Flush{}", nil
	case 8:
		b := g.bytes()
		return "CopyData{" + pq(string(b)) + "}", pgwire.AppendCopyData(w, b)
	case 9:
		pgwire.AppendCopyDone(w)
		return "CopyDone{}", nil
	case 10:
		s := g.str()
		return "CopyFail{" + pq(s) + "}", pgwire.AppendCopyFail(w, s)
	case 11:
		s := g.str()
		return "Password{" + pq(s+"\x00") + "}", pgwire.AppendPassword(w, s)
	}
	b := g.bytes()
	return "Password{" + pq(string(b)) + "}", pgwire.AppendSASLResponse(w, b)
}

func sep(i int) string {
	if i > 0 {
		return " "
	}
	return ""
}

// backend writes one backend message and returns its rendering.
func (g *pgGen) backend(w *writer.Cursor) (string, error) {
	switch g.byte() % 14 {
	case 0:
		pgwire.AppendAuthenticationOk(w)
		return `Authentication{0 ""}`, nil
	case 1:
		var salt [4]byte
		binary.BigEndian.PutUint32(salt[:], g.u32())
		pgwire.AppendAuthenticationMD5Password(w, salt)
		return fmt.Sprintf("Authentication{MD5Password %x}", salt), nil
	case 2:
		mechs := []string{"SCRAM-SHA-256", g.str() + "x"}
		return fmt.Sprintf("Authentication{SASL %s %s}", pq(mechs[0]), pq(mechs[1])), pgwire.AppendAuthenticationSASL(w, mechs...)
	case 3:
		b := g.bytes()
		return fmt.Sprintf("Authentication{11 %s}", pq(string(b))), pgwire.AppendAuthenticationSASLContinue(w, b)
	case 4:
		n, v := g.str(), g.str()
		return fmt.Sprintf("ParameterStatus{%s=%s}", pq(n), pq(v)), pgwire.AppendParameterStatus(w, n, v)
	case 5:
		key := append(g.bytes(), 1, 2, 3, 4)
		pid := int32(g.u32())
		return fmt.Sprintf("BackendKeyData{%d %x}", pid, key), pgwire.AppendBackendKeyData(w, pid, key)
	case 6:
		s := "ITE"[g.byte()%3]
		return fmt.Sprintf("ReadyForQuery{%c}", s), pgwire.AppendReadyForQuery(w, s)
	case 7:
		fields := make([]pgwire.Field, g.byte()%4)
		var b strings.Builder
		b.WriteString("RowDescription{")
		for i := range fields {
			f := pgwire.Field{Name: g.str(), TableOID: g.u32(), Column: int16(g.u32()), TypeOID: g.u32(),
				TypeSize: int16(g.u32()), TypeModifier: int32(g.u32()), Format: int16(g.byte() % 2)}
			fields[i] = f
			fmt.Fprintf(&b, "%s%s:%d.%d:%d/%d/%d/%d", sep(i), pq(f.Name), f.TableOID, f.Column, f.TypeOID, f.TypeSize, f.TypeModifier, f.Format)
		}
		b.WriteString("}")
		return b.String(), pgwire.AppendRowDescription(w, fields)
	case 8, 9:
		values := make([][]byte, g.byte()%6)
		var b strings.Builder
		b.WriteString("DataRow{")
		for i := range values {
			values[i] = g.bytes()
			fmt.Fprintf(&b, "%s%s", sep(i), pqv(values[i]))
		}
		b.WriteString("}")
		return b.String(), pgwire.AppendDataRow(w, values)
	case 10:
		s := g.str()
		return "CommandComplete{" + pq(s) + "}", pgwire.AppendCommandComplete(w, s)
	case 11:
		e := &pgwire.Error{Severity: g.str(), Code: g.str(), Message: g.str(), Position: int32(g.u32())}
		r := "ErrorResponse{"
		var parts []string
		for _, f := range []struct {
			c byte
			v string
		}{{'S', e.Severity}, {'C', e.Code}, {'M', e.Message}} {
			if f.v != "" {
				parts = append(parts, fmt.Sprintf("%c=%s", f.c, pq(f.v)))
			}
		}
		if e.Position != 0 {
			parts = append(parts, fmt.Sprintf("P=%s", pq(fmt.Sprint(e.Position))))
		}
		return r + strings.Join(parts, " ") + "}", pgwire.AppendErrorResponse(w, e)
	case 12:
		typ := "GHW"[g.byte()%3]
		formats := make([]int16, g.byte()%4)
		r := fmt.Sprintf("CopyResponse{%c 1", typ)
		for i := range formats {
			formats[i] = int16(g.byte() % 2)
			r += fmt.Sprint(" ", formats[i])
		}
		return r + "}", pgwire.AppendCopyResponse(w, typ, 1, formats)
	}
	pid, ch, p := int32(g.u32()), g.str(), g.str()
	return fmt.Sprintf("NotificationResponse{%d %s %s}", pid, pq(ch), pq(p)), pgwire.AppendNotificationResponse(w, pid, ch, p)
}

// pgAppender is a MessageWriter of the messages of a pgGen.
type pgAppender struct {
	g       *pgGen
	backend bool
	want    *[]string
}

func (a pgAppender) WriteMessage(_ struct{}, w *writer.Cursor) error {
	var r string
	var err error
	if a.backend {
		r, err = a.g.backend(w)
	} else {
		r, err = a.g.frontend(w)
	}
	*a.want = append(*a.want, r)
	return err
}

// pgRoundTrip writes messages generated from data through a
// protocol.Writer and reads them back through a protocol.Reader.
func pgRoundTrip(t *testing.T, data []byte, backend bool) {
	var want []string
	g := &pgGen{data: bytes.Clone(data)}
	msgs := make([]struct{}, 1+len(data)/8)
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	ctx := testkit.Context(t)
	var codec protocol.MessageReader[pgwire.Message] = &pgwire.BackendReader{}
	if !backend {
		codec = &pgwire.FrontendReader{StartupDone: true}
	}
	require.NoError(t, protocol.NewWriter[struct{}](p.Writer(), pgAppender{g, backend, &want}).WriteMany(ctx, msgs...))
	p.Writer().Complete(nil)
	r := protocol.NewReader(p.Reader(), codec, protocol.ReaderOptions{})
	for i := 0; ; i++ {
		m, err := r.Read(ctx)
		if err == io.EOF {
			require.Equal(t, len(want), i)
			break
		}
		require.NoError(t, err)
		require.Less(t, i, len(want))
		require.Equal(t, want[i], m.Render(backend))
		r.Advance()
	}
	p.Reader().Complete(nil)
}
