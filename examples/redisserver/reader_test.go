package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// commandReader reads a command in its first segment in one pass, inline
// or not, and leaves the others to resp's Parse: a command that spans
// segments, one not wholly buffered, and values that are not commands.
func TestCommandReader(t *testing.T) {
	var r commandReader
	cmd := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n")

	// In one segment: the fast path, the arguments in the input's memory.
	buf := pipe.SequenceOf(cmd)
	fast, consumed, examined, err := r.Parse(buf)
	require.NoError(t, err)
	assert.True(t, fast)
	assert.Equal(t, consumed, examined)
	assert.Equal(t, int64(22), buf.Offset(consumed))
	assert.Equal(t, [][]byte{[]byte("GET"), []byte("key")}, r.args)
	assert.Same(t, &cmd[8], &r.args[0][0], "GET is not copied")

	// The inline command after it: the fast path too.
	fast, consumed, _, err = r.Parse(buf.SliceFrom(consumed))
	require.NoError(t, err)
	assert.True(t, fast)
	assert.Equal(t, [][]byte{[]byte("PING")}, r.args)
	assert.Equal(t, buf.End(), consumed)

	// Across segments: Parse's Value.
	split := pipe.SequenceOf(cmd[:10], cmd[10:])
	fast, consumed, _, err = r.Parse(split)
	require.NoError(t, err)
	assert.False(t, fast)
	assert.Equal(t, resp.Array, r.v.Kind)
	assert.Equal(t, int64(2), r.v.Len)
	assert.Equal(t, int64(22), split.Offset(consumed))

	// Not wholly buffered, in one segment or two.
	for _, s := range []pipe.Sequence{pipe.SequenceOf(cmd[:15]), pipe.SequenceOf(cmd[:10], cmd[10:15])} {
		_, _, _, err = r.Parse(s)
		assert.ErrorIs(t, err, protocol.ErrIncomplete)
	}

	// Not a command: Parse's Value, which execute refuses.
	fast, _, _, err = r.Parse(pipe.SequenceOf([]byte(":1\r\n")))
	require.NoError(t, err)
	assert.False(t, fast)
	assert.Equal(t, resp.Integer, r.v.Kind)

	// Malformed: Parse's error.
	_, _, _, err = r.Parse(pipe.SequenceOf([]byte("*1\r\n$3\r\nabcX\r\n")))
	assert.ErrorIs(t, err, resp.ErrProtocol)
}
