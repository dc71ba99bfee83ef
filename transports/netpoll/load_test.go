//go:build (linux || darwin) && (amd64 || arm64)

package netpoll

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/testkit"
)

// echo writes back everything it reads on p, segment by segment, until
// the peer ends the stream; then it closes c.
func echo(c conn.Connection, p duplex.Pipe) {
	defer c.Close()
	ctx := context.Background()
	for {
		res, err := p.Input().Read(ctx)
		if err != nil {
			return
		}
		for b := range res.Buffer.All() {
			p.Output().Write(b)
		}
		p.Input().AdvanceTo(res.Buffer.End(), res.Buffer.End())
		if _, err := p.Output().Flush(ctx); err != nil || res.Completed {
			return
		}
	}
}

// TestManyConnectionsEcho runs 1000 connections (100 under -race or
// -short) at once, each echoing random-size messages through the server
// for a bounded time: every byte must come back intact.
func TestManyConnectionsEcho(t *testing.T) {
	conns, runFor := 1000, time.Second
	if testing.Short() || testkit.RaceEnabled {
		conns, runFor = 100, 500*time.Millisecond
	}
	var f Factory
	l := bind(t, &f, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	var servers sync.WaitGroup
	servers.Add(1)
	go func() {
		defer servers.Done()
		for {
			c, err := l.Accept(context.Background())
			if err != nil {
				return
			}
			p, err := c.Pipe()
			if err != nil {
				c.Abort(err)
				continue
			}
			servers.Add(1)
			go func() {
				defer servers.Done()
				echo(c, p)
			}()
		}
	}()

	ctx := testkit.Context(t)
	deadline := time.Now().Add(runFor)
	var messages, total atomic.Int64
	var clients sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		clients.Add(1)
		go func() {
			defer clients.Done()
			c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			p, _ := c.Pipe()
			rng := rand.New(rand.NewPCG(uint64(i), 5))
			for n := 0; n == 0 || time.Now().Before(deadline); n++ {
				size := 1 + rng.IntN(64<<10)
				msg := testkit.RandomBytes(size, rng.Uint64())
				p.Output().Write(msg)
				if _, err := p.Output().Flush(ctx); err != nil {
					errs <- err
					return
				}
				res, err := p.Input().ReadAtLeast(ctx, size)
				if err != nil {
					errs <- err
					return
				}
				got := res.Buffer.Slice(0, int64(size))
				ok := got.Len() == int64(size) && bytes.Equal(got.Bytes(), msg)
				p.Input().Consume(got.End())
				if !ok {
					errs <- fmt.Errorf("connection %d: message %d of %d bytes came back altered", i, n, size)
					return
				}
				messages.Add(1)
				total.Add(int64(size))
			}
		}()
	}
	clients.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, l.Close())
	done := testkit.Async(servers.Wait)
	testkit.RequireDone(t, done)
	assert.GreaterOrEqual(t, messages.Load(), int64(conns))
	t.Logf("%d connections, %d messages, %d MB echoed", conns, messages.Load(), total.Load()>>20)
}
