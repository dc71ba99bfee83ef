//go:build !race

// Allocation counts are only meaningful without the race detector.

package resp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// Each allocates nothing, whether the elements lie in one segment (the
// fast path) or span many (the Cursor path), and neither does Parse on
// values whose elements lie partly in one segment and partly in others.
func TestEachAllocatesNothing(t *testing.T) {
	data, _ := allExamples()
	var small, large [][]byte
	for i := 0; i < len(data); i += 7 {
		small = append(small, data[i:min(i+7, len(data))])
	}
	for i := 0; i < len(data); i += 100 {
		large = append(large, data[i:min(i+100, len(data))])
	}
	var codec resp.Codec
	var each func(v resp.Value) int
	each = func(v resp.Value) int {
		n := 1
		v.Each(func(e resp.Value) bool {
			n += each(e)
			return true
		})
		return n
	}
	for _, buf := range []pipe.Sequence{pipe.SequenceOf(data), pipe.SequenceOf(small...), pipe.SequenceOf(large...)} {
		values := 0
		assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
			values = 0
			for b := buf; !b.IsEmpty(); {
				v, consumed, _, err := codec.Parse(b)
				if err != nil {
					panic(err)
				}
				values += each(v)
				b = b.SliceFrom(consumed)
			}
		}))
		assert.Greater(t, values, len(examples))
	}
}
