//go:build !unix

package reader

import "io"

// readableWaiter returns nil: zero-byte reads are not supported here, and
// a read takes its buffer before it waits.
func readableWaiter(io.Reader) func() error { return nil }
