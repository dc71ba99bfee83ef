package redisserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/internal/testkit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The example server builds, answers PING on the netpoll transport (the
// default) and on sockets, and exits cleanly on SIGTERM.
func TestExampleBinaryAnswersPing(t *testing.T) {
	bin := buildExample(t)
	for _, transport := range []string{"auto", "socket"} {
		t.Run(transport, func(t *testing.T) {
			p := startExample(t, bin, transport)
			assert.True(t, answersPing(p.addr))
			assert.NoError(t, p.stop(t), "graceful shutdown exits with status 0")
		})
	}
}

// tests are redis-benchmark's tests for -t ping,set,get, in its order.
var tests = []string{"PING_INLINE", "PING_MBULK", "SET", "GET"}

// result matches a result line of redis-benchmark -q.
var result = regexp.MustCompile(`(?m)^\s*([A-Z_]+): ([0-9.]+) requests per second`)

// redisBenchmark runs redis-benchmark -c 50 -t ping,set,get against addr
// and returns the requests per second of each test.
func redisBenchmark(t *testing.T, bench, addr string, n, pipeline int) map[string]float64 {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bench, "-h", host, "-p", port, "-c", "50",
		"-t", "ping,set,get", "-n", strconv.Itoa(n), "-P", strconv.Itoa(pipeline), "-q").CombinedOutput()
	text := strings.ReplaceAll(string(out), "\r", "\n") // progress lines end with \r
	require.NoError(t, err, "redis-benchmark against %s:\n%s", addr, text)
	require.NotContains(t, text, "ERR")
	rps := map[string]float64{}
	for _, m := range result.FindAllStringSubmatch(text, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		rps[m[1]] = v
	}
	for _, test := range tests {
		require.Contains(t, rps, test, "redis-benchmark output:\n%s", text)
	}
	return rps
}

// median returns the median of xs.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// envInt returns the integer in the environment variable name, or def.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "%s=%q", name, v)
	require.Positive(t, n, name)
	return n
}

// TestCompareWithRedisServer runs the same redis-benchmark load against the
// example server (netpoll transport) and a real redis-server, interleaved,
// for a few rounds, and logs the median requests per second of each and
// their ratio, per test and pipeline depth. It runs only with REDIS_BENCH=1.
func TestCompareWithRedisServer(t *testing.T) {
	if os.Getenv("REDIS_BENCH") != "1" {
		t.Skip("set REDIS_BENCH=1 to compare the example server with redis-server (about a minute; see README.md)")
	}
	bench := testkit.Peer(t, "redis-benchmark", "redis-tools")
	rounds := envInt(t, "REDIS_BENCH_ROUNDS", 3)
	depths := []struct{ pipeline, n int }{
		{1, envInt(t, "REDIS_BENCH_N1", 100000)},
		{16, envInt(t, "REDIS_BENCH_N16", 1000000)},
	}
	servers := []struct {
		name string
		p    *process
	}{
		{"bedrock", startExample(t, buildExample(t), "auto")},
		{"redis-server", startRedis(t)},
	}

	// rps[server][depth][test] holds one figure per round.
	rps := map[string]map[int]map[string][]float64{}
	for _, s := range servers {
		rps[s.name] = map[int]map[string][]float64{}
		for _, d := range depths {
			rps[s.name][d.pipeline] = map[string][]float64{}
		}
	}
	for round := range rounds {
		for _, d := range depths {
			for i := range servers {
				s := servers[(i+round)%len(servers)] // alternate who goes first
				got := redisBenchmark(t, bench, s.p.addr, d.n, d.pipeline)
				for _, test := range tests {
					rps[s.name][d.pipeline][test] = append(rps[s.name][d.pipeline][test], got[test])
				}
				t.Logf("round %d -P %-2d %-12s %v", round+1, d.pipeline, s.name, got)
			}
		}
	}

	var table strings.Builder
	fmt.Fprintf(&table, "median of %d rounds, redis-benchmark -c 50 -t ping,set,get -q\n", rounds)
	fmt.Fprintf(&table, "%-4s %-12s %14s %14s %7s\n", "-P", "test", "bedrock req/s", "redis req/s", "ratio")
	for _, d := range depths {
		for _, test := range tests {
			b := median(rps["bedrock"][d.pipeline][test])
			r := median(rps["redis-server"][d.pipeline][test])
			fmt.Fprintf(&table, "%-4d %-12s %14.0f %14.0f %6.2fx\n", d.pipeline, test, b, r, b/r)
		}
	}
	t.Logf("\n%s", table.String())
}
