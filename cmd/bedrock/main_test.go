package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipeDemo(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"pipe-demo", "-size", "100", "-mb", "2"}, &out))
	s := out.String()
	assert.Contains(t, s, "streaming 20971 messages of 100 B")
	assert.Contains(t, s, "bedrock pipe")
	assert.Contains(t, s, "io.Pipe")
	assert.Contains(t, s, "(bedrock is 1.0x)", "the first line is the baseline")
}

func TestUsageErrors(t *testing.T) {
	var out bytes.Buffer
	assert.ErrorContains(t, run(nil, &out), "usage: bedrock")
	assert.ErrorContains(t, run([]string{"nope"}, &out), `unknown command "nope"`)
	assert.ErrorContains(t, run([]string{"pipe-demo", "-size", "0"}, &out), "must be positive")
	assert.Error(t, run([]string{"pipe-demo", "-bogus"}, &out))
}
