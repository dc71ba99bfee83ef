package fuzz_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/codectest"
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
		// the same rows as DecodeDataRow, and stops at the same error,
		// with its Next loop and with its Rows loop.
		max := pgLimits[ctl&3]
		wantRows, wantErr := pgRows(pipe.SequenceOf(data), max, pgByMessage)
		for _, mode := range []int{pgNext, pgIter, pgByMessageRow} {
			for _, s := range []pipe.Sequence{pipe.SequenceOf(data), codectest.Split(data, cuts)} {
				gotRows, err := pgRows(s, max, mode)
				if wantErr == nil {
					require.NoError(t, err)
				} else {
					require.EqualError(t, err, wantErr.Error())
					if mode == pgIter && len(gotRows) == len(wantRows)+1 {
						// The values of the malformed row before its
						// first bad length, yielded before the error.
						gotRows = append(wantRows[:0:0], gotRows[:len(wantRows)]...)
					}
				}
				require.Equal(t, wantRows, gotRows, "mode %d", mode)
			}
		}

		pgRoundTrip(t, data, true)
	})
}

// The ways pgRows reads rows.
const (
	pgByMessage    = iota // message by message with DecodeDataRow
	pgNext                // RowScanner.Next and Values
	pgIter                // RowScanner.Rows and Row.Values
	pgByMessageRow        // message by message, DataRow.Row's Values when contiguous
)

// pgRows reads the DataRows of s as a client does: with a
// pgwire.RowScanner (Next or Rows, as mode says), and a BackendReader for
// the other messages and the rows the scanner leaves; message by message
// with DecodeDataRow for pgByMessage and pgByMessageRow. It returns the rows' values (copies,
// nil for NULL) and the error that stopped the read (nil at the end of s).
func pgRows(s pipe.Sequence, max int64, mode int) ([][][]byte, error) {
	codec := pgwire.BackendReader{MaxMessageSize: max}
	sc := pgwire.RowScanner{MaxMessageSize: max}
	var rows [][][]byte
	for {
		if mode == pgNext || mode == pgIter {
			sc.Reset(s)
			if mode == pgNext {
				for sc.Next() {
					rows = append(rows, copyPGValues(sc.Values()))
				}
			} else {
				for row := range sc.Rows() {
					vals := [][]byte{}
					for v := range row.Values() {
						vals = append(vals, v)
					}
					rows = append(rows, copyPGValues(vals))
				}
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
			if row, ok := r.Row(); ok && mode == pgByMessageRow {
				for v := range row.Values() {
					vals = append(vals, v)
				}
				if len(vals) != row.NumColumns() {
					return rows, fmt.Errorf("DataRow.Row: %d values of %d", len(vals), row.NumColumns())
				}
			} else {
				for cols := r.Columns(); cols.Next(); {
					if v := cols.Value(); v.Null {
						vals = append(vals, nil)
					} else {
						vals = append(vals, v.Data.Bytes())
					}
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
