package main

import (
	"context"
	"fmt"

	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// Query runs sql with the simple query protocol and returns the result of
// its last statement (sql may hold several, separated by semicolons). Values
// are in text format. An error of the server is an *Error, after which the
// Client can still be used.
func (c *Client) Query(ctx context.Context, sql string) (*Result, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	err := c.send(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error { return pgwire.AppendQuery(w, sql) }))
	if err != nil {
		return nil, c.fail(err)
	}
	return c.results(ctx)
}

// QueryParams runs sql, which refers to its parameters as $1, $2..., with
// the extended query protocol: Parse (of the unnamed statement, the server
// inferring the parameters' types), Bind of args, Describe of the portal,
// Execute and Sync, sent at once. An arg is nil (NULL), a string, a []byte,
// or anything else, which is formatted with fmt.Sprint; all go in text
// format, as do the values of the Result.
func (c *Client) QueryParams(ctx context.Context, sql string, args ...any) (*Result, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	params := make([][]byte, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case nil:
		case []byte:
			params[i] = append([]byte{}, a...)
		case string:
			params[i] = append([]byte{}, a...)
		default:
			params[i] = fmt.Append([]byte{}, a)
		}
	}
	err := c.send(ctx,
		pgwire.EncodeFunc(func(w *writer.Cursor) error { return pgwire.AppendParse(w, "", sql, nil) }),
		pgwire.EncodeFunc(func(w *writer.Cursor) error { return pgwire.AppendBind(w, "", "", nil, params, nil) }),
		pgwire.EncodeFunc(func(w *writer.Cursor) error { return pgwire.AppendDescribe(w, 'P', "") }),
		pgwire.EncodeFunc(func(w *writer.Cursor) error { return pgwire.AppendExecute(w, "", 0) }),
		pgwire.EncodeFunc(func(w *writer.Cursor) error { pgwire.AppendSync(w); return nil }),
	)
	if err != nil {
		// Append checks its arguments before writing anything: a NUL byte in
		// sql, for instance, leaves the connection usable.
		return nil, fmt.Errorf("pgclient: %w", err)
	}
	return c.results(ctx)
}

// results reads what a query returns up to ReadyForQuery, and returns the
// result of the last statement.
func (c *Client) results(ctx context.Context) (*Result, error) {
	var cur, last *Result
	err := c.receive(ctx, func(m pgwire.Message) error {
		switch m.Type {
		case pgwire.TypeRowDescription:
			rd, err := pgwire.DecodeRowDescription(m)
			if err != nil {
				return err
			}
			cur = &Result{Columns: make([]string, 0, rd.NumFields()), Types: make([]uint32, 0, rd.NumFields())}
			it := rd.Fields()
			for f, ok := it.Next(); ok; f, ok = it.Next() {
				cur.Columns = append(cur.Columns, f.Name.String())
				cur.Types = append(cur.Types, f.TypeOID)
			}
		case pgwire.TypeDataRow:
			dr, err := pgwire.DecodeDataRow(m)
			if err != nil {
				return err
			}
			if cur == nil || dr.NumColumns() != len(cur.Columns) {
				return fmt.Errorf("%w: DataRow of %d columns without a matching RowDescription", ErrProtocol, dr.NumColumns())
			}
			// The values reference the connection's input, released by
			// Advance: copy them out.
			row := make([]Value, 0, dr.NumColumns())
			cols := dr.Columns()
			for cols.Next() {
				v := Value{Null: cols.Null()}
				if b, ok := cols.Contiguous(); ok {
					v.Text = string(b)
				} else if !v.Null { // the value straddles two segments
					v.Text = cols.Data().String()
				}
				row = append(row, v)
			}
			cur.Rows = append(cur.Rows, row)
		case pgwire.TypeCommandComplete, pgwire.TypePortalSuspended:
			if cur == nil {
				cur = &Result{}
			}
			if m.Type == pgwire.TypeCommandComplete {
				cc, err := pgwire.DecodeCommandComplete(m)
				if err != nil {
					return err
				}
				cur.Tag = cc.Tag.String()
			}
			last, cur = cur, nil
		case pgwire.TypeEmptyQueryResponse:
			last, cur = &Result{}, nil
		case pgwire.TypeParseComplete, pgwire.TypeBindComplete, pgwire.TypeCloseComplete, pgwire.TypeNoData:
			return pgwire.DecodeEmpty(m, m.Type)
		case pgwire.TypeParameterDescription:
			_, err := pgwire.DecodeParameterDescription(m)
			return err
		case pgwire.TypeCopyInResponse:
			// COPY FROM STDIN: this client has nothing to send.
			return c.send(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error {
				return pgwire.AppendCopyFail(w, "pgclient does not send COPY data")
			}))
		case pgwire.TypeCopyOutResponse, pgwire.TypeCopyData, pgwire.TypeCopyDone:
			// COPY TO STDOUT: the data is skipped.
		default:
			return c.common(m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if last == nil {
		last = &Result{}
	}
	return last, nil
}
