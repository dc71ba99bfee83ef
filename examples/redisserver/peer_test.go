package main

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// redisCLI runs redis-cli against addr with the formatted (--no-raw)
// output and returns what it printed.
func redisCLI(t *testing.T, cli, addr string, extra ...string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Wait)
	defer cancel()
	args := append([]string{"-h", host, "-p", port, "--no-raw"}, extra...)
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	require.NoError(t, err, "redis-cli %q: %s", extra, out)
	return strings.TrimRight(string(out), "\n")
}

// redis-cli, a real client, gets the replies redis-server would give.
func TestRedisCLI(t *testing.T) {
	cli := testkit.Peer(t, "redis-cli", "redis-tools")
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			addr := startServer(t, tr)
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"PING"}, "PONG"},
				{[]string{"PING", "hello"}, `"hello"`},
				{[]string{"ECHO", "two words"}, `"two words"`},
				{[]string{"SET", "greeting", "hello"}, "OK"},
				{[]string{"GET", "greeting"}, `"hello"`},
				{[]string{"GET", "missing"}, "(nil)"},
				{[]string{"SET", "greeting", "again", "NX"}, "(nil)"},
				{[]string{"SET", "temp", "x", "EX", "100"}, "OK"},
				{[]string{"INCR", "counter"}, "(integer) 1"},
				{[]string{"INCR", "counter"}, "(integer) 2"},
				{[]string{"INCR", "greeting"}, "(error) ERR value is not an integer or out of range"},
				{[]string{"MGET", "greeting", "missing", "counter"}, "1) \"hello\"\n2) (nil)\n3) \"2\""},
				{[]string{"EXISTS", "greeting", "missing", "counter"}, "(integer) 2"},
				{[]string{"DEL", "greeting", "missing", "temp"}, "(integer) 2"},
				{[]string{"EXISTS", "greeting"}, "(integer) 0"},
				{[]string{"GET"}, "(error) ERR wrong number of arguments for 'get' command"},
				{[]string{"NOSUCH", "a", "b"}, "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' "},
				{[]string{"CONFIG", "GET", "appendonly"}, "1) \"appendonly\"\n2) \"no\""},
				{[]string{"-3", "GET", "missing"}, "(nil)"},
				{[]string{"QUIT"}, "OK"},
			} {
				assert.Equal(t, tc.want, redisCLI(t, cli, addr, tc.args...), "%q", tc.args)
			}
			hello := redisCLI(t, cli, addr, "-3", "HELLO", "3")
			assert.Contains(t, hello, `"proto" => (integer) 3`)

			// Commands read from standard input go through one connection.
			ctx, cancel := context.WithTimeout(context.Background(), testkit.Wait)
			defer cancel()
			host, port, _ := net.SplitHostPort(addr)
			cmd := exec.CommandContext(ctx, cli, "-h", host, "-p", port)
			cmd.Stdin = strings.NewReader("SET k v\nGET k\nDEL k\nGET k\n")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Equal(t, "OK\nv\n1\n\n", string(out))
		})
	}
}

// throughput matches a result line of redis-benchmark -q.
var throughput = regexp.MustCompile(`(?m)^\s*([A-Z_]+): ([0-9.]+) requests per second`)

// redis-benchmark, pipelining 16 commands, completes without an error; a
// value it set reads back right.
func TestRedisBenchmark(t *testing.T) {
	bench := testkit.Peer(t, "redis-benchmark", "redis-tools")
	cli := testkit.Peer(t, "redis-cli", "redis-tools")
	n := 100000
	if testkit.RaceEnabled {
		n = 10000
	}
	addr := startServer(t, "auto")
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.Wait)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bench, "-h", host, "-p", port, "-t", "ping,set,get",
		"-n", strconv.Itoa(n), "-P", "16", "-d", "8", "-q")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "redis-benchmark exits non-zero on an error reply:\n%s", out)
	// Progress lines end with \r; results with \n.
	text := strings.ReplaceAll(string(out), "\r", "\n")
	assert.NotContains(t, text, "ERR")
	assert.NotContains(t, strings.ToLower(text), "error")
	var tests []string
	for _, m := range throughput.FindAllStringSubmatch(text, -1) {
		tests = append(tests, m[1])
		rps, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		assert.Positive(t, rps, m[0])
		t.Logf("%s: %.0f requests/s", m[1], rps)
	}
	assert.Equal(t, []string{"PING_INLINE", "PING_MBULK", "SET", "GET"}, tests, "a result per test:\n%s", text)
	t.Logf("%d requests per test in %v", n, time.Since(start))

	// The key SET wrote holds a value of the size it set (-d 8), which GET
	// was served.
	c := dial(t, addr)
	require.NoError(t, c.w.Write(c.ctx, args("GET", "key:__rand_int__")))
	v, err := c.r.Read(c.ctx)
	require.NoError(t, err)
	assert.Equal(t, resp.BulkString, v.Kind, v.String())
	assert.Equal(t, int64(8), v.Data.Len(), v.String())
	c.r.Advance()
	assert.Equal(t, "(integer) 1", redisCLI(t, cli, addr, "EXISTS", "key:__rand_int__"))
}

// The check above can fail: redis-benchmark reports an error reply and
// exits non-zero.
func TestRedisBenchmarkReportsErrors(t *testing.T) {
	bench := testkit.Peer(t, "redis-benchmark", "redis-tools")
	addr := startServer(t, "auto")
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Wait)
	defer cancel()
	out, err := exec.CommandContext(ctx, bench, "-h", host, "-p", port, "-n", "100", "-q", "NOSUCH", "x").CombinedOutput()
	assert.Error(t, err, "%s", out)
	assert.Contains(t, string(out), "ERR unknown command 'NOSUCH'")
}
