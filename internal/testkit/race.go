//go:build race

package testkit

// RaceEnabled reports whether the race detector is on: tests shrink their
// bulk data under it (it slows memory access down several times), and
// allocation tests of pooled code are built only without it.
const RaceEnabled = true
