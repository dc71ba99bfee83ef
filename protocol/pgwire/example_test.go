package pgwire_test

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// A client sends a startup message and a query; a server reads them with
// a FrontendReader and answers; the client reads the rows with a
// BackendReader.
func Example() {
	ctx := context.Background()
	requests, replies := pipe.New(pipe.Options{}), pipe.New(pipe.Options{})

	// The client's side: messages written with Append functions through
	// a protocol.Writer.
	cw := protocol.NewWriter[pgwire.Encoder](requests.Writer(), pgwire.Writer{})
	err := cw.Write(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error {
		if err := pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion30, "user", "alice", "database", "shop"); err != nil {
			return err
		}
		return pgwire.AppendQuery(w, "SELECT id, name FROM items")
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	requests.Writer().Complete(nil)

	// The server's side: the startup message, untyped, then the query.
	sr := protocol.NewReader[pgwire.Message](requests.Reader(), &pgwire.FrontendReader{}, protocol.ReaderOptions{})
	out := writer.NewCursor(replies.Writer())
	for {
		m, err := sr.Read(ctx)
		if err != nil {
			break // io.EOF
		}
		switch m.Type {
		case 0:
			s, _ := pgwire.DecodeStartupMessage(m)
			user, _ := s.Param("user")
			fmt.Println("server: startup of", user.String())
			pgwire.AppendAuthenticationOk(&out)
			pgwire.AppendReadyForQuery(&out, pgwire.TxIdle)
		case pgwire.TypeQuery:
			sql, _ := pgwire.DecodeQuery(m)
			fmt.Println("server: query", sql.String())
			pgwire.AppendRowDescription(&out, []pgwire.Field{{Name: "id", TypeOID: 23, TypeSize: 4}, {Name: "name", TypeOID: 25, TypeSize: -1}})
			pgwire.AppendDataRow(&out, [][]byte{[]byte("1"), []byte("apple")})
			pgwire.AppendDataRow(&out, [][]byte{[]byte("2"), nil})
			pgwire.AppendCommandComplete(&out, "SELECT 2")
			pgwire.AppendReadyForQuery(&out, pgwire.TxIdle)
		}
		sr.Advance()
	}
	out.Commit()
	replies.Writer().Flush(ctx)
	replies.Writer().Complete(nil)

	// The client reads the replies.
	cr := protocol.NewReader[pgwire.Message](replies.Reader(), &pgwire.BackendReader{}, protocol.ReaderOptions{})
	for {
		m, err := cr.Read(ctx)
		if err != nil {
			break
		}
		switch m.Type {
		case pgwire.TypeRowDescription:
			rd, _ := pgwire.DecodeRowDescription(m)
			fields := rd.Fields()
			for f, ok := fields.Next(); ok; f, ok = fields.Next() {
				fmt.Printf("%s (type %d) | ", f.Name.String(), f.TypeOID)
			}
			fmt.Println(rd.NumFields(), "fields")
		case pgwire.TypeDataRow:
			row, _ := pgwire.DecodeDataRow(m)
			cols := row.Columns()
			for cols.Next() {
				fmt.Printf("%s | ", cols.Value())
			}
			fmt.Println(row.NumColumns(), "columns")
		case pgwire.TypeCommandComplete:
			c, _ := pgwire.DecodeCommandComplete(m)
			n, _ := c.RowsAffected()
			fmt.Println(c.Tag.String(), "-", n, "rows")
		default:
			fmt.Println(m.Render(true))
		}
		cr.Advance()
	}
	// Output:
	// server: startup of alice
	// server: query SELECT id, name FROM items
	// Authentication{0 ""}
	// ReadyForQuery{I}
	// id (type 23) | name (type 25) | 2 fields
	// 1 | apple | 2 columns
	// 2 | NULL | 2 columns
	// SELECT 2 - 2 rows
	// ReadyForQuery{I}
}
