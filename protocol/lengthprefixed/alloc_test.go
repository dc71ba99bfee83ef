//go:build !race

package lengthprefixed_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/lengthprefixed"
	"github.com/f2bac256/bedrock/writer"
)

func TestZeroAllocs(t *testing.T) {
	body := []byte("a body of a few bytes")
	for _, c := range codecs() {
		t.Run(name(c), func(t *testing.T) {
			data := encode(c, body, body, body)
			s := pipe.SequenceOf(data[:3], data[3:17], data[17:])
			allocs := testing.AllocsPerRun(100, func() {
				rest := s
				for !rest.IsEmpty() {
					_, consumed, _, err := c.Parse(rest)
					if err != nil {
						panic(err)
					}
					rest = rest.SliceFrom(consumed)
				}
			})
			require.Zero(t, allocs, "Parse")

			p := pipe.New(pipe.Options{})
			w, r := p.Writer(), p.Reader()
			ctx := context.Background()
			cur := writer.NewCursor(w)
			var c lengthprefixed.Codec = c
			allocs = testing.AllocsPerRun(100, func() {
				for range 3 {
					if err := c.WriteMessage(body, &cur); err != nil {
						panic(err)
					}
				}
				cur.Commit()
				if _, err := w.Flush(ctx); err != nil {
					panic(err)
				}
				res, err := r.Read(ctx)
				if err != nil || res.Buffer.Len() != int64(len(data)) {
					panic("short read")
				}
				r.Consume(res.Buffer.End())
			})
			require.Zero(t, allocs, "WriteMessage")
		})
	}
}
