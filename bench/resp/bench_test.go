package resp_test

import (
	"testing"

	"github.com/f2bac256/bedrock/bench/resp"
)

// BenchmarkParse: one op reads the whole stream of resp.DefaultReplies
// mixed replies (549 KiB) and folds every value into a Digest, which
// must be the stream's. ns/reply is the time per top-level reply;
// cpu-ns/op is the CPU time of the process per op (all threads, the garbage
// collector's included), which other programs running on the machine
// disturb less than the elapsed time. Compare the implementations with
//
//	go test -run '^$' -bench . -benchmem -count 6 ./resp/ | benchstat -col /impl -
func BenchmarkParse(b *testing.B) {
	s := resp.NewStream(resp.DefaultReplies, 1)
	for _, impl := range resp.Impls() {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			r, err := impl.Open(s)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			if _, err := r.Digest(); err != nil { // warm up
				b.Fatal(err)
			}
			b.SetBytes(int64(len(s.Bytes)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, cpuOK := cpuTime()
			for range b.N {
				d, err := r.Digest()
				if err != nil {
					b.Fatal(err)
				}
				if d != s.Digest {
					b.Fatalf("digest %+v, want %+v", d, s.Digest)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*s.Replies), "ns/reply")
			if cpu1, ok := cpuTime(); ok && cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
