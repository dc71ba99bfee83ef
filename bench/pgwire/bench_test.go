package pgwire_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

var ctxBackground = context.Background()

// impls returns the implementations under test, reading s.
func impls(s *stream) []struct {
	name string
	impl impl
} {
	return []struct {
		name string
		impl impl
	}{{"bedrock", newBedrock(s)}, {"bedrock-reader", newReader(s)}, {"pgproto3", newPgproto(s)}}
}

// BenchmarkDecode: one op reads the whole result (numRows DataRows) and
// touches every value; ns/row is the time per DataRow.
func BenchmarkDecode(b *testing.B) {
	s := newStream(1)
	for _, it := range impls(s) {
		b.Run("impl="+it.name, func(b *testing.B) {
			if _, err := it.impl.read(nil); err != nil { // warm up
				b.Fatal(err)
			}
			b.SetBytes(int64(len(s.data)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				d, err := it.impl.read(nil)
				if err != nil {
					b.Fatal(err)
				}
				if d != s.want {
					b.Fatalf("digest %+v, want %+v", d, s.want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*numRows), "ns/row")
		})
	}
}

// Both implementations see the same values, those written, in order, and
// fold them into the same digest, several results in a row.
func TestImplsAgree(t *testing.T) {
	s := newStream(2)
	var want [][]byte
	for _, row := range s.rows {
		want = append(want, row...)
	}
	for _, it := range impls(s) {
		t.Run(it.name, func(t *testing.T) {
			for range 3 {
				var got [][]byte
				d, err := it.impl.read(func(v []byte, null bool) {
					if null {
						got = append(got, nil)
					} else {
						got = append(got, append([]byte{}, v...))
					}
				})
				require.NoError(t, err)
				require.Equal(t, s.want, d)
				require.Equal(t, len(want), len(got))
				for i := range want {
					if want[i] == nil {
						require.Nil(t, got[i], "value %d", i)
					} else {
						require.Equal(t, string(want[i]), string(got[i]), "value %d", i)
						require.NotNil(t, got[i])
					}
				}
				d, err = it.impl.read(nil)
				require.NoError(t, err)
				require.Equal(t, s.want, d)
			}
		})
	}
	require.Greater(t, s.want.Nulls, 0)
	require.Greater(t, len(s.data), 50_000)
}
