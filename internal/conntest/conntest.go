// Package conntest holds test helpers that need package conn; helpers
// free of bedrock imports live in internal/testkit.
package conntest

import (
	"context"
	"sync"

	"github.com/f2bac256/bedrock/conn"
)

// Recorder is a layer that remembers the connections of the layer below
// it, so that a test can compare them with what the layers above hand out.
type Recorder struct {
	mu    sync.Mutex
	conns []conn.Connection
}

// Layer is the recording conn.Layer.
func (r *Recorder) Layer(f conn.Factory) conn.Factory {
	return conn.Filter(f, func(_ context.Context, c conn.Connection, _ conn.Side) (conn.Connection, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.conns = append(r.conns, c)
		return c, nil
	})
}

// Conns returns the connections recorded so far, in order.
func (r *Recorder) Conns() []conn.Connection {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]conn.Connection(nil), r.conns...)
}
