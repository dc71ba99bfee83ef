// Package codectest holds what the tests and fuzz targets of every
// protocol codec check the same way.
package codectest

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
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

// Split returns data as a Sequence cut at cuts (sorted offsets), each part
// in its own allocation with junk in its spare capacity, so that a parser
// reading past a part's end sees wrong bytes.
func Split(data []byte, cuts []int) pipe.Sequence {
	parts := testkit.PartsAt(data, append(append([]int{0}, cuts...), len(data)))
	for i, p := range parts {
		parts[i] = testkit.Guard(p, 3)
	}
	return pipe.SequenceOf(parts...)
}

// RequireSameOutcome fails tb unless parsing a split gave what parsing in
// one piece gave: the same messages, and no error or the same error.
func RequireSameOutcome[T any](tb testing.TB, want []T, wantErr error, got []T, err error) {
	tb.Helper()
	require.Equal(tb, want, got, "the same messages whatever the segmentation")
	if wantErr == nil {
		require.NoError(tb, err)
		return
	}
	require.Error(tb, err)
	require.Equal(tb, errors.Is(wantErr, protocol.ErrIncomplete), errors.Is(err, protocol.ErrIncomplete))
	require.Equal(tb, wantErr.Error(), err.Error())
}

// Feed writes data to a new pipe from a goroutine, in random chunks with a
// flush after each, then completes it, and returns the pipe's Reader.
func Feed(tb testing.TB, rng *rand.Rand, data []byte) pipe.Reader {
	p := pipe.New(pipe.Options{})
	parts := testkit.RandomParts(rng, data, 1+len(data)/4)
	ctx := testkit.Context(tb)
	go func() {
		w := p.Writer()
		for _, part := range parts {
			w.Write(part)
			if _, err := w.Flush(ctx); err != nil {
				break
			}
		}
		w.Complete(nil)
	}()
	return p.Reader()
}
