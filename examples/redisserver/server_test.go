package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// A pipelined batch is answered in order, every reply right.
func TestPipelinedBatch(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			c := dial(t, startServer(t, tr))
			const n = 1000
			var batch [][][]byte
			for i := range n {
				k := "key" + strconv.Itoa(i)
				batch = append(batch, args("SET", k, "value"+strconv.Itoa(i)), args("GET", k), args("INCR", "counter"))
			}
			require.NoError(t, c.w.WriteMany(c.ctx, batch...))
			for i := range n {
				require.Equal(t, "+OK", c.reply(), "SET %d", i)
				require.Equal(t, fmt.Sprintf(`$"value%d"`, i), c.reply(), "GET %d", i)
				require.Equal(t, fmt.Sprintf(":%d", i+1), c.reply(), "INCR %d", i)
			}
			assert.Equal(t, ":"+strconv.Itoa(n+1), c.do("DBSIZE"))
		})
	}
}

// countingWriter counts the flushes of the pipe.Writer below it.
type countingWriter struct {
	pipe.Writer
	mu      sync.Mutex
	flushes int
}

func (c *countingWriter) Flush(ctx context.Context) (pipe.FlushResult, error) {
	c.mu.Lock()
	c.flushes++
	c.mu.Unlock()
	return c.Writer.Flush(ctx)
}

func (c *countingWriter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flushes
}

// servePipes serves one session over in-memory pipes of segments of
// segmentSize bytes and returns the client's end and the server's
// counted output. The session ends when t does.
func servePipes(t *testing.T, segmentSize int) (duplex.Pipe, *countingWriter) {
	t.Helper()
	client, server := duplex.NewPair(pipe.Options{MinimumSegmentSize: segmentSize})
	out := &countingWriter{Writer: server.Output()}
	ctx, cancel := context.WithCancel(context.Background())
	h := NewHandler(newStore(), slog.New(slog.DiscardHandler))
	done := testkit.Async(func() {
		err := h.Serve(ctx, duplex.Join(server.Input(), out))
		assert.True(t, err == nil || err == context.Canceled, "session ended with %v", err)
	})
	t.Cleanup(func() {
		cancel()
		testkit.RequireDone(t, done)
	})
	return client, out
}

// sendRaw writes b to p and flushes it.
func sendRaw(t *testing.T, p duplex.Pipe, b string) {
	t.Helper()
	_, err := p.Output().Write([]byte(b))
	require.NoError(t, err)
	_, err = p.Output().Flush(testkit.Context(t))
	require.NoError(t, err)
}

// readReplies reads n replies from p.
func readReplies(t *testing.T, r *protocol.Reader[resp.Value], n int) []string {
	t.Helper()
	var got []string
	for range n {
		v, err := r.Read(testkit.Context(t))
		require.NoError(t, err)
		got = append(got, v.String())
		r.Advance()
	}
	return got
}

// The replies to commands that arrive together are flushed once.
func TestOneFlushPerBatch(t *testing.T) {
	client, out := servePipes(t, 0)
	replies := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})

	sendRaw(t, client, "*1\r\n$4\r\nPING\r\n")
	assert.Equal(t, []string{"+PONG"}, readReplies(t, replies, 1))
	assert.Equal(t, 1, out.count())

	const n = 100
	var batch strings.Builder
	for i := range n {
		fmt.Fprintf(&batch, "*2\r\n$4\r\nINCR\r\n$1\r\n%c\r\n", 'a'+i%3)
	}
	sendRaw(t, client, batch.String())
	got := readReplies(t, replies, n)
	assert.Equal(t, ":1", got[0])
	assert.Equal(t, ":34", got[n-1])
	assert.Equal(t, 2, out.count(), "one flush for the whole batch")
}

// A batch of large replies is flushed on the way, not all at the end.
func TestLargeBatchFlushedOnTheWay(t *testing.T) {
	client, out := servePipes(t, 0)
	replies := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})
	val := strings.Repeat("v", 4096)
	sendRaw(t, client, fmt.Sprintf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n", len(val), val))
	require.Equal(t, []string{"+OK"}, readReplies(t, replies, 1))
	const n = 640 // 2.6 MB of replies
	sendRaw(t, client, strings.Repeat("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", n))
	for i, r := range readReplies(t, replies, n) {
		require.Equal(t, fmt.Sprintf("$%q", val), r, "reply %d", i)
	}
	flushes := out.count() - 1
	assert.Greater(t, flushes, 1, "the batch was flushed on the way")
	assert.LessOrEqual(t, flushes, n/checkEvery+1, "at most once per check")
}

// Arguments that straddle segments of the input are made contiguous, and
// values of any size go through.
func TestArgumentsAcrossSegments(t *testing.T) {
	client, _ := servePipes(t, 64)
	replies := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})
	key := strings.Repeat("k", 150)
	val := string(testkit.RandomBytes(100<<10, 7))
	cmd := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n",
		len(key), key, len(val), val, len(key), key)
	for b := cmd; len(b) > 0; { // small flushes: many segments
		n := min(len(b), 50)
		sendRaw(t, client, b[:n])
		b = b[n:]
	}
	got := readReplies(t, replies, 2)
	assert.Equal(t, "+OK", got[0])
	assert.Equal(t, fmt.Sprintf("$%q", val), got[1])
}

// A large command trickled in small flushes, which the session's Decoder
// reads as it arrives (resuming, not starting over), is answered, and so
// are the commands after it.
func TestLargeCommandTrickledIn(t *testing.T) {
	client, _ := servePipes(t, 4096)
	replies := protocol.NewReader[resp.Value](client.Input(), resp.Codec{}, protocol.ReaderOptions{})
	const n = 50_000
	var cmd strings.Builder
	fmt.Fprintf(&cmd, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*%d\r\n$6\r\nEXISTS\r\n", n+1)
	for range n {
		cmd.WriteString("$1\r\nk\r\n")
	}
	cmd.WriteString("*1\r\n$4\r\nPING\r\nEXISTS k\r\n")
	for b := cmd.String(); len(b) > 0; {
		k := min(len(b), 4000)
		sendRaw(t, client, b[:k])
		b = b[k:]
	}
	assert.Equal(t, []string{"+OK", fmt.Sprintf(":%d", n), "+PONG", ":1"}, readReplies(t, replies, 4))
}

// Inline commands, as telnet sends them, are answered.
func TestInlineCommands(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			c := rawDial(t, startServer(t, tr))
			_, err := io.WriteString(c, "PING\r\nset  k   v\nGET k\r\nECHO hi\r\n\r\nEXISTS k k\r\n")
			require.NoError(t, err)
			want := "+PONG\r\n+OK\r\n$1\r\nv\r\n$2\r\nhi\r\n:2\r\n"
			assert.Equal(t, want, readN(t, c, len(want)))
		})
	}
}

// Malformed input gets an error reply, after the replies to the commands
// before it, and closes that connection only.
func TestMalformedInputClosesOnlyThatConnection(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			addr, log := startServerLogged(t, tr)
			other := dial(t, addr)
			assert.Equal(t, "+OK", other.do("SET", "k", "v"))
			for _, tc := range []struct{ name, input, want string }{
				{"bad length", "*1\r\n$x\r\n", "-ERR Protocol error: "},
				{"not an array", ":1\r\n", "-ERR Protocol error: expected an array of bulk strings, got Integer\r\n"},
				{"integer argument", "*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR Protocol error: expected a bulk string argument, got Integer\r\n"},
				{"null argument", "*2\r\n$3\r\nGET\r\n$-1\r\n", "-ERR Protocol error: expected a bulk string argument, got BulkString\r\n"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c := rawDial(t, addr)
					_, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n"+tc.input+"*1\r\n$4\r\nPING\r\n")
					require.NoError(t, err)
					got, err := io.ReadAll(c)
					require.NoError(t, err, "the server closed the connection")
					assert.True(t, strings.HasPrefix(string(got), "+PONG\r\n"+tc.want), "%q", got)
					assert.Equal(t, 1, strings.Count(string(got), "\r\n")-1, "one PONG and one error: %q", got)
					assert.Equal(t, `$"v"`, other.do("GET", "k"), "the other connection is served")
				})
			}
			assert.NotEmpty(t, log.Find("redisserver: connection ended"), "protocol errors are logged")
		})
	}
}

// Many clients at once share the key space safely.
func TestConcurrentClients(t *testing.T) {
	addr := startServer(t, "auto")
	clients, rounds := 8, 200
	if testkit.RaceEnabled {
		rounds = 50
	}
	var wg sync.WaitGroup
	for i := range clients {
		c := dial(t, addr)
		wg.Go(func() {
			own := "own" + strconv.Itoa(i)
			for j := range rounds {
				v := strconv.Itoa(j)
				if c.do("INCR", "shared") == "" || c.do("SET", own, v) != "+OK" || c.do("GET", own) != `$"`+v+`"` {
					t.Errorf("client %d round %d: wrong reply", i, j)
					return
				}
			}
		})
	}
	wg.Wait()
	c := dial(t, addr)
	assert.Equal(t, `$"`+strconv.Itoa(clients*rounds)+`"`, c.do("GET", "shared"))
	assert.Equal(t, ":"+strconv.Itoa(clients+1), c.do("DBSIZE"))
}

// Cancelling run's context shuts the server down: idle connections are
// closed, new ones refused, and run returns nil.
func TestGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", "auto", slog.New(slog.DiscardHandler), func(a net.Addr) { addrs <- a })
	}()
	var addr string
	select {
	case a := <-addrs:
		addr = a.String()
	case <-time.After(testkit.Wait):
		t.Fatal("the server did not start")
	}
	c := dial(t, addr)
	assert.Equal(t, "+PONG", c.do("PING"))
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(testkit.Wait):
		t.Fatal("run did not return")
	}
	c.requireClosed()
	_, err := net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "the listener is closed")
}

func TestRunRejectsBadArguments(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	err := run(context.Background(), "127.0.0.1:0", "carrier-pigeon", logger, nil)
	assert.ErrorContains(t, err, `unknown transport "carrier-pigeon"`)
	err = run(context.Background(), "not an address", "auto", logger, nil)
	assert.ErrorContains(t, err, "redisserver: address")
}
