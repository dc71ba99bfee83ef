package resp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/bench/resp"
)

// Every implementation reads the same replies from the stream, as the
// generator rendered them, reply by reply, and folds them into the same
// Digest; twice in a row, so the replay starts again cleanly.
func TestImplsAgree(t *testing.T) {
	s := resp.NewStream(resp.DefaultReplies, 1)
	for _, impl := range resp.Impls() {
		t.Run(impl.Name, func(t *testing.T) {
			r, err := impl.Open(s)
			require.NoError(t, err)
			defer func() { assert.NoError(t, r.Close()) }()
			for range 2 {
				got, err := r.Render()
				require.NoError(t, err)
				require.Equal(t, s.Want, got)
				d, err := r.Digest()
				require.NoError(t, err)
				require.Equal(t, s.Digest, d)
			}
		})
	}
}

// The stream holds every kind of reply the benchmark claims, in a
// realistic proportion, and is the same for the same seed.
func TestStream(t *testing.T) {
	s := resp.NewStream(resp.DefaultReplies, 1)
	d := s.Digest
	assert.Equal(t, resp.DefaultReplies, d.Replies)
	assert.Len(t, s.Want, resp.DefaultReplies)
	assert.Equal(t, `"OK"`, s.Want[0])
	assert.Greater(t, d.Errors, 50)
	assert.Greater(t, d.Ints, 500)
	assert.Greater(t, d.Nils, 50)
	assert.Greater(t, d.Arrays, 500)
	assert.Greater(t, d.Elements, 10*d.Arrays/2)
	assert.Contains(t, s.Want, "nil")
	assert.Contains(t, s.Want, "[]")
	nested := 0
	for _, w := range s.Want {
		if len(w) > 2 && w[0] == '[' && (w[1] == '[' || w[len(w)-2] == ']') {
			nested++
		}
	}
	assert.Greater(t, nested, 50)
	assert.Greater(t, len(s.Bytes), 100<<10)
	assert.Equal(t, s.Bytes, resp.NewStream(resp.DefaultReplies, 1).Bytes)
	assert.NotEqual(t, s.Bytes, resp.NewStream(resp.DefaultReplies, 2).Bytes)
}

// A stream of other seeds and sizes reads the same with every
// implementation too.
func TestImplsAgreeOtherStreams(t *testing.T) {
	for _, s := range []*resp.Stream{resp.NewStream(1, 7), resp.NewStream(300, 8)} {
		for _, impl := range resp.Impls() {
			r, err := impl.Open(s)
			require.NoError(t, err)
			got, err := r.Render()
			require.NoError(t, err, impl.Name)
			assert.Equal(t, s.Want, got, impl.Name)
			require.NoError(t, r.Close())
		}
	}
}
