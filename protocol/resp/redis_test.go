package resp_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/protocol/resp"
)

// TestRedis talks to a real redis-server over bedrock's socket transport:
// commands written with resp.Command, every kind of reply the server
// produces, RESP2 and RESP3, read with resp.Codec through a
// protocol.Reader.
func TestRedis(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs after every other cleanup
	addr := startRedis(t)

	t.Run("RESP2", func(t *testing.T) {
		c := dialRedis(t, addr)
		r := c.do("PING")
		requireKind(t, resp.SimpleString, r, "PING")
		assert.Equal(t, "PONG", r.Str)

		r = c.do("SET", "r2:str", "hello\r\nworld")
		requireKind(t, resp.SimpleString, r, "SET")
		assert.Equal(t, "OK", r.Str)
		r = c.do("GET", "r2:str")
		requireKind(t, resp.BulkString, r, "GET")
		assert.False(t, r.Null)
		assert.Equal(t, "hello\r\nworld", r.Str)

		r = c.do("SET", "r2:empty", "")
		assert.Equal(t, "OK", r.Str)
		r = c.do("GET", "r2:empty")
		requireKind(t, resp.BulkString, r, "GET of an empty string")
		assert.False(t, r.Null)
		assert.Equal(t, "", r.Str)

		r = c.do("GET", "r2:missing")
		requireKind(t, resp.BulkString, r, "GET of a missing key")
		assert.True(t, r.Null, "null bulk")
		assert.Equal(t, "$nil", r.Text)

		r = c.do("INCR", "r2:n")
		requireKind(t, resp.Integer, r, "INCR")
		assert.EqualValues(t, 1, r.Int)
		r = c.do("INCRBY", "r2:n", "-43")
		assert.EqualValues(t, -42, r.Int)
		r = c.do("TTL", "r2:missing")
		requireKind(t, resp.Integer, r, "TTL")
		assert.EqualValues(t, -2, r.Int)

		r = c.do("LPUSH", "r2:str", "x")
		requireKind(t, resp.Error, r, "LPUSH on a string")
		assert.True(t, strings.HasPrefix(r.Str, "WRONGTYPE "), r.Str)

		r = c.do("NOSUCHCOMMAND", "a")
		requireKind(t, resp.Error, r, "unknown command")
		assert.True(t, strings.HasPrefix(r.Str, "ERR unknown command"), r.Str)

		r = c.do("EXEC")
		requireKind(t, resp.Error, r, "EXEC without MULTI")
		assert.Equal(t, "ERR EXEC without MULTI", r.Str)

		r = c.do("RPUSH", "r2:list", "a", "", "ccc")
		assert.EqualValues(t, 3, r.Int)
		r = c.do("LRANGE", "r2:list", "0", "-1")
		requireKind(t, resp.Array, r, "LRANGE")
		assert.EqualValues(t, 3, r.Len)
		assert.Equal(t, `*[$"a" $"" $"ccc"]`, r.Text)
		assert.Equal(t, []string{"a", "", "ccc"}, r.strs())
		r = c.do("LRANGE", "r2:nolist", "0", "-1")
		requireKind(t, resp.Array, r, "LRANGE of a missing key")
		assert.False(t, r.Null)
		assert.EqualValues(t, 0, r.Len)

		// The null array: BLPOP timing out.
		r = c.do("BLPOP", "r2:nolist", "0.01")
		requireKind(t, resp.Array, r, "BLPOP timing out")
		assert.True(t, r.Null, "null array")
		assert.Equal(t, "*nil", r.Text)

		// MULTI/EXEC: queued replies, then an array of mixed kinds.
		assert.Equal(t, "OK", c.do("MULTI").Str)
		for _, cmd := range [][]string{{"INCR", "r2:n"}, {"GET", "r2:missing"}, {"LPUSH", "r2:str", "x"}, {"PING"}} {
			r = c.do(cmd...)
			requireKind(t, resp.SimpleString, r, "queued")
			assert.Equal(t, "QUEUED", r.Str)
		}
		r = c.do("EXEC")
		requireKind(t, resp.Array, r, "EXEC")
		require.Len(t, r.Elems, 4)
		assert.Equal(t, ":-41", r.Elems[0].Text)
		assert.Equal(t, "$nil", r.Elems[1].Text)
		requireKind(t, resp.Error, r.Elems[2], "WRONGTYPE in EXEC")
		assert.Equal(t, "+PONG", r.Elems[3].Text)

		// Nested arrays: SCAN's [cursor, [keys]] and XRANGE's
		// [[id, [field, value, ...]], ...].
		r = c.do("SCAN", "0", "MATCH", "r2:list", "COUNT", "1000")
		requireKind(t, resp.Array, r, "SCAN")
		require.Len(t, r.Elems, 2)
		requireKind(t, resp.BulkString, r.Elems[0], "SCAN cursor")
		assert.Equal(t, "0", r.Elems[0].Str)
		requireKind(t, resp.Array, r.Elems[1], "SCAN keys")
		assert.Equal(t, []string{"r2:list"}, r.Elems[1].strs())

		assert.Equal(t, "1-1", c.do("XADD", "r2:stream", "1-1", "f1", "v1", "f2", "v2").Str)
		assert.Equal(t, "2-1", c.do("XADD", "r2:stream", "2-1", "f3", "v3").Str)
		r = c.do("XRANGE", "r2:stream", "-", "+")
		requireKind(t, resp.Array, r, "XRANGE")
		assert.Equal(t, `*[*[$"1-1" *[$"f1" $"v1" $"f2" $"v2"]] *[$"2-1" *[$"f3" $"v3"]]]`, r.Text)

		// Deeper nesting, with integers, simple strings and arrays mixed.
		r = c.do("COMMAND", "INFO", "get")
		requireKind(t, resp.Array, r, "COMMAND INFO")
		require.Len(t, r.Elems, 1)
		info := r.Elems[0]
		requireKind(t, resp.Array, info, "COMMAND INFO get")
		require.GreaterOrEqual(t, len(info.Elems), 6)
		assert.Equal(t, "get", info.Elems[0].Str)
		assert.Equal(t, ":2", info.Elems[1].Text) // arity
		requireKind(t, resp.Array, info.Elems[2], "flags")
		assert.Contains(t, info.Elems[2].strs(), "readonly")
		for _, f := range info.Elems[2].Elems {
			requireKind(t, resp.SimpleString, f, "a flag")
		}

		// RESP2 ZSCORE is a bulk string.
		assert.Equal(t, ":1", c.do("ZADD", "r2:z", "1.5", "m").Text)
		assert.Equal(t, `$"1.5"`, c.do("ZSCORE", "r2:z", "m").Text)

		// A bulk larger than a socket read, read in many pieces.
		big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
		assert.Equal(t, "OK", c.do("SET", "r2:big", big).Str)
		r = c.do("GET", "r2:big")
		requireKind(t, resp.BulkString, r, "GET big")
		assert.Len(t, r.Str, len(big))
		assert.True(t, r.Str == big, "the 1 MiB value read back differs")
	})

	t.Run("Pipelining", func(t *testing.T) {
		c := dialRedis(t, addr)
		const n = 1000
		cmds := make([][][]byte, n)
		for i := range cmds {
			if i%2 == 0 {
				cmds[i] = command("ECHO", "message-"+strconv.Itoa(i))
			} else {
				cmds[i] = command("INCR", "pipe:n")
			}
		}
		require.NoError(t, c.w.WriteMany(c.ctx, cmds...))
		for i := range n {
			r := c.read()
			if i%2 == 0 {
				requireKind(t, resp.BulkString, r, "ECHO "+strconv.Itoa(i))
				require.Equal(t, "message-"+strconv.Itoa(i), r.Str)
			} else {
				requireKind(t, resp.Integer, r, "INCR "+strconv.Itoa(i))
				require.EqualValues(t, (i+1)/2, r.Int)
			}
		}
		assert.Equal(t, "+PONG", c.do("PING").Text, "nothing left over")
	})

	t.Run("RESP3", func(t *testing.T) {
		c := dialRedis(t, addr)
		hello := c.do("HELLO", "3")
		requireKind(t, resp.Map, hello, "HELLO 3")
		m := hello.pairs(t)
		require.Contains(t, m, "server")
		require.Contains(t, m, "proto")
		assert.Equal(t, "redis", m["server"].Str)
		assert.Equal(t, ":3", m["proto"].Text)
		requireKind(t, resp.Integer, m["id"], "id")
		requireKind(t, resp.BulkString, m["version"], "version")
		requireKind(t, resp.Array, m["modules"], "modules")

		assert.Equal(t, "+PONG", c.do("PING").Text)

		r := c.do("HSET", "r3:h", "f1", "v1", "f2", "v2")
		assert.EqualValues(t, 2, r.Int)
		r = c.do("HGETALL", "r3:h")
		requireKind(t, resp.Map, r, "HGETALL")
		assert.EqualValues(t, 2, r.Len)
		hm := r.pairs(t)
		assert.Equal(t, "v1", hm["f1"].Str)
		assert.Equal(t, "v2", hm["f2"].Str)
		r = c.do("HGETALL", "r3:nohash")
		requireKind(t, resp.Map, r, "HGETALL of a missing key")
		assert.EqualValues(t, 0, r.Len)

		assert.Equal(t, ":3", c.do("SADD", "r3:s", "a", "b", "c").Text)
		r = c.do("SMEMBERS", "r3:s")
		requireKind(t, resp.Set, r, "SMEMBERS")
		assert.ElementsMatch(t, []string{"a", "b", "c"}, r.strs())

		r = c.do("GET", "r3:missing")
		requireKind(t, resp.Null, r, "GET of a missing key")
		assert.True(t, r.Null)
		r = c.do("BLPOP", "r3:nolist", "0.01")
		requireKind(t, resp.Null, r, "BLPOP timing out")

		r = c.do("ZADD", "r3:z", "1.5", "m")
		assert.EqualValues(t, 1, r.Int)
		r = c.do("ZSCORE", "r3:z", "m")
		requireKind(t, resp.Double, r, "ZSCORE")
		assert.Equal(t, 1.5, r.Float)
		r = c.do("ZADD", "r3:z", "INCR", "-3.25", "m")
		requireKind(t, resp.Double, r, "ZADD INCR")
		assert.Equal(t, -1.75, r.Float)
		r = c.do("ZINCRBY", "r3:z", "inf", "m")
		requireKind(t, resp.Double, r, "ZINCRBY inf")
		assert.Equal(t, ",+Inf", r.Text)
		r = c.do("ZRANGE", "r3:z", "0", "-1", "WITHSCORES")
		requireKind(t, resp.Array, r, "ZRANGE WITHSCORES")
		assert.Equal(t, `*[*[$"m" ,+Inf]]`, r.Text)

		r = c.do("LPUSH", "r3:h", "x")
		requireKind(t, resp.Error, r, "WRONGTYPE")
		assert.True(t, strings.HasPrefix(r.Str, "WRONGTYPE "), r.Str)

		// Booleans from a Lua script (true is 1, false is null in
		// RESP3's conversion of Lua's false).
		r = c.do("EVAL", "redis.setresp(3); return redis.call('HEXISTS', KEYS[1], 'f1') == 1", "1", "r3:h")
		requireKind(t, resp.Boolean, r, "EVAL returning true")
		assert.EqualValues(t, 1, r.Int)

		t.Run("DEBUG PROTOCOL", func(t *testing.T) {
			r := c.do("DEBUG", "PROTOCOL", "true")
			if r.Kind == resp.Error {
				testkit.SkipPeer(t, "DEBUG refused by this redis-server: %s", r.Str)
			}
			requireKind(t, resp.Boolean, r, "true")
			assert.EqualValues(t, 1, r.Int)
			assert.Equal(t, "#t", r.Text)

			r = c.do("DEBUG", "PROTOCOL", "false")
			requireKind(t, resp.Boolean, r, "false")
			assert.EqualValues(t, 0, r.Int)

			r = c.do("DEBUG", "PROTOCOL", "string")
			requireKind(t, resp.BulkString, r, "string")
			assert.Equal(t, "Hello World", r.Str)

			r = c.do("DEBUG", "PROTOCOL", "integer")
			requireKind(t, resp.Integer, r, "integer")
			assert.EqualValues(t, 12345, r.Int)

			r = c.do("DEBUG", "PROTOCOL", "double")
			requireKind(t, resp.Double, r, "double")
			assert.Equal(t, 3.141, r.Float)

			r = c.do("DEBUG", "PROTOCOL", "bignum")
			requireKind(t, resp.BigNumber, r, "bignum")
			assert.Equal(t, "1234567999999999999999999999999999999", r.Str)

			r = c.do("DEBUG", "PROTOCOL", "null")
			requireKind(t, resp.Null, r, "null")
			assert.True(t, r.Null)

			r = c.do("DEBUG", "PROTOCOL", "array")
			requireKind(t, resp.Array, r, "array")
			assert.Equal(t, "*[:0 :1 :2]", r.Text)

			r = c.do("DEBUG", "PROTOCOL", "set")
			requireKind(t, resp.Set, r, "set")
			assert.Equal(t, "~[:0 :1 :2]", r.Text)

			r = c.do("DEBUG", "PROTOCOL", "map")
			requireKind(t, resp.Map, r, "map")
			assert.EqualValues(t, 3, r.Len)
			assert.Equal(t, "%[:0 #f :1 #t :2 #f]", r.Text)

			r = c.do("DEBUG", "PROTOCOL", "verbatim")
			requireKind(t, resp.VerbatimString, r, "verbatim")
			assert.Equal(t, "txt", r.Format)
			assert.Equal(t, "This is a verbatim\nstring", r.Str)

			// An attribute is a Value of its own, followed by the reply it
			// annotates.
			r = c.do("DEBUG", "PROTOCOL", "attrib")
			requireKind(t, resp.Attribute, r, "attrib")
			assert.EqualValues(t, 1, r.Len)
			assert.Equal(t, `|[$"key-popularity" *[$"key:123" :90]]`, r.Text)
			r = c.read()
			requireKind(t, resp.BulkString, r, "the reply after the attribute")
			assert.Equal(t, "Some real reply following the attribute", r.Str)

			// A push, then the reply proper.
			r = c.do("DEBUG", "PROTOCOL", "push")
			requireKind(t, resp.Push, r, "push")
			assert.Equal(t, `>[$"server-cpu-usage" :42]`, r.Text)
			r = c.read()
			requireKind(t, resp.BulkString, r, "the reply after the push")
			assert.Equal(t, "Some real reply following the push reply", r.Str)

			assert.Equal(t, "+PONG", c.do("PING").Text, "nothing left over")
		})
	})

	t.Run("Push", func(t *testing.T) {
		// Client-side caching: an invalidation pushed to the client that
		// read a key another client then changes.
		c, other := dialRedis(t, addr), dialRedis(t, addr)
		requireKind(t, resp.Map, c.do("HELLO", "3"), "HELLO 3")
		assert.Equal(t, "+OK", c.do("CLIENT", "TRACKING", "on").Text)
		assert.Equal(t, "_", c.do("GET", "push:k").Text)
		assert.Equal(t, "+OK", other.do("SET", "push:k", "v").Text)
		r := c.read()
		requireKind(t, resp.Push, r, "invalidation")
		assert.Equal(t, `>[$"invalidate" *[$"push:k"]]`, r.Text)

		// Pub/sub in RESP3: the subscription's confirmation and the
		// messages are pushes, and the connection still takes commands.
		r = c.do("SUBSCRIBE", "push:ch")
		requireKind(t, resp.Push, r, "SUBSCRIBE")
		assert.Equal(t, `>[$"subscribe" $"push:ch" :1]`, r.Text)
		r = other.do("PUBLISH", "push:ch", "hello\npush")
		assert.Equal(t, ":1", r.Text, "one subscriber")
		r = c.read()
		requireKind(t, resp.Push, r, "message")
		assert.Equal(t, []string{"message", "push:ch", "hello\npush"}, r.strs())
		assert.Equal(t, "+PONG", c.do("PING").Text)
		r = c.do("UNSUBSCRIBE", "push:ch")
		requireKind(t, resp.Push, r, "UNSUBSCRIBE")
		assert.Equal(t, `>[$"unsubscribe" $"push:ch" :0]`, r.Text)
	})
}
