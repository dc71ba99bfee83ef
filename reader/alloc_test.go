//go:build !race

// The race detector makes sync.Pool drop a random share of what is put
// back, so allocation counts of code that pools memory are only meaningful
// without it: these tests are built only without -race (CI runs both).

package reader_test

import (
	"context"
	"testing"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/reader"
	"github.com/stretchr/testify/assert"
)

func TestFromIOSteadyStateAllocatesNothing(t *testing.T) {
	r := reader.FromIO(&repeatReader{data: testkit.RandomBytes(100, 2)}, reader.Options{})
	ctx := context.Background()
	cycle := func() {
		res, err := r.Read(ctx)
		if err != nil {
			panic(err)
		}
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}

// A cancelable context, the same for every read as a server's connection
// context is, costs nothing per read.
func TestFromIOCancelableContextAllocatesNothing(t *testing.T) {
	client, server := testkit.TCPPair(t)
	r := reader.FromIO(server, reader.Options{})
	defer r.Complete(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msg := make([]byte, 100)
	cycle := func() {
		client.Write(msg)
		res, err := r.ReadAtLeast(ctx, len(msg))
		if err != nil {
			panic(err)
		}
		r.AdvanceTo(res.Buffer.End(), res.Buffer.End())
	}
	cycle()
	assert.Equal(t, 0.0, testing.AllocsPerRun(200, cycle))
}
