package compress_test

import (
	"io"
	"testing"

	"github.com/f2bac256/bedrock/transports/compress"
)

// BenchmarkRoundTrip measures one 1 KiB message written on one side and
// read on the other; its allocations are the libraries' and the
// transport's, none of the layer's own.
func BenchmarkRoundTrip(b *testing.B) {
	msg := compressible(1024)
	for _, alg := range algorithms {
		b.Run(alg.String(), func(b *testing.B) {
			client, server := compressed(b, compress.Config{Algorithm: alg})
			c, s := streams(b, client, server)
			buf := make([]byte, len(msg))
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(s, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
