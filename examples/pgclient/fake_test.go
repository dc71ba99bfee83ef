package main

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/protocol/pgwire/auth"
	"github.com/f2bac256/bedrock/transports/auto"
	"github.com/f2bac256/bedrock/writer"
)

// backend is the server's side of a fake PostgreSQL session.
type backend struct {
	t   *testing.T
	ctx context.Context
	in  *protocol.Reader[pgwire.Message]
	out *protocol.Writer[pgwire.Encoder]
}

// read reads the next message of type typ and returns a copy of its body.
func (b *backend) read(typ byte) []byte {
	m, err := b.in.Read(b.ctx)
	if !assert.NoError(b.t, err) {
		return nil
	}
	defer b.in.Advance()
	assert.Equal(b.t, typ, m.Type)
	return m.Body.Bytes()
}

// send writes messages made by Append functions.
func (b *backend) send(fs ...func(w *writer.Cursor) error) {
	msgs := make([]pgwire.Encoder, len(fs))
	for i, f := range fs {
		msgs[i] = pgwire.EncodeFunc(f)
	}
	assert.NoError(b.t, b.out.WriteMany(b.ctx, msgs...))
}

// ready ends authentication: AuthenticationOk, a parameter, ReadyForQuery.
func (b *backend) ready() {
	b.send(
		func(w *writer.Cursor) error { pgwire.AppendAuthenticationOk(w); return nil },
		func(w *writer.Cursor) error { return pgwire.AppendParameterStatus(w, "server_version", "fake") },
		func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxIdle) },
	)
}

// fake serves one connection with serve, which starts after the startup
// message (checked to name user "u" and database "d"), and returns the
// address to connect to. The connection is closed when serve returns.
//
// The fake server runs on the default transport, as the client does
// (netpoll on Linux): it once lost the client's last bytes before Close,
// which these tests caught.
func fake(t *testing.T, serve func(b *backend)) string {
	t.Helper()
	ctx := testkit.Context(t)
	l, err := auto.Factory().Bind(ctx, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, conn.Properties{})
	require.NoError(t, err)
	done := testkit.Async(func() {
		c, err := l.Accept(ctx)
		if !assert.NoError(t, err) {
			return
		}
		defer c.Close()
		p, err := c.Pipe()
		if !assert.NoError(t, err) {
			return
		}
		b := &backend{t: t, ctx: ctx,
			in:  protocol.NewReader[pgwire.Message](p.Input(), &pgwire.FrontendReader{}, protocol.ReaderOptions{}),
			out: protocol.NewWriter[pgwire.Encoder](p.Output(), pgwire.Writer{})}
		m, err := b.in.Read(ctx)
		if !assert.NoError(t, err) {
			return
		}
		s, err := pgwire.DecodeStartupMessage(m)
		if assert.NoError(t, err) {
			user, _ := s.Param("user")
			db, _ := s.Param("database")
			assert.Equal(t, "u d", user.String()+" "+db.String())
		}
		b.in.Advance()
		serve(b)
	})
	t.Cleanup(func() {
		l.Close()
		testkit.RequireDone(t, done)
	})
	return l.Addr().String()
}

// Cleartext password authentication, then a query, against a fake server.
func TestFakeCleartext(t *testing.T) {
	addr := fake(t, func(b *backend) {
		b.send(func(w *writer.Cursor) error { pgwire.AppendAuthenticationCleartextPassword(w); return nil })
		assert.Equal(t, "secret\x00", string(b.read(pgwire.TypePassword)))
		b.ready()
		assert.Equal(t, "SELECT 1\x00", string(b.read(pgwire.TypeQuery)))
		b.send(
			func(w *writer.Cursor) error {
				return pgwire.AppendRowDescription(w, []pgwire.Field{{Name: "a", TypeOID: 25}, {Name: "b", TypeOID: 25}})
			},
			func(w *writer.Cursor) error { return pgwire.AppendDataRow(w, [][]byte{[]byte("x"), nil}) },
			func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, "SELECT 1") },
			func(w *writer.Cursor) error { return pgwire.AppendReadyForQuery(w, pgwire.TxIdle) },
		)
		b.read(pgwire.TypeTerminate)
	})
	c, err := Connect(testkit.Context(t), addr, "u", "secret", "d")
	require.NoError(t, err)
	assert.Equal(t, "fake", c.Params["server_version"])
	r, err := c.Query(testkit.Context(t), "SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, &Result{Columns: []string{"a", "b"}, Types: []uint32{25, 25},
		Rows: [][]Value{{{Text: "x"}, {Null: true}}}, Tag: "SELECT 1"}, r)
	require.NoError(t, c.Close())
}

// scramServer runs a SCRAM exchange up to the server-final message, which
// final makes from the client nonce and the server nonce; the nonce the
// server sends is the client's extended, unless badNonce.
func scramServer(t *testing.T, mechanisms []string, badNonce bool, final func(b *backend)) string {
	return fake(t, func(b *backend) {
		b.send(func(w *writer.Cursor) error { return pgwire.AppendAuthenticationSASL(w, mechanisms...) })
		m, err := b.in.Read(b.ctx)
		if err != nil {
			return // the client gave up
		}
		init, err := pgwire.DecodeSASLInitialResponse(m)
		if !assert.NoError(t, err) {
			return
		}
		assert.Equal(t, auth.SCRAMSHA256, init.Mechanism.String())
		first := init.Data.String()
		b.in.Advance()
		if !assert.True(t, strings.HasPrefix(first, "n,,n=,r="), first) {
			return
		}
		nonce := strings.TrimPrefix(first, "n,,n=,r=") + "server"
		if badNonce {
			nonce = "someone-else"
		}
		b.send(func(w *writer.Cursor) error {
			return pgwire.AppendAuthenticationSASLContinue(w, []byte("r="+nonce+",s=c2FsdA==,i=4096"))
		})
		if badNonce {
			_, err := b.in.Read(b.ctx)
			assert.Error(t, err, "the client hangs up")
			return
		}
		b.read(pgwire.TypePassword)
		final(b)
	})
}

// The client refuses a server that does not prove it knows the password,
// and methods it does not implement.
func TestFakeAuthFailures(t *testing.T) {
	ctx := testkit.Context(t)
	wrongSig := scramServer(t, []string{"SCRAM-SHA-256-PLUS", auth.SCRAMSHA256}, false, func(b *backend) {
		b.send(func(w *writer.Cursor) error {
			return pgwire.AppendAuthenticationSASLFinal(w, []byte("v="+base64.StdEncoding.EncodeToString(make([]byte, 32))))
		})
		_, err := b.in.Read(b.ctx)
		assert.Error(t, err, "the client hangs up")
	})
	_, err := Connect(ctx, wrongSig, "u", "pw", "d")
	assert.ErrorIs(t, err, auth.ErrServerSignature)

	skipped := scramServer(t, []string{auth.SCRAMSHA256}, false, func(b *backend) { b.ready() })
	_, err = Connect(ctx, skipped, "u", "pw", "d")
	assert.ErrorIs(t, err, ErrProtocol)

	badNonce := scramServer(t, []string{auth.SCRAMSHA256}, true, nil)
	_, err = Connect(ctx, badNonce, "u", "pw", "d")
	assert.ErrorIs(t, err, auth.ErrNonceMismatch)

	plusOnly := fake(t, func(b *backend) {
		b.send(func(w *writer.Cursor) error { return pgwire.AppendAuthenticationSASL(w, "SCRAM-SHA-256-PLUS") })
		_, err := b.in.Read(b.ctx)
		assert.Error(t, err, "the client hangs up")
	})
	_, err = Connect(ctx, plusOnly, "u", "pw", "d")
	assert.ErrorIs(t, err, ErrUnsupportedAuth)

	hangUp := fake(t, func(b *backend) {})
	_, err = Connect(ctx, hangUp, "u", "pw", "d")
	assert.ErrorIs(t, err, io.EOF)

	queryFirst := fake(t, func(b *backend) {
		b.send(func(w *writer.Cursor) error { return pgwire.AppendCommandComplete(w, "SELECT 1") })
		_, err := b.in.Read(b.ctx)
		assert.Error(t, err, "the client hangs up")
	})
	_, err = Connect(ctx, queryFirst, "u", "pw", "d")
	assert.ErrorIs(t, err, ErrProtocol)
}
