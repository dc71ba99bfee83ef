package main

import (
	"bytes"
	"strings"
	"time"

	"github.com/f2bac256/bedrock/protocol/resp"
)

// command is one command of the server.
type command struct {
	name string // lower case, as errors quote it
	// arity is the number of arguments, the name included, as Redis counts
	// them: n means exactly n, -n at least n.
	arity int
	run   func(s *session)
}

// commands are the commands of the server by lower-case name. It is filled
// in init: some commands list the others.
var commands map[string]*command

func init() {
	commands = map[string]*command{}
	for _, c := range []*command{
		{"ping", -1, (*session).ping},
		{"echo", 2, (*session).echo},
		{"set", -3, (*session).set},
		{"get", 2, (*session).get},
		{"del", -2, (*session).del},
		{"exists", -2, (*session).exists},
		{"mget", -2, (*session).mget},
		{"incr", 2, (*session).incr},
		{"decr", 2, (*session).incr},
		{"incrby", 3, (*session).incr},
		{"decrby", 3, (*session).incr},
		{"dbsize", 1, (*session).dbsize},
		{"flushdb", -1, (*session).flushDB},
		{"flushall", -1, (*session).flushDB},
		{"select", 2, (*session).selectDB},
		{"command", -1, (*session).command},
		{"config", -2, (*session).config},
		{"hello", -1, (*session).hello},
		{"quit", -1, (*session).quitCmd},
	} {
		commands[c.name] = c
	}
	cmdGet, cmdSet, cmdPing = commands["get"], commands["set"], commands["ping"]
}

// The commands redis-benchmark sends most, found without the map.
var cmdGet, cmdSet, cmdPing *command

// lookup returns the command named name, in any case, or nil.
func lookup(name []byte) *command {
	// b|0x20 lower-cases a letter; the letters below are the only bytes
	// it maps to themselves.
	switch len(name) {
	case 3:
		if name[1]|0x20 == 'e' && name[2]|0x20 == 't' {
			switch name[0] | 0x20 {
			case 'g':
				return cmdGet
			case 's':
				return cmdSet
			}
		}
	case 4:
		if name[0]|0x20 == 'p' && name[1]|0x20 == 'i' && name[2]|0x20 == 'n' && name[3]|0x20 == 'g' {
			return cmdPing
		}
	}
	var buf [maxNameLength]byte
	return commands[string(lower(&buf, name))]
}

// maxNameLength bounds the command names worth looking up.
const maxNameLength = 16

// lower writes the lower-case form of b into buf and returns it, or nil
// when b is longer than buf.
func lower(buf *[maxNameLength]byte, b []byte) []byte {
	if len(b) > len(buf) {
		return nil
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(b)]
}

// dispatch runs the command in s.args, which holds at least its name.
func (s *session) dispatch() {
	c := lookup(s.args[0])
	switch {
	case c == nil:
		s.unknownCommand()
	case c.arity > 0 && len(s.args) != c.arity, c.arity < 0 && len(s.args) < -c.arity:
		s.wrongArity(c.name)
	default:
		c.run(s)
	}
}

// unknownCommand replies as Redis does to a command it does not know.
func (s *session) unknownCommand() {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.Write(truncate(s.args[0]))
	b.WriteString("', with args beginning with: ")
	for _, a := range s.args[1:] {
		if b.Len() > 128 {
			break
		}
		b.WriteByte('\'')
		b.Write(truncate(a))
		b.WriteString("' ")
	}
	resp.AppendError(&s.w, b.String())
}

// truncate bounds an argument quoted in an error.
func truncate(b []byte) []byte { return b[:min(len(b), 128)] }

// wrongArity replies as Redis does to a command with too few or too many
// arguments.
func (s *session) wrongArity(name string) {
	resp.AppendError(&s.w, "ERR wrong number of arguments for '"+name+"' command")
}

// Frequent replies.
func (s *session) ok()          { s.w.WriteString("+OK\r\n") }
func (s *session) syntaxError() { resp.AppendError(&s.w, "ERR syntax error") }

// PING [message]
func (s *session) ping() {
	switch len(s.args) {
	case 1:
		s.w.WriteString("+PONG\r\n")
	case 2:
		resp.AppendBulk(&s.w, s.args[1])
	default:
		s.wrongArity("ping")
	}
}

// ECHO message
func (s *session) echo() { resp.AppendBulk(&s.w, s.args[1]) }

// SET key value [NX | XX] [EX seconds | PX milliseconds | KEEPTTL]
func (s *session) set() {
	mode, expires, keepTTL := SetAlways, int64(0), false
	for i := 3; i < len(s.args); i++ {
		var buf [maxNameLength]byte
		opt := string(lower(&buf, s.args[i]))
		switch {
		case opt == "nx" && mode != SetIfExists:
			mode = SetIfMissing
		case opt == "xx" && mode != SetIfMissing:
			mode = SetIfExists
		case opt == "keepttl" && expires == 0:
			keepTTL = true
		case (opt == "ex" || opt == "px") && expires == 0 && !keepTTL && i+1 < len(s.args):
			i++
			n, ok := parseInt(s.args[i])
			if !ok {
				resp.AppendError(&s.w, errNotInteger.Error())
				return
			}
			unit := int64(time.Second)
			if opt == "px" {
				unit = int64(time.Millisecond)
			}
			if n <= 0 || n > (1<<62)/unit {
				resp.AppendError(&s.w, "ERR invalid expire time in 'set' command")
				return
			}
			expires = now() + n*unit
		default:
			s.syntaxError()
			return
		}
	}
	if s.store.Set(s.args[1], s.args[2], mode, expires, keepTTL) {
		s.ok()
	} else {
		s.null()
	}
}

// GET key
func (s *session) get() { s.value(s.args[1]) }

// value writes key's value, or null.
func (s *session) value(key []byte) {
	var ok bool
	if s.val, ok = s.store.Get(s.val[:0], key); ok {
		resp.AppendBulk(&s.w, s.val)
	} else {
		s.null()
	}
}

// MGET key [key ...]
func (s *session) mget() {
	resp.AppendArrayHeader(&s.w, len(s.args)-1)
	for _, k := range s.args[1:] {
		s.value(k)
	}
}

// DEL key [key ...]
func (s *session) del() {
	n := 0
	for _, k := range s.args[1:] {
		if s.store.Delete(k) {
			n++
		}
	}
	resp.AppendInt(&s.w, int64(n))
}

// EXISTS key [key ...]: a key named twice counts twice.
func (s *session) exists() {
	n := 0
	for _, k := range s.args[1:] {
		if s.store.Exists(k) {
			n++
		}
	}
	resp.AppendInt(&s.w, int64(n))
}

// INCR key, DECR key, INCRBY key increment, DECRBY key decrement
func (s *session) incr() {
	delta := int64(1)
	if len(s.args) == 3 {
		var ok bool
		if delta, ok = parseInt(s.args[2]); !ok {
			resp.AppendError(&s.w, errNotInteger.Error())
			return
		}
	}
	if s.args[0][0]|0x20 == 'd' { // DECR, DECRBY
		if delta == -1<<63 {
			resp.AppendError(&s.w, "ERR decrement would overflow")
			return
		}
		delta = -delta
	}
	n, err := s.store.IncrBy(s.args[1], delta)
	if err != nil {
		resp.AppendError(&s.w, err.Error())
		return
	}
	resp.AppendInt(&s.w, n)
}

// DBSIZE
func (s *session) dbsize() { resp.AppendInt(&s.w, int64(s.store.Len())) }

// FLUSHDB [ASYNC | SYNC], FLUSHALL [ASYNC | SYNC]
func (s *session) flushDB() {
	s.store.Flush()
	s.ok()
}

// SELECT index: there is only database 0.
func (s *session) selectDB() {
	n, ok := parseInt(s.args[1])
	switch {
	case !ok:
		resp.AppendError(&s.w, errNotInteger.Error())
	case n != 0:
		resp.AppendError(&s.w, "ERR DB index is out of range")
	default:
		s.ok()
	}
}

// COMMAND [COUNT | DOCS | INFO ...]: answered minimally, enough for
// redis-cli, which asks for the documentation when it starts.
func (s *session) command() {
	if len(s.args) == 1 {
		resp.AppendArrayHeader(&s.w, 0)
		return
	}
	var buf [maxNameLength]byte
	switch string(lower(&buf, s.args[1])) {
	case "count":
		resp.AppendInt(&s.w, int64(len(commands)))
	case "docs":
		s.mapHeader(0)
	case "info":
		resp.AppendArrayHeader(&s.w, len(s.args)-2)
		for range s.args[2:] {
			resp.AppendNullArray(&s.w)
		}
	default:
		s.unknownSubcommand("COMMAND")
	}
}

// config are the settings CONFIG GET reports: the ones redis-benchmark
// asks for when it starts.
var config = []struct{ name, value string }{
	{"save", ""},
	{"appendonly", "no"},
}

// CONFIG GET parameter [parameter ...], with exact names or "*".
func (s *session) config() {
	var buf [maxNameLength]byte
	if string(lower(&buf, s.args[1])) != "get" {
		s.unknownSubcommand("CONFIG")
		return
	}
	if len(s.args) < 3 {
		s.wrongArity("config|get")
		return
	}
	var found []int
	for i, c := range config {
		for _, p := range s.args[2:] {
			if string(p) == "*" || bytes.EqualFold(p, []byte(c.name)) {
				found = append(found, i)
				break
			}
		}
	}
	s.mapHeader(len(found))
	for _, i := range found {
		resp.AppendBulkString(&s.w, config[i].name)
		resp.AppendBulkString(&s.w, config[i].value)
	}
}

// unknownSubcommand replies to an unknown subcommand of cmd.
func (s *session) unknownSubcommand(cmd string) {
	resp.AppendError(&s.w, "ERR unknown subcommand '"+string(truncate(s.args[1]))+"'. Try "+cmd+" HELP.")
}

// HELLO [protover]: switches the replies to RESP2 or RESP3 and describes
// the server. AUTH and SETNAME are not supported.
func (s *session) hello() {
	if len(s.args) > 2 {
		s.syntaxError()
		return
	}
	if len(s.args) == 2 {
		v, ok := parseInt(s.args[1])
		if !ok {
			resp.AppendError(&s.w, "ERR Protocol version is not an integer or out of range")
			return
		}
		if v != 2 && v != 3 {
			resp.AppendError(&s.w, "NOPROTO unsupported protocol version")
			return
		}
		s.proto = int(v)
	}
	s.mapHeader(7)
	resp.AppendBulkString(&s.w, "server")
	resp.AppendBulkString(&s.w, "redis")
	resp.AppendBulkString(&s.w, "version")
	resp.AppendBulkString(&s.w, "7.0.0")
	resp.AppendBulkString(&s.w, "proto")
	resp.AppendInt(&s.w, int64(s.proto))
	resp.AppendBulkString(&s.w, "id")
	resp.AppendInt(&s.w, s.id)
	resp.AppendBulkString(&s.w, "mode")
	resp.AppendBulkString(&s.w, "standalone")
	resp.AppendBulkString(&s.w, "role")
	resp.AppendBulkString(&s.w, "master")
	resp.AppendBulkString(&s.w, "modules")
	resp.AppendArrayHeader(&s.w, 0)
}

// QUIT: replies OK; the connection is closed once the reply is sent.
func (s *session) quitCmd() {
	s.ok()
	s.quit = true
}
