package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is a command and the reply it must get, as resp.Value.String shows
// it.
type step struct {
	cmd  []string
	want string
}

func s(want string, cmd ...string) step { return step{cmd, want} }

// runSteps sends each command in turn and checks its reply.
func runSteps(t *testing.T, c *client, steps []step) {
	t.Helper()
	for _, st := range steps {
		assert.Equal(t, st.want, c.do(st.cmd...), "%q", st.cmd)
	}
}

// Every command, with its error replies, over every transport.
func TestCommands(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			c := dial(t, startServer(t, tr))
			t.Run("ping echo", func(t *testing.T) {
				runSteps(t, c, []step{
					s("+PONG", "PING"),
					s("+PONG", "ping"),
					s(`$"hello world"`, "PING", "hello world"),
					s("-ERR wrong number of arguments for 'ping' command", "PING", "a", "b"),
					s(`$"echo\r\n"`, "ECHO", "echo\r\n"),
					s(`$""`, "echo", ""),
					s("-ERR wrong number of arguments for 'echo' command", "ECHO"),
				})
			})
			t.Run("set get", func(t *testing.T) {
				runSteps(t, c, []step{
					s("$nil", "GET", "k"),
					s("+OK", "SET", "k", "v1"),
					s(`$"v1"`, "GET", "k"),
					s("+OK", "set", "k", "a longer value"),
					s(`$"a longer value"`, "get", "k"),
					s("+OK", "SET", "k", "v"),
					s(`$"v"`, "GET", "k"),
					s("+OK", "SET", "empty", ""),
					s(`$""`, "GET", "empty"),
					s("+OK", "SET", "bin\x00key", "\x00\xff\r\n"),
					s(`$"\x00\xff\r\n"`, "GET", "bin\x00key"),
					s("-ERR wrong number of arguments for 'get' command", "GET"),
					s("-ERR wrong number of arguments for 'get' command", "GET", "a", "b"),
					s("-ERR wrong number of arguments for 'set' command", "SET", "k"),
				})
			})
			t.Run("set options", func(t *testing.T) {
				runSteps(t, c, []step{
					s("$nil", "SET", "k", "other", "NX"),
					s(`$"v"`, "GET", "k"),
					s("+OK", "SET", "nx", "1", "nx"),
					s(`$"1"`, "GET", "nx"),
					s("$nil", "SET", "missing", "1", "XX"),
					s("$nil", "GET", "missing"),
					s("+OK", "SET", "k", "2", "xx"),
					s(`$"2"`, "GET", "k"),
					s("+OK", "SET", "k", "3", "EX", "100"),
					s("+OK", "SET", "k", "4", "KEEPTTL"),
					s("+OK", "SET", "k", "5", "px", "100000", "xx"),
					s("-ERR syntax error", "SET", "k", "v", "NX", "XX"),
					s("-ERR syntax error", "SET", "k", "v", "EX", "1", "PX", "1"),
					s("-ERR syntax error", "SET", "k", "v", "EX"),
					s("-ERR syntax error", "SET", "k", "v", "BOGUS"),
					s("-ERR value is not an integer or out of range", "SET", "k", "v", "EX", "x"),
					s("-ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "0"),
					s("-ERR invalid expire time in 'set' command", "SET", "k", "v", "PX", "-5"),
					s(`$"5"`, "GET", "k"),
				})
			})
			t.Run("expiry", func(t *testing.T) {
				runSteps(t, c, []step{
					s("+OK", "SET", "short", "lived", "PX", "30"),
					s(`$"lived"`, "GET", "short"),
				})
				time.Sleep(60 * time.Millisecond)
				runSteps(t, c, []step{
					s("$nil", "GET", "short"),
					s(":0", "EXISTS", "short"),
					s("$nil", "SET", "short", "again", "XX"),
					s("+OK", "SET", "short", "again", "NX"),
					s(`$"again"`, "GET", "short"),
				})
			})
			t.Run("del exists mget", func(t *testing.T) {
				runSteps(t, c, []step{
					s("+OK", "SET", "a", "1"),
					s("+OK", "SET", "b", "2"),
					s(`*[$"1" $nil $"2" $"1"]`, "MGET", "a", "nope", "b", "a"),
					s(":3", "EXISTS", "a", "b", "a", "nope"),
					s(":2", "DEL", "a", "b", "nope", "a"),
					s(":0", "EXISTS", "a", "b"),
					s(`*[$nil]`, "MGET", "a"),
					s("-ERR wrong number of arguments for 'mget' command", "MGET"),
					s("-ERR wrong number of arguments for 'del' command", "DEL"),
					s("-ERR wrong number of arguments for 'exists' command", "EXISTS"),
				})
			})
			t.Run("incr", func(t *testing.T) {
				runSteps(t, c, []step{
					s(":1", "INCR", "n"),
					s(":2", "incr", "n"),
					s(`$"2"`, "GET", "n"),
					s(":12", "INCRBY", "n", "10"),
					s(":11", "DECR", "n"),
					s(":-9", "DECRBY", "n", "20"),
					s("+OK", "SET", "n", "9223372036854775806"),
					s(":9223372036854775807", "INCR", "n"),
					s("-ERR increment or decrement would overflow", "INCR", "n"),
					s("+OK", "SET", "n", "-9223372036854775808"),
					s("-ERR increment or decrement would overflow", "DECR", "n"),
					s("+OK", "SET", "s", "abc"),
					s("-ERR value is not an integer or out of range", "INCR", "s"),
					s("+OK", "SET", "s", " 1"),
					s("-ERR value is not an integer or out of range", "INCR", "s"),
					s("+OK", "SET", "s", "01"),
					s("-ERR value is not an integer or out of range", "INCR", "s"),
					s("-ERR value is not an integer or out of range", "INCRBY", "n", "1.5"),
					s("-ERR wrong number of arguments for 'incr' command", "INCR"),
				})
			})
			t.Run("unknown command", func(t *testing.T) {
				runSteps(t, c, []step{
					s("-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' ", "FOO", "bar", "baz"),
					s("-ERR unknown command 'nope', with args beginning with: ", "nope"),
					s("-ERR unknown command '"+strings.Repeat("x", 128)+"', with args beginning with: ", strings.Repeat("x", 200)),
				})
			})
			t.Run("admin", func(t *testing.T) {
				runSteps(t, c, []step{
					s("+OK", "SELECT", "0"),
					s("-ERR DB index is out of range", "SELECT", "1"),
					s("+OK", "SET", "x", "1"),
					s("+OK", "FLUSHDB"),
					s(":0", "DBSIZE"),
					s("+OK", "SET", "x", "1"),
					s(":1", "DBSIZE"),
					s("+OK", "FLUSHALL"),
					s("$nil", "GET", "x"),
					s(`*[$"save" $"" $"appendonly" $"no"]`, "CONFIG", "GET", "*"),
					s(`*[$"appendonly" $"no"]`, "config", "get", "APPENDONLY"),
					s(`*[]`, "CONFIG", "GET", "nothing"),
					s("-ERR wrong number of arguments for 'config|get' command", "CONFIG", "GET"),
					s("-ERR unknown subcommand 'SET'. Try CONFIG HELP.", "CONFIG", "SET", "a", "b"),
					s(`*[]`, "COMMAND", "DOCS"),
					s(`*[]`, "COMMAND"),
					s(`*[*nil]`, "COMMAND", "INFO", "get"),
					s("-ERR unknown subcommand 'X'. Try COMMAND HELP.", "COMMAND", "X"),
				})
				count := c.do("COMMAND", "COUNT")
				assert.Equal(t, ":", count[:1], "COMMAND COUNT is an integer: %s", count)
			})
			t.Run("hello", func(t *testing.T) {
				hello2 := c.do("HELLO")
				assert.Contains(t, hello2, `*[$"server" $"redis" $"version"`)
				assert.Contains(t, hello2, `$"proto" :2`)
				runSteps(t, c, []step{
					s("-NOPROTO unsupported protocol version", "HELLO", "4"),
					s("-ERR Protocol version is not an integer or out of range", "HELLO", "x"),
				})
				hello3 := c.do("HELLO", "3")
				assert.True(t, strings.HasPrefix(hello3, `%[$"server" $"redis"`), hello3)
				assert.Contains(t, hello3, `$"proto" :3`)
				runSteps(t, c, []step{
					s("_", "GET", "nothing"),
					s("*[_ _]", "MGET", "nothing", "nothing"),
					s("_", "SET", "nothing", "v", "XX"),
					s("%[]", "COMMAND", "DOCS"),
					s(`%[$"save" $""]`, "CONFIG", "GET", "save"),
				})
				assert.Contains(t, c.do("HELLO", "2"), `$"proto" :2`)
				runSteps(t, c, []step{s("$nil", "GET", "nothing")})
			})
			t.Run("quit", func(t *testing.T) {
				q := dial(t, startServer(t, tr))
				require.NoError(t, q.w.WriteMany(q.ctx, args("QUIT"), args("PING")))
				assert.Equal(t, "+OK", q.reply())
				q.requireClosed() // PING, after QUIT, is not answered
			})
		})
	}
}
