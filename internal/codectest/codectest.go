// Package codectest holds what the tests and fuzz targets of every
// protocol codec check the same way.
package codectest

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
)

// ParseAll parses s with c until s is consumed or Parse fails, and returns
// the messages and the error that stopped it (nil when s was consumed).
// Every call must report consumed <= examined <= end; a failing call must
// consume nothing, and an incomplete one must have examined everything; a
// successful one must consume something. check, if not nil, is called with
// each message and the number of bytes it consumed.
func ParseAll[T any](tb testing.TB, c protocol.MessageReader[T], s pipe.Sequence, check func(msg T, size int64)) ([]T, error) {
	tb.Helper()
	var msgs []T
	for !s.IsEmpty() {
		msg, consumed, examined, err := c.Parse(s)
		n, e := s.Offset(consumed), s.Offset(examined)
		require.LessOrEqual(tb, n, e, "consumed <= examined")
		require.LessOrEqual(tb, e, s.Len(), "examined <= end")
		if err != nil {
			require.Zero(tb, n, "a failed Parse consumes nothing")
			if errors.Is(err, protocol.ErrIncomplete) {
				require.Equal(tb, s.Len(), e, "incomplete: examined everything")
			}
			return msgs, err
		}
		require.Positive(tb, n, "a message consumes bytes")
		if check != nil {
			check(msg, n)
		}
		msgs = append(msgs, msg)
		s = s.SliceFrom(consumed)
	}
	return msgs, nil
}

// SplitInput takes n bytes (at most len(input)) off the front of a fuzz
// input to cut the rest at: it returns the rest and the sorted cut offsets
// in it, for testkit.PartsAt.
func SplitInput(input []byte, n int) (data []byte, cuts []int) {
	n = min(n, len(input))
	data = input[n:]
	cuts = make([]int, 0, n)
	for _, b := range input[:n] {
		cuts = append(cuts, int(b)*(len(data)+1)/256)
	}
	slices.Sort(cuts)
	return data, cuts
}
