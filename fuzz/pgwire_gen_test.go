package fuzz_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

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
