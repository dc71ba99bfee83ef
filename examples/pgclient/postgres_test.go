package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/pgtest"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
)

// The client against a real PostgreSQL: one server for all the subtests.
func TestPostgres(t *testing.T) {
	s := pgtest.Start(t)

	t.Run("SCRAM", func(t *testing.T) {
		c := connect(t, s, s.SCRAM)
		r, err := c.Query(testkit.Context(t), "SELECT current_user, current_setting('password_encryption')")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"scram_user", "scram-sha-256"}}, texts(r))
		assert.NotEmpty(t, c.Params["server_version"])
		assert.Equal(t, "UTF8", c.Params["client_encoding"])
	})

	t.Run("MD5", func(t *testing.T) {
		c := connect(t, s, s.MD5)
		r, err := c.Query(testkit.Context(t), "SELECT current_user")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"md5_user"}}, texts(r))
	})

	t.Run("Trust", func(t *testing.T) {
		c := connect(t, s, s.Trust)
		r, err := c.Query(testkit.Context(t), "SELECT current_user")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"trust_user"}}, texts(r))
	})

	t.Run("WrongPassword", func(t *testing.T) {
		for _, u := range []pgtest.User{s.SCRAM, s.MD5} {
			c, err := Connect(testkit.Context(t), s.Addr, u.Name, u.Password+"!", s.Database)
			assert.Nil(t, c)
			var pe *Error
			require.ErrorAs(t, err, &pe, u.Name)
			assert.Equal(t, "28P01", pe.Code, u.Name)
			assert.Equal(t, "FATAL", pe.Severity, u.Name)
			assert.Contains(t, pe.Message, "password authentication failed", u.Name)
			var fields *pgwire.Error
			require.ErrorAs(t, err, &fields)
			assert.Equal(t, "28P01", fields.Code)
		}
	})

	t.Run("UnknownDatabase", func(t *testing.T) {
		_, err := Connect(testkit.Context(t), s.Addr, s.SCRAM.Name, s.SCRAM.Password, "nowhere")
		var pe *Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "3D000", pe.Code)
	})

	t.Run("Types", func(t *testing.T) {
		c := connect(t, s, s.SCRAM)
		ctx := testkit.Context(t)
		r, err := c.Query(ctx, "SET TIME ZONE 'UTC'")
		require.NoError(t, err)
		assert.Equal(t, "SET", r.Tag)
		assert.Empty(t, r.Columns)

		r, err = c.Query(ctx, `SELECT 42::int4 AS i4, 9007199254740993::int8 AS i8, 'héllo, wörld'::text AS t,
			true AS b, -1.5::float8 AS f, 12345.678901234567890::numeric AS n, NULL::text AS nul,
			'2024-01-02 03:04:05.678+00'::timestamptz AS ts, '\xdeadbeef'::bytea AS by, ''::text AS empty`)
		require.NoError(t, err)
		assert.Equal(t, []string{"i4", "i8", "t", "b", "f", "n", "nul", "ts", "by", "empty"}, r.Columns)
		assert.Equal(t, []uint32{23, 20, 25, 16, 701, 1700, 25, 1184, 17, 25}, r.Types)
		assert.Equal(t, [][]string{{"42", "9007199254740993", "héllo, wörld", "t", "-1.5", "12345.678901234567890",
			"NULL", "2024-01-02 03:04:05.678+00", `\xdeadbeef`, ""}}, texts(r))
		assert.True(t, r.Rows[0][6].Null)
		assert.False(t, r.Rows[0][9].Null, "an empty string is not NULL")
		assert.Equal(t, "SELECT 1", r.Tag)
	})

	t.Run("EmptyAndMany", func(t *testing.T) {
		c := connect(t, s, s.SCRAM)
		ctx := testkit.Context(t)
		r, err := c.Query(ctx, "SELECT 1 AS one WHERE false")
		require.NoError(t, err)
		assert.Equal(t, []string{"one"}, r.Columns)
		assert.Empty(t, r.Rows)
		assert.Equal(t, "SELECT 0", r.Tag)

		r, err = c.Query(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, &Result{}, r, "EmptyQueryResponse")

		r, err = c.Query(ctx, "SELECT g, g * g AS sq FROM generate_series(1, 3) g")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"1", "1"}, {"2", "4"}, {"3", "9"}}, texts(r))

		// Many rows and a large value: messages straddle the segments of
		// the connection's input, and the rows outlive them.
		r, err = c.Query(ctx, "SELECT g, repeat(chr(65 + g % 26), 100) FROM generate_series(1, 20000) g")
		require.NoError(t, err)
		require.Len(t, r.Rows, 20000)
		for i, row := range r.Rows {
			g := i + 1
			require.Equal(t, strings.Repeat(string(rune(65+g%26)), 100), row[1].Text, "row %d", g)
		}
		assert.Equal(t, "SELECT 20000", r.Tag)
		r, err = c.Query(ctx, "SELECT repeat('ab', 300000)")
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat("ab", 300000), r.Rows[0][0].Text)

		// Several statements: the last one's result.
		r, err = c.Query(ctx, "CREATE TEMP TABLE t (a int, b text); INSERT INTO t VALUES (1, 'x'), (2, NULL); SELECT * FROM t ORDER BY a")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"1", "x"}, {"2", "NULL"}}, texts(r))
		r, err = c.Query(ctx, "UPDATE t SET b = 'y'")
		require.NoError(t, err)
		assert.Equal(t, "UPDATE 2", r.Tag)

		// A notice is skipped; COPY FROM STDIN is refused by the client.
		r, err = c.Query(ctx, "DO $$BEGIN RAISE NOTICE 'hello'; END$$")
		require.NoError(t, err)
		assert.Equal(t, "DO", r.Tag)
		_, err = c.Query(ctx, "COPY t FROM STDIN")
		var pe *Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "57014", pe.Code, "COPY failed by the client: %v", err)
		r, err = c.Query(ctx, "COPY t TO STDOUT")
		require.NoError(t, err)
		assert.Equal(t, "COPY 2", r.Tag)
	})

	t.Run("BadSQL", func(t *testing.T) {
		c := connect(t, s, s.SCRAM)
		ctx := testkit.Context(t)
		_, err := c.Query(ctx, "SELEC 1")
		var pe *Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "42601", pe.Code)
		assert.Equal(t, "ERROR", pe.Severity)
		assert.Contains(t, pe.Message, "syntax error")
		assert.Equal(t, int32(1), pe.Position)
		assert.Contains(t, err.Error(), "SQLSTATE 42601")

		// The same connection still works, inside a transaction too.
		r, err := c.Query(ctx, "SELECT 2")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"2"}}, texts(r))
		_, err = c.Query(ctx, "BEGIN; SELECT 1/0")
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "22012", pe.Code)
		_, err = c.Query(ctx, "SELECT 3")
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "25P02", pe.Code, "in a failed transaction")
		_, err = c.Query(ctx, "ROLLBACK")
		require.NoError(t, err)
		r, err = c.Query(ctx, "SELECT 3")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"3"}}, texts(r))
	})

	t.Run("Extended", func(t *testing.T) {
		c := connect(t, s, s.SCRAM)
		ctx := testkit.Context(t)
		r, err := c.QueryParams(ctx, "SELECT $1::int + 1 AS next, $2::text || '!' AS word, $3::text IS NULL, $4::bytea",
			41, "héllo", nil, []byte{0xde, 0xad})
		require.NoError(t, err)
		assert.Equal(t, []string{"next", "word", "?column?", "bytea"}, r.Columns)
		assert.Equal(t, [][]string{{"42", "héllo!", "t", `\xdead`}}, texts(r))
		assert.Equal(t, "SELECT 1", r.Tag)

		r, err = c.QueryParams(ctx, "SELECT g FROM generate_series(1, $1::int) g", "4")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"1"}, {"2"}, {"3"}, {"4"}}, texts(r))

		r, err = c.QueryParams(ctx, "CREATE TEMP TABLE e (a int)")
		require.NoError(t, err)
		assert.Empty(t, r.Columns, "NoData")
		assert.Equal(t, "CREATE TABLE", r.Tag)

		_, err = c.QueryParams(ctx, "SELECT $1::int", "forty")
		var pe *Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "22P02", pe.Code)
		_, err = c.QueryParams(ctx, "SELEC $1", "x")
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "42601", pe.Code)
		_, err = c.QueryParams(ctx, "SELECT 'a\x00b'")
		require.ErrorIs(t, err, pgwire.ErrInvalid, "refused before sending")

		r, err = c.QueryParams(ctx, "SELECT $1::text", "still works")
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"still works"}}, texts(r))
	})

	t.Run("ContextAndClose", func(t *testing.T) {
		c := connect(t, s, s.SCRAM)
		ctx, cancel := context.WithTimeout(testkit.Context(t), 100*time.Millisecond)
		defer cancel()
		began := time.Now()
		_, err := c.Query(ctx, "SELECT pg_sleep(5)")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(began), 3*time.Second)
		_, err = c.Query(testkit.Context(t), "SELECT 1")
		require.ErrorIs(t, err, ErrClosed, "a query cut short leaves the connection unusable")
		require.NoError(t, c.Close())

		// A row over the Reader's limit fails and closes the connection.
		c = connect(t, s, s.SCRAM)
		_, err = c.Query(testkit.Context(t), "SELECT repeat('x', 5 << 20)")
		require.ErrorIs(t, err, protocol.ErrMessageTooLarge)
		_, err = c.Query(testkit.Context(t), "SELECT 1")
		require.ErrorIs(t, err, ErrClosed)

		c = connect(t, s, s.SCRAM)
		require.NoError(t, c.Close())
		require.NoError(t, c.Close(), "twice")
		_, err = c.Query(testkit.Context(t), "SELECT 1")
		require.ErrorIs(t, err, ErrClosed)
		_, err = c.QueryParams(testkit.Context(t), "SELECT 1")
		require.ErrorIs(t, err, ErrClosed)
	})

	t.Run("Run", func(t *testing.T) { testRun(t, s) })
}
