// Package testkit holds helpers shared by bedrock's tests: contexts and
// waits bounded so that a hang fails instead of stalling the run, loopback
// connections, and seeded random data cut into segments.
//
// It imports no bedrock package, so that the tests of every package, pipe
// included, can use it without an import cycle. It is not for use outside
// tests.
package testkit

import (
	"context"
	"testing"
	"time"
)

// Wait bounds every blocking call of a test: a hang fails instead of
// stalling the run.
const Wait = 10 * time.Second

// BlockedFor is how long RequireBlocked watches a call that must not
// return.
const BlockedFor = 50 * time.Millisecond

// Context returns a context that is done after Wait, and canceled when tb
// and its subtests complete.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	tb.Cleanup(cancel)
	return ctx
}

// Canceled returns a context that is already done: a call given it returns
// ctx.Err() exactly when it would have to wait, which tests whether a call
// would block without timing anything.
func Canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// Async runs f on its own goroutine and returns a channel closed when f
// returns.
func Async(f func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return done
}

// RequireDone fails tb unless done is closed within Wait.
func RequireDone(tb testing.TB, done <-chan struct{}) {
	tb.Helper()
	select {
	case <-done:
	case <-time.After(Wait):
		tb.Fatal("blocked call did not return")
	}
}

// RequireBlocked checks that done stays open for BlockedFor. It can only
// fail when the call returned, so a slow machine cannot fail it.
func RequireBlocked(tb testing.TB, done <-chan struct{}) {
	tb.Helper()
	select {
	case <-done:
		tb.Fatal("call returned, want it blocked")
	case <-time.After(BlockedFor):
	}
}

// BigSize is the size of the bulk-data tests: 50 MB, or 8 MB with -short.
func BigSize() int {
	if testing.Short() {
		return 8 << 20
	}
	return 50 << 20
}
