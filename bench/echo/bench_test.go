package echo_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/f2bac256/bedrock/bench/echo"
)

// BenchmarkEcho: echo.Conns connections, echo.MsgSize messages, echo.Depth
// in flight per connection; one op is one message echoed. The client does
// not allocate per message (net-bufio's figure shows it), so allocs/op and
// B/op are the server's per message; mallocs/kmsg is the same count of
// heap allocations, per 1000 messages, without allocs/op's rounding down.
func BenchmarkEcho(b *testing.B) {
	for _, impl := range echo.Impls() {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			s, err := impl.Start()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			cs, err := echo.Dial(s.Addr(), echo.Conns)
			if err != nil {
				b.Fatal(err)
			}
			defer cs.Close()
			// Warm up: every connection set up on both sides, buffers grown.
			if err := cs.Run(echo.Conns*echo.Depth*2, false, time.Minute); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			start := time.Now()
			if err := cs.Run(b.N, false, 5*time.Minute); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(1000*float64(after.Mallocs-before.Mallocs)/float64(b.N), "mallocs/kmsg")
		})
	}
}
