//go:build !race

// Allocation counts are only meaningful without the race detector.

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// Answering GET and SET of an existing key, pipelined or not, allocates
// nothing: parsing, lookup, copy of the value, replies and flush.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	client, _ := servePipes(t, 0)
	replies := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})
	ctx := testkit.Context(t)
	batch := []byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n" +
		"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n" +
		"GET key\r\n" +
		"*1\r\n$4\r\nPING\r\n" +
		"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n" +
		"*3\r\n$4\r\nMGET\r\n$3\r\nkey\r\n$4\r\nnone\r\n")
	want := []resp.Kind{resp.SimpleString, resp.BulkString, resp.BulkString, resp.SimpleString, resp.Integer, resp.Array}
	cycle := func() {
		if _, err := client.Output().Write(batch); err != nil {
			panic(err)
		}
		if _, err := client.Output().Flush(ctx); err != nil {
			panic(err)
		}
		for _, k := range want {
			v, err := replies.Read(ctx)
			if err != nil || v.Kind != k {
				panic("wrong reply " + v.String())
			}
			replies.Advance()
		}
	}
	cycle() // stores the keys
	require.NotPanics(t, cycle)
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, cycle))
}
