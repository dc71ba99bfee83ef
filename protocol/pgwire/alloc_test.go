//go:build !race

package pgwire_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

var (
	allocFields = []pgwire.Field{{Name: "id", TypeOID: 23, TypeSize: 4}, {Name: "name", TypeOID: 25, TypeSize: -1}}
	allocRow    = [][]byte{[]byte("42"), []byte("a name"), nil}
	allocParams = [][]byte{[]byte("1"), nil}
)

// writeResult writes a query result as a server does.
func writeResult(w *writer.Cursor) {
	if pgwire.AppendRowDescription(w, allocFields) != nil {
		panic("RowDescription")
	}
	for range 3 {
		if pgwire.AppendDataRow(w, allocRow) != nil {
			panic("DataRow")
		}
	}
	if pgwire.AppendCommandComplete(w, "SELECT 3") != nil || pgwire.AppendReadyForQuery(w, pgwire.TxIdle) != nil {
		panic("end")
	}
}

// writeQueries writes a simple and an extended query as a client does.
func writeQueries(w *writer.Cursor) {
	if pgwire.AppendQuery(w, "select 1") != nil ||
		pgwire.AppendParse(w, "", "select $1, $2", nil) != nil ||
		pgwire.AppendBind(w, "", "", nil, allocParams, nil) != nil ||
		pgwire.AppendDescribe(w, 'P', "") != nil ||
		pgwire.AppendExecute(w, "", 0) != nil {
		panic("query")
	}
	pgwire.AppendSync(w)
}

// readResult reads a query result as a client does, touching every value.
func readResult(r *protocol.Reader[pgwire.Message]) int {
	ctx := context.Background()
	n := 0
	for {
		m, err := r.Read(ctx)
		if err != nil {
			panic(err)
		}
		switch m.Type {
		case pgwire.TypeRowDescription:
			rd, err := pgwire.DecodeRowDescription(m)
			if err != nil {
				panic(err)
			}
			it := rd.Fields()
			for f, ok := it.Next(); ok; f, ok = it.Next() {
				n += int(f.Name.Len())
			}
		case pgwire.TypeDataRow:
			row, err := pgwire.DecodeDataRow(m)
			if err != nil {
				panic(err)
			}
			it := row.Columns()
			for it.Next() {
				if b, ok := it.Contiguous(); ok {
					n += len(b)
				} else {
					n += int(it.Data().Len())
				}
			}
		case pgwire.TypeCommandComplete:
			c, err := pgwire.DecodeCommandComplete(m)
			if err != nil {
				panic(err)
			}
			rows, _ := c.RowsAffected()
			n += int(rows)
		case pgwire.TypeReadyForQuery:
			if _, err := pgwire.DecodeReadyForQuery(m); err != nil {
				panic(err)
			}
			r.Advance()
			return n
		}
		r.Advance()
	}
}

func TestZeroAllocs(t *testing.T) {
	ctx := context.Background()
	p := pipe.New(pipe.Options{MinimumSegmentSize: 64})
	w := writer.NewCursor(p.Writer())
	r := protocol.NewReader[pgwire.Message](p.Reader(), &pgwire.BackendReader{}, protocol.ReaderOptions{})
	want := 2 + 4 + 3*8 + 3
	allocs := testing.AllocsPerRun(100, func() {
		writeResult(&w)
		w.Commit()
		if _, err := p.Writer().Flush(ctx); err != nil {
			panic(err)
		}
		if readResult(r) != want {
			panic("wrong values")
		}
	})
	require.Zero(t, allocs, "writing and reading a query result")

	q := pipe.New(pipe.Options{})
	qw := writer.NewCursor(q.Writer())
	fr := &pgwire.FrontendReader{StartupDone: true}
	allocs = testing.AllocsPerRun(100, func() {
		writeQueries(&qw)
		qw.Commit()
		if _, err := q.Writer().Flush(ctx); err != nil {
			panic(err)
		}
		res, err := q.Reader().Read(ctx)
		if err != nil {
			panic(err)
		}
		rest := res.Buffer
		for !rest.IsEmpty() {
			m, consumed, _, err := fr.Parse(rest)
			if err != nil {
				panic(err)
			}
			if m.Type == pgwire.TypeBind {
				b, err := pgwire.DecodeBind(m)
				if err != nil || b.NumParams() != 2 {
					panic("Bind")
				}
			}
			rest = rest.SliceFrom(consumed)
		}
		q.Reader().Consume(res.Buffer.End())
	})
	require.Zero(t, allocs, "writing and parsing queries")
}

// A RowScanner reused across results, and AppendValues into a reused
// slice, allocate nothing once the slice holds a row.
func TestRowScannerZeroAllocs(t *testing.T) {
	buf := resultBuffer(t)
	var sc pgwire.RowScanner
	var codec pgwire.BackendReader
	var vals [][]byte
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		for s := buf; !s.IsEmpty(); {
			sc.Reset(s)
			for sc.Next() {
				n += len(sc.Values())
			}
			s = skipMessage(&codec, sc.Rest())
		}
		m, _, _, err := codec.Parse(buf.SliceFrom(mustParse(t, buf)))
		if err != nil {
			panic(err)
		}
		row, err := pgwire.DecodeDataRow(m)
		if err != nil {
			panic(err)
		}
		var ok bool
		if vals, ok = row.AppendValues(vals[:0]); !ok || len(vals) != len(allocRow) {
			panic("AppendValues")
		}
	})
	require.Zero(t, allocs)
	require.Equal(t, 101*3*len(allocRow), n)
}

// A Rows loop over a reused RowScanner, and DataRow.Row's Values,
// allocate nothing, their iterators and the loops' bodies inlined.
func TestRowsZeroAllocs(t *testing.T) {
	buf := resultBuffer(t)
	var sc pgwire.RowScanner
	var codec pgwire.BackendReader
	n, nulls := 0, 0
	allocs := testing.AllocsPerRun(100, func() {
		for s := buf; !s.IsEmpty(); {
			sc.Reset(s)
			for row := range sc.Rows() {
				for v := range row.Values() {
					n++
					if v == nil {
						nulls++
					}
				}
			}
			if sc.Err() != nil {
				panic(sc.Err())
			}
			s = skipMessage(&codec, sc.Rest())
		}
		m, _, _, err := codec.Parse(buf.SliceFrom(mustParse(t, buf)))
		if err != nil {
			panic(err)
		}
		dr, err := pgwire.DecodeDataRow(m)
		if err != nil {
			panic(err)
		}
		row, ok := dr.Row()
		if !ok {
			panic("DataRow.Row")
		}
		for v := range row.Values() {
			n++
			if v == nil {
				nulls++
			}
		}
	})
	require.Zero(t, allocs)
	require.Equal(t, 101*4*len(allocRow), n)
	require.Equal(t, 101*4, nulls)
}

// resultBuffer returns writeResult's messages, in one buffer.
func resultBuffer(t *testing.T) pipe.Sequence {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	writeResult(&w)
	w.Commit()
	p.Writer().Complete(nil)
	res, ok, err := p.Reader().TryRead()
	require.True(t, ok)
	require.NoError(t, err)
	return res.Buffer
}

// skipMessage returns s after its first message, which must not be a
// DataRow (a scanner left it), or s when it is empty.
func skipMessage(codec *pgwire.BackendReader, s pipe.Sequence) pipe.Sequence {
	if s.IsEmpty() {
		return s
	}
	m, consumed, _, err := codec.Parse(s)
	if err != nil {
		panic(err)
	}
	if m.Type == pgwire.TypeDataRow {
		panic("a DataRow left by the scanner")
	}
	return s.SliceFrom(consumed)
}
