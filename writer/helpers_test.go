package writer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/pipe"
)

// drain returns every byte flushed to p and not yet read, consuming it.
func drain(t *testing.T, p *pipe.Pipe) []byte {
	t.Helper()
	r := p.Reader()
	res, ok, err := r.TryRead()
	require.NoError(t, err)
	if !ok {
		return nil
	}
	b := res.Buffer.Bytes()
	r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	return b
}
