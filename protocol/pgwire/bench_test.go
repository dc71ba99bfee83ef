package pgwire_test

import (
	"testing"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/writer"
)

// benchRows is a result of 1000 rows of five columns.
func benchRows(b *testing.B) pipe.Sequence {
	p := pipe.New(pipe.Options{PauseWriterThreshold: -1})
	w := writer.NewCursor(p.Writer())
	row := [][]byte{[]byte("100001"), []byte("item 1234abcd a somewhat longer name"), []byte("1234.56"), []byte("2024-05-01 12:34:56.789012+00"), []byte("t")}
	for range 1000 {
		if err := pgwire.AppendDataRow(&w, row); err != nil {
			b.Fatal(err)
		}
	}
	w.Commit()
	p.Writer().Complete(nil)
	res, _, _ := p.Reader().TryRead()
	return pipe.SequenceOf(res.Buffer.Bytes())
}

// BenchmarkDataRows: one op parses, decodes and reads 1000 DataRows from
// one segment; the sub-benchmarks stop at each stage.
func BenchmarkDataRows(b *testing.B) {
	s := benchRows(b)
	for _, stage := range []string{"parse", "decode", "columns"} {
		b.Run("stage="+stage, func(b *testing.B) {
			b.SetBytes(s.Len())
			b.ReportAllocs()
			var r pgwire.BackendReader
			var sum int64
			for range b.N {
				rest := s
				for !rest.IsEmpty() {
					m, consumed, _, err := r.Parse(rest)
					if err != nil {
						b.Fatal(err)
					}
					rest = rest.SliceFrom(consumed)
					if stage == "parse" {
						sum += m.Body.Len()
						continue
					}
					row, err := pgwire.DecodeDataRow(m)
					if err != nil {
						b.Fatal(err)
					}
					if stage == "decode" {
						sum += int64(row.NumColumns())
						continue
					}
					cols := row.Columns()
					for cols.Next() {
						sum += int64(cols.Len())
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/row")
		})
	}
}
