package pipe_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/f2bac256/bedrock/pipe"
)

// The round-trip benchmarks move b.N messages from a writer goroutine to a
// reader goroutine, one flush (or send) per message, the producer copying
// each message in. They run side by side in one `go test -bench` run:
//
//	go test -run '^$' -bench RoundTrip -benchmem -count 8 ./pipe/ | benchstat -col /impl -
var roundTripSizes = []int{64, 1 << 10, 64 << 10}

func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range roundTripSizes {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte(i)
		}
		name := fmt.Sprintf("size=%dB/impl=", size)
		b.Run(name+"pipe-buffer", func(b *testing.B) {
			benchPipe(b, msg, func(w pipe.Writer) {
				buf := w.Buffer(len(msg))
				w.Advance(copy(buf, msg))
			})
		})
		b.Run(name+"pipe-write", func(b *testing.B) {
			benchPipe(b, msg, func(w pipe.Writer) { w.Write(msg) })
		})
		b.Run(name+"io.Pipe", func(b *testing.B) { benchIOPipe(b, msg) })
		b.Run(name+"chan", func(b *testing.B) { benchChan(b, msg) })
	}
}

func benchPipe(b *testing.B, msg []byte, write func(pipe.Writer)) {
	p := pipe.New(pipe.Options{})
	ctx := context.Background()
	total := int64(b.N) * int64(len(msg))
	done := make(chan int64)
	go func() {
		r := p.Reader()
		var got int64
		for got < total {
			res, err := r.Read(ctx)
			if err != nil {
				break
			}
			got += res.Buffer.Len()
			r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
		}
		r.Complete(nil)
		done <- got
	}()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	w := p.Writer()
	for range b.N {
		write(w)
		if _, err := w.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	w.Complete(nil)
	if got := <-done; got != total {
		b.Fatalf("read %d bytes, want %d", got, total)
	}
}

func benchIOPipe(b *testing.B, msg []byte) {
	pr, pw := io.Pipe()
	total := int64(b.N) * int64(len(msg))
	done := make(chan int64)
	go func() {
		buf := make([]byte, 64<<10)
		var got int64
		for got < total {
			n, err := pr.Read(buf)
			got += int64(n)
			if err != nil {
				break
			}
		}
		done <- got
	}()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := pw.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	pw.Close()
	if got := <-done; got != total {
		b.Fatalf("read %d bytes, want %d", got, total)
	}
}

// benchChan hands the same slice over a buffered channel: no copy at all,
// the floor for a handoff between goroutines.
func benchChan(b *testing.B, msg []byte) {
	ch := make(chan []byte, 128)
	total := int64(b.N) * int64(len(msg))
	done := make(chan int64)
	go func() {
		var got int64
		for m := range ch {
			got += int64(len(m))
		}
		done <- got
	}()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch <- msg
	}
	close(ch)
	if got := <-done; got != total {
		b.Fatalf("read %d bytes, want %d", got, total)
	}
}
