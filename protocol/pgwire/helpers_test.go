package pgwire_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// msg is a message to write with an Append function, and its rendering.
type msg struct {
	enc  func(w *writer.Cursor) error
	want string
}

// ok wraps an Append function that cannot fail.
func ok(f func(w *writer.Cursor)) func(w *writer.Cursor) error {
	return func(w *writer.Cursor) error { f(w); return nil }
}

// encode writes msgs through a protocol.Writer and returns the bytes.
func encode(t testing.TB, msgs ...msg) []byte {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := protocol.NewWriter[pgwire.Encoder](p.Writer(), pgwire.Writer{})
	encs := make([]pgwire.Encoder, len(msgs))
	for i, m := range msgs {
		encs[i] = pgwire.EncodeFunc(m.enc)
	}
	require.NoError(t, w.WriteMany(testkit.Context(t), encs...))
	p.Writer().Complete(nil)
	res, got, err := p.Reader().TryRead()
	require.True(t, got)
	require.NoError(t, err)
	b := res.Buffer.Bytes()
	p.Reader().Complete(nil)
	return b
}

// wants returns the renderings of msgs.
func wants(msgs []msg) []string {
	s := make([]string, len(msgs))
	for i, m := range msgs {
		s[i] = m.want
	}
	return s
}

// readAll reads every message of in with a protocol.Reader and codec until
// an error, and returns their renderings and that error (nil for io.EOF).
func readAll(t testing.TB, in pipe.Reader, codec protocol.MessageReader[pgwire.Message], backend bool) ([]string, error) {
	r := protocol.NewReader[pgwire.Message](in, codec, protocol.ReaderOptions{})
	ctx := testkit.Context(t)
	var got []string
	for {
		m, err := r.Read(ctx)
		if err != nil {
			in.Complete(nil)
			if err == io.EOF {
				err = nil
			}
			return got, err
		}
		got = append(got, m.Render(backend))
		r.Advance()
	}
}

// frontendMsgs is a session's worth of frontend messages, startup first.
var frontendMsgs = []msg{
	{ok(pgwire.AppendSSLRequest), `SSLRequest{}`},
	{ok(pgwire.AppendGSSENCRequest), `GSSENCRequest{}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion30, "user", "alice", "database", "db", "application_name", "")
	}, `StartupMessage{3.0 "user"="alice" "database"="db" "application_name"=""}`},
	{func(w *writer.Cursor) error { return pgwire.AppendPassword(w, "secret") }, `Password{"secret\x00"}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendSASLInitialResponse(w, "SCRAM-SHA-256", []byte("n,,n=,r=rOprNGfwEbeRWgbNEkqO"))
	}, `Password{"SCRAM-SHA-256\x00\x00\x00\x00\x1cn,,n=,r=rOprNGfwEbeRWgbNEkqO"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendSASLInitialResponse(w, "X", nil) }, `Password{"X\x00\xff\xff\xff\xff"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendSASLResponse(w, []byte("c=biws,r=abc,p=xyz")) }, `Password{"c=biws,r=abc,p=xyz"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendQuery(w, "select 1; select 'x'") }, `Query{"select 1; select 'x'"}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendParse(w, "s1", "select $1::int, $2", []uint32{23, 0})
	}, `Parse{"s1" "select $1::int, $2" 23 0}`},
	{func(w *writer.Cursor) error { return pgwire.AppendParse(w, "", "select 1", nil) }, `Parse{"" "select 1"}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendBind(w, "p1", "s1", []int16{1}, [][]byte{[]byte("x"), nil, {}}, []int16{0, 1})
	}, `Bind{"p1" "s1" [1] ["x" NULL ""] [0 1]}`},
	{func(w *writer.Cursor) error { return pgwire.AppendBind(w, "", "", nil, nil, nil) }, `Bind{"" "" [] [] []}`},
	{func(w *writer.Cursor) error { return pgwire.AppendDescribe(w, 'S', "s1") }, `Describe{S "s1"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendDescribe(w, 'P', "") }, `Describe{P ""}`},
	{func(w *writer.Cursor) error { return pgwire.AppendExecute(w, "p1", 10) }, `Execute{"p1" 10}`},
	{func(w *writer.Cursor) error { return pgwire.AppendClose(w, 'P', "p1") }, `Close{P "p1"}`},
	{ok(pgwire.AppendFlush), `Flush{}`},
	{ok(pgwire.AppendSync), `Sync{}`},
	{func(w *writer.Cursor) error { return pgwire.AppendCopyData(w, []byte("1\tx\n")) }, `CopyData{"1\tx\n"}`},
	{ok(pgwire.AppendCopyDone), `CopyDone{}`},
	{func(w *writer.Cursor) error { return pgwire.AppendCopyFail(w, "canceled") }, `CopyFail{"canceled"}`},
	{ok(pgwire.AppendTerminate), `Terminate{}`},
}

var syntaxError = &pgwire.Error{
	Severity: "ERROR", SeverityV: "ERROR", Code: "42601", Message: `syntax error at or near "selec"`,
	Position: 1, File: "scan.l", Line: 1145, Routine: "scanner_yyerror",
}

// backendMsgs is a session's worth of backend messages.
var backendMsgs = []msg{
	{ok(pgwire.AppendAuthenticationCleartextPassword), `Authentication{3 ""}`},
	{ok(func(w *writer.Cursor) { pgwire.AppendAuthenticationMD5Password(w, [4]byte{1, 2, 3, 0xff}) }), `Authentication{MD5Password 010203ff}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendAuthenticationSASL(w, "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")
	}, `Authentication{SASL "SCRAM-SHA-256-PLUS" "SCRAM-SHA-256"}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendAuthenticationSASLContinue(w, []byte("r=abc,s=c2FsdA==,i=4096"))
	}, `Authentication{11 "r=abc,s=c2FsdA==,i=4096"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendAuthenticationSASLFinal(w, []byte("v=c2ln")) }, `Authentication{12 "v=c2ln"}`},
	{ok(pgwire.AppendAuthenticationOk), `Authentication{0 ""}`},
	{func(w *writer.Cursor) error { return pgwire.AppendNegotiateProtocolVersion(w, 0, "_pq_.x") }, `NegotiateProtocolVersion{0 "_pq_.x"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendParameterStatus(w, "server_version", "17.2") }, `ParameterStatus{"server_version"="17.2"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendBackendKeyData(w, 4242, []byte{1, 2, 3, 4}) }, `BackendKeyData{4242 01020304}`},
	{func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxIdle) }, `ReadyForQuery{I}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendRowDescription(w, []pgwire.Field{
			{Name: "id", TableOID: 16384, Column: 1, TypeOID: 23, TypeSize: 4, TypeModifier: -1},
			{Name: "name", TableOID: 16384, Column: 2, TypeOID: 25, TypeSize: -1, TypeModifier: -1, Format: 1},
		})
	}, `RowDescription{"id":16384.1:23/4/-1/0 "name":16384.2:25/-1/-1/1}`},
	{func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("1"), nil, {}}) }, `DataRow{"1" NULL ""}`},
	{func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, nil) }, `DataRow{}`},
	{func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, "SELECT 2") }, `CommandComplete{"SELECT 2"}`},
	{ok(pgwire.AppendEmptyQueryResponse), `EmptyQueryResponse{}`},
	{func(w *writer.Cursor) error { return pgwire.AppendErrorResponse(w, syntaxError) },
		`ErrorResponse{S="ERROR" V="ERROR" C="42601" M="syntax error at or near \"selec\"" P="1" F="scan.l" L="1145" R="scanner_yyerror"}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendNoticeResponse(w, &pgwire.Error{Severity: "NOTICE", Code: "00000", Message: "m", Detail: "d", Hint: "h", Where: "w",
			InternalPosition: 3, InternalQuery: "iq", Schema: "s", Table: "t", Column: "c", DataType: "dt", Constraint: "n"})
	}, `NoticeResponse{S="NOTICE" C="00000" M="m" D="d" H="h" p="3" q="iq" W="w" s="s" t="t" c="c" d="dt" n="n"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxInBlock) }, `ReadyForQuery{T}`},
	{ok(pgwire.AppendParseComplete), `ParseComplete{}`},
	{func(w *writer.Cursor) error { return pgwire.AppendParameterDescription(w, []uint32{23, 25}) }, `ParameterDescription{23 25}`},
	{ok(pgwire.AppendNoData), `NoData{}`},
	{ok(pgwire.AppendBindComplete), `BindComplete{}`},
	{ok(pgwire.AppendPortalSuspended), `PortalSuspended{}`},
	{ok(pgwire.AppendCloseComplete), `CloseComplete{}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendCopyResponse(w, pgwire.TypeCopyInResponse, 0, []int16{0, 0})
	}, `CopyResponse{G 0 0 0}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendCopyResponse(w, pgwire.TypeCopyOutResponse, 1, []int16{1})
	}, `CopyResponse{H 1 1}`},
	{func(w *writer.Cursor) error {
		return pgwire.AppendCopyResponse(w, pgwire.TypeCopyBothResponse, 0, nil)
	}, `CopyResponse{W 0}`},
	{func(w *writer.Cursor) error { return pgwire.AppendCopyData(w, []byte("row\n")) }, `CopyData{"row\n"}`},
	{ok(pgwire.AppendCopyDone), `CopyDone{}`},
	{func(w *writer.Cursor) error { return pgwire.AppendNotificationResponse(w, 7, "ch", "payload") }, `NotificationResponse{7 "ch" "payload"}`},
	{func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxFailed) }, `ReadyForQuery{E}`},
}
