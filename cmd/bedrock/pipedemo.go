package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/f2bac256/bedrock/pipe"
)

// demoResult is what one streaming run measured.
type demoResult struct {
	bytes   int64
	elapsed time.Duration
	crc     uint32
}

func (r demoResult) mbps() float64 { return float64(r.bytes) / (1 << 20) / r.elapsed.Seconds() }

// pipeDemo streams total bytes in messages of size through a bedrock pipe
// and through io.Pipe and prints both throughputs.
func pipeDemo(out io.Writer, size int, total int64) error {
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte(i*31 + 7)
	}
	count := total / int64(size)
	var want uint32
	for range count {
		want = crc32.Update(want, crc32.IEEETable, msg)
	}

	fmt.Fprintf(out, "streaming %d messages of %d B (%d MiB), writer and reader on separate goroutines\n",
		count, size, count*int64(size)>>20)
	results := []struct {
		name string
		run  func([]byte, int64) (demoResult, error)
	}{
		{"bedrock pipe", streamPipe},
		{"io.Pipe", streamIOPipe},
	}
	var base float64
	for i, r := range results {
		res, err := r.run(msg, count)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		if res.crc != want || res.bytes != count*int64(size) {
			return fmt.Errorf("%s: received %d bytes with crc %08x, want %d bytes with crc %08x",
				r.name, res.bytes, res.crc, count*int64(size), want)
		}
		if i == 0 {
			base = res.mbps()
		}
		fmt.Fprintf(out, "%-13s %9.0f MiB/s  %11.0f msg/s  %7.1f ns/msg  (bedrock is %.1fx)\n",
			r.name, res.mbps(), float64(count)/res.elapsed.Seconds(),
			float64(res.elapsed.Nanoseconds())/float64(count), base/res.mbps())
	}
	return nil
}

// streamPipe writes count copies of msg into a pipe (one Flush each) and
// reads them on another goroutine, checksumming in place.
func streamPipe(msg []byte, count int64) (demoResult, error) {
	p := pipe.New(pipe.Options{})
	ctx := context.Background()
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		w := p.Writer()
		for range count {
			w.Advance(copy(w.Buffer(len(msg)), msg))
			if _, err := w.Flush(ctx); err != nil {
				errc <- err
				return
			}
		}
		w.Complete(nil)
		errc <- nil
	}()
	var res demoResult
	r := p.Reader()
	for {
		rr, err := r.Read(ctx)
		if err != nil {
			return res, err
		}
		for b := range rr.Buffer.All() {
			res.crc = crc32.Update(res.crc, crc32.IEEETable, b)
		}
		res.bytes += rr.Buffer.Len()
		r.AdvanceTo(rr.Buffer.End(), rr.Buffer.End())
		if rr.Completed {
			break
		}
	}
	r.Complete(nil)
	res.elapsed = time.Since(start)
	return res, <-errc
}

// streamIOPipe does the same through io.Pipe, reading into a 64 KiB buffer.
func streamIOPipe(msg []byte, count int64) (demoResult, error) {
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		for range count {
			if _, err := pw.Write(msg); err != nil {
				errc <- err
				return
			}
		}
		errc <- pw.Close()
	}()
	var res demoResult
	buf := make([]byte, 64<<10)
	for {
		n, err := pr.Read(buf)
		res.crc = crc32.Update(res.crc, crc32.IEEETable, buf[:n])
		res.bytes += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
	}
	res.elapsed = time.Since(start)
	return res, <-errc
}
