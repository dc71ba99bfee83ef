package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// lookup finds every command in any case, the frequent ones without the
// map, and nothing for names that only look like them.
func TestLookup(t *testing.T) {
	for name, c := range commands {
		assert.Same(t, c, lookup([]byte(name)), name)
		upper := []byte(name)
		for i := range upper {
			if i%2 == 0 && 'a' <= upper[i] && upper[i] <= 'z' {
				upper[i] -= 'a' - 'A'
			}
		}
		assert.Same(t, c, lookup(upper), string(upper))
	}
	for _, name := range []string{"", "ge", "gets", "gEx", "xet", "Ge\x14", "ping ", "pin", "PINGS", "p\x09ng", "unknown", "a very long name of no command"} {
		assert.Nil(t, lookup([]byte(name)), "%q", name)
	}
	assert.Same(t, commands["get"], lookup([]byte("GeT")))
	assert.Same(t, commands["set"], lookup([]byte("sEt")))
	assert.Same(t, commands["ping"], lookup([]byte("PiNg")))
}
