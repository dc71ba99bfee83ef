package pgwire_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// A client reads a result from its pipe.Reader itself: a RowScanner reads
// the runs of DataRows in place, a BackendReader the other messages (and
// a large row a segment edge cuts), until ReadyForQuery.
func ExampleRowScanner() {
	ctx := context.Background()
	p := pipe.New(pipe.Options{})
	w := writer.NewCursor(p.Writer())
	pgwire.AppendRowDescription(&w, []pgwire.Field{{Name: "id", TypeOID: 23, TypeSize: 4}, {Name: "name", TypeOID: 25, TypeSize: -1}})
	pgwire.AppendDataRow(&w, [][]byte{[]byte("1"), []byte("apple")})
	pgwire.AppendDataRow(&w, [][]byte{[]byte("2"), nil})
	pgwire.AppendDataRow(&w, [][]byte{[]byte("3"), []byte("cherry")})
	pgwire.AppendCommandComplete(&w, "SELECT 3")
	pgwire.AppendReadyForQuery(&w, pgwire.TxIdle)
	w.Commit()
	p.Writer().Flush(ctx)

	in := p.Reader()
	var codec pgwire.BackendReader
	var rows pgwire.RowScanner
	var vals [][]byte
	for done := false; !done; {
		res, err := in.Read(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		buf := res.Buffer
		for !done {
			rows.Reset(buf)
			for rows.Next() {
				printRow(rows.Values())
			}
			if err := rows.Err(); err != nil {
				fmt.Println(err)
				return
			}
			buf = rows.Rest()
			m, consumed, examined, err := codec.Parse(buf)
			if errors.Is(err, protocol.ErrIncomplete) {
				// Hand the buffer back up to the first byte not read.
				in.AdvanceTo(buf.Start(), examined)
				break
			} else if err != nil {
				fmt.Println(err)
				return
			}
			switch m.Type {
			case pgwire.TypeDataRow: // a large row cut by a segment edge
				row, _ := pgwire.DecodeDataRow(m)
				var ok bool
				if vals, ok = row.AppendValues(vals[:0]); !ok {
					for cols := row.Columns(); cols.Next(); {
						vals = append(vals, cols.Value().Data.Bytes()) // a copy
					}
				}
				printRow(vals)
			case pgwire.TypeReadyForQuery:
				in.Consume(consumed)
				done = true
			default:
				fmt.Println(m.Render(true))
			}
			buf = buf.SliceFrom(consumed)
		}
	}
	// Output:
	// RowDescription{"id":0.0:23/4/0/0 "name":0.0:25/-1/0/0}
	// row: 1 | apple
	// row: 2 | NULL
	// row: 3 | cherry
	// CommandComplete{"SELECT 3"}
}

// A Rows loop hands each value from the buffer to the loop's body, checking
// it on the way: the fastest way through a large result. Here the result is
// buffered whole; a client that reads a pipe goes on as ExampleRowScanner
// does, with Rows in place of the Next loop.
func ExampleRowScanner_Rows() {
	p := pipe.New(pipe.Options{})
	w := writer.NewCursor(p.Writer())
	pgwire.AppendDataRow(&w, [][]byte{[]byte("1"), []byte("apple")})
	pgwire.AppendDataRow(&w, [][]byte{[]byte("2"), nil})
	pgwire.AppendDataRow(&w, [][]byte{[]byte("3"), []byte("cherry")})
	pgwire.AppendCommandComplete(&w, "SELECT 3")
	w.Commit()
	p.Writer().Flush(context.Background())
	res, _, _ := p.Reader().TryRead()

	var rows pgwire.RowScanner
	rows.Reset(res.Buffer)
	total := 0
	for row := range rows.Rows() {
		fmt.Printf("%d columns:", row.NumColumns())
		for v := range row.Values() {
			if v == nil {
				fmt.Print(" NULL")
			} else {
				fmt.Printf(" %s", v)
				total += len(v)
			}
		}
		fmt.Println()
	}
	if err := rows.Err(); err != nil {
		fmt.Println(err)
		return
	}
	m, _, _, _ := (&pgwire.BackendReader{}).Parse(rows.Rest())
	fmt.Println(total, "bytes, then", m.Render(true))
	// Output:
	// 2 columns: 1 apple
	// 2 columns: 2 NULL
	// 2 columns: 3 cherry
	// 14 bytes, then CommandComplete{"SELECT 3"}
}

// printRow prints the values of a row, nil as NULL.
func printRow(values [][]byte) {
	fmt.Print("row:")
	for i, v := range values {
		if i > 0 {
			fmt.Print(" |")
		}
		if v == nil {
			fmt.Print(" NULL")
		} else {
			fmt.Printf(" %s", v)
		}
	}
	fmt.Println()
}
