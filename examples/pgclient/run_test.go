package main

import (
	"bytes"
	"errors"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/pgtest"
	"github.com/f2bac256/bedrock/internal/testkit"
)

// testRun runs the command end to end against s.
func testRun(t *testing.T, s *pgtest.Server) {
	ctx := testkit.Context(t)
	base := []string{"-addr", s.Addr, "-user", s.SCRAM.Name, "-password", s.SCRAM.Password, "-database", s.Database}
	args := func(more ...string) []string { return append(append([]string{}, base...), more...) }

	var out bytes.Buffer
	require.NoError(t, run(ctx, args("SELECT g AS n, repeat('x', g) AS xs, NULLIF(g, 2) AS maybe FROM generate_series(1, 3) g ORDER BY g"), &out))
	assert.Equal(t, ""+
		" n | xs  | maybe\n"+
		"---+-----+-------\n"+
		" 1 | x   | 1\n"+
		" 2 | xx  | \n"+
		" 3 | xxx | 3\n"+
		"(3 rows)\n", out.String())

	out.Reset()
	require.NoError(t, run(ctx, args("-tsv", "SELECT 'a' AS first, NULL AS second", "SELECT 1 AS one WHERE false", "SET search_path = public"), &out))
	assert.Equal(t, "first\tsecond\na\t\\N\none\nSET\n", out.String())

	out.Reset()
	require.NoError(t, run(ctx, args("-param", "41", "-param", "héllo", "SELECT $1::int + 1 AS answer, $2 AS word"), &out))
	assert.Equal(t, ""+
		" answer | word\n"+
		"--------+-------\n"+
		" 42     | héllo\n"+
		"(1 row)\n", out.String())

	out.Reset()
	err := run(ctx, args("SELECT 1", "SELEC 2"), &out)
	var pe *Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "42601", pe.Code)
	assert.Equal(t, " ?column?\n----------\n 1\n(1 row)\n", out.String(), "the first query ran")

	md5 := []string{"-addr", s.Addr, "-user", s.MD5.Name, "-password", "wrong", "-database", s.Database, "SELECT 1"}
	err = run(ctx, md5, &out)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "28P01", pe.Code)
}

// Bad command lines fail before connecting.
func TestRunUsage(t *testing.T) {
	ctx := testkit.Context(t)
	var out bytes.Buffer
	assert.ErrorContains(t, run(ctx, nil, &out), "no SQL given")
	assert.Contains(t, out.String(), "usage: pgclient")
	assert.ErrorContains(t, run(ctx, []string{"-param", "1", "SELECT 1", "SELECT 2"}, &out), "exactly one SQL")
	assert.Error(t, run(ctx, []string{"-nope"}, &out))
	assert.True(t, errors.Is(run(ctx, []string{"-h"}, &out), flag.ErrHelp))
	assert.ErrorContains(t, run(ctx, []string{"-addr", "no-port", "SELECT 1"}, &out), "pgclient:")
}
