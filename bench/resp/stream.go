// Package resp is the RESP parsing benchmark of issue 6: one pipelined
// stream of mixed Redis replies, the same bytes in memory, read by bedrock's
// protocol/resp (through a pipe and a protocol.Reader), by redigo
// (redis.NewConn over an in-memory net.Conn, Receive in a loop) and by
// go-redis (a pipeline whose Dialer returns an in-memory net.Conn). Each
// implementation touches every reply and every element of every array and
// folds them into a Digest, which must equal the one the stream was
// generated with.
//
// See README.md for what each side does and why the comparison is fair.
package resp

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Stream is a pipelined stream of replies: their encoding, back to back,
// and what each implementation must find in it.
type Stream struct {
	// Bytes is the encoded replies.
	Bytes []byte
	// Replies is their number.
	Replies int
	// Want is each reply in the common rendering of Render.
	Want []string
	// Digest is the Digest of the replies.
	Digest Digest
}

// DefaultReplies is the number of replies of the benchmark's stream.
const DefaultReplies = 3000

// NewStream returns a stream of n replies drawn by a generator seeded with
// seed: the same arguments give the same bytes. The mix is meant to look
// like the replies a busy cache client reads:
//
//   - 25% simple strings (+OK of SET, a few +PONG and +QUEUED),
//   - 3% errors (-ERR ..., -WRONGTYPE ...),
//   - 20% integers (INCR, DEL, EXISTS, TTL: mostly small, some large or
//     negative),
//   - 30% bulk strings (GET): 8% null, the others of 1-16 bytes (half), 17-128
//     (30%), 129-1024 (15%) and 1-8 KiB (5%),
//   - 16% flat arrays of bulk strings: MGET (1-10 elements, some null),
//     LRANGE/SMEMBERS (10-100 short elements), HGETALL (2-20 pairs), and a
//     few empty ones,
//   - 5% nested arrays: SCAN ([cursor, [keys]]), EXEC (a mix of replies,
//     errors included) and XRANGE ([[id, [field, value...]]...]),
//   - 1% null arrays (*-1).
//
// The first reply is +OK: go-redis retries a pipeline whose first reply is
// certain errors.
func NewStream(n int, seed uint64) *Stream {
	g := generator{rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	s := &Stream{Replies: n}
	for i := range n {
		var r reply
		if i == 0 {
			r = simple("OK")
		} else {
			r = g.reply()
		}
		s.Bytes = r.encode(s.Bytes)
		s.Want = append(s.Want, r.render())
		r.digest(&s.Digest, true)
	}
	return s
}

// reply is a generated reply, in a form close to the encoding.
type reply struct {
	kind  byte   // '+', '-', ':', '$', '*'
	text  string // simple string, error, bulk
	n     int64  // integer
	null  bool   // null bulk or array
	elems []reply
}

func simple(s string) reply { return reply{kind: '+', text: s} }
func bulk(s string) reply   { return reply{kind: '$', text: s} }
func integer(n int64) reply { return reply{kind: ':', n: n} }
func array(e ...reply) reply {
	if e == nil {
		e = []reply{}
	}
	return reply{kind: '*', elems: e}
}

// encode appends the RESP2 encoding of r to b.
func (r reply) encode(b []byte) []byte {
	b = append(b, r.kind)
	switch {
	case r.null:
		return append(b, "-1\r\n"...)
	case r.kind == ':':
		b = strconv.AppendInt(b, r.n, 10)
	case r.kind == '$':
		b = strconv.AppendInt(b, int64(len(r.text)), 10)
		b = append(b, "\r\n"...)
		b = append(b, r.text...)
	case r.kind == '*':
		b = strconv.AppendInt(b, int64(len(r.elems)), 10)
		b = append(b, "\r\n"...)
		for _, e := range r.elems {
			b = e.encode(b)
		}
		return b
	default:
		b = append(b, r.text...)
	}
	return append(b, "\r\n"...)
}

// render returns r in the common rendering (see Render).
func (r reply) render() string {
	var b strings.Builder
	var walk func(r reply)
	walk = func(r reply) {
		switch {
		case r.null:
			b.WriteString("nil")
		case r.kind == '+' || r.kind == '$':
			b.WriteString(strconv.Quote(r.text))
		case r.kind == '-':
			b.WriteString("-" + strconv.Quote(r.text))
		case r.kind == ':':
			b.WriteString(strconv.FormatInt(r.n, 10))
		default:
			b.WriteByte('[')
			for i, e := range r.elems {
				if i > 0 {
					b.WriteByte(' ')
				}
				walk(e)
			}
			b.WriteByte(']')
		}
	}
	walk(r)
	return b.String()
}

// digest folds r into d.
func (r reply) digest(d *Digest, top bool) {
	switch {
	case r.null:
		d.Nil()
	case r.kind == '+' || r.kind == '$':
		d.String(len(r.text), firstByte(r.text))
	case r.kind == '-':
		d.Error(len(r.text))
	case r.kind == ':':
		d.Int(r.n)
	default:
		d.Array(len(r.elems))
		for _, e := range r.elems {
			e.digest(d, false)
		}
	}
	if top {
		d.Reply()
	}
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// generator draws replies.
type generator struct {
	rng  *rand.Rand
	keys int
}

func (g *generator) pct() int { return g.rng.IntN(100) }

// between returns an int in [lo, hi].
func (g *generator) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-{}\" ,."

// text returns n printable bytes.
func (g *generator) text(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// key returns a key name such as "user:1234:session".
func (g *generator) key() string {
	g.keys++
	return "user:" + strconv.Itoa(g.between(1, 99999)) + ":" + [...]string{"name", "session", "cart", "seen"}[g.keys%4]
}

func (g *generator) reply() reply {
	switch p := g.pct(); {
	case p < 24:
		return simple("OK")
	case p < 25:
		return simple([...]string{"PONG", "QUEUED"}[g.rng.IntN(2)])
	case p < 28:
		return g.errorReply()
	case p < 48:
		return g.intReply()
	case p < 78:
		return g.bulkReply()
	case p < 94:
		return g.flatArray()
	case p < 99:
		return g.nestedArray()
	default:
		return reply{kind: '*', null: true}
	}
}

func (g *generator) errorReply() reply {
	if g.rng.IntN(2) == 0 {
		return reply{kind: '-', text: "WRONGTYPE Operation against a key holding the wrong kind of value"}
	}
	return reply{kind: '-', text: "ERR value is not an integer or out of range"}
}

func (g *generator) intReply() reply {
	switch p := g.pct(); {
	case p < 70:
		return integer(int64(g.between(0, 100)))
	case p < 90:
		return integer(int64(g.between(101, 1_000_000)))
	case p < 95:
		return integer(1_700_000_000_000 + g.rng.Int64N(100_000_000_000))
	default:
		return integer(int64(-g.between(1, 2)))
	}
}

// bulkText returns the payload of a bulk string of a random size.
func (g *generator) bulkText() string {
	switch p := g.pct(); {
	case p < 50:
		return g.text(g.between(1, 16))
	case p < 80:
		return g.text(g.between(17, 128))
	case p < 95:
		return g.text(g.between(129, 1024))
	default:
		return g.text(g.between(1025, 8192))
	}
}

func (g *generator) bulkReply() reply {
	if g.pct() < 8 {
		return reply{kind: '$', null: true}
	}
	return bulk(g.bulkText())
}

func (g *generator) shortBulks(n int) []reply {
	e := make([]reply, n)
	for i := range e {
		e[i] = bulk(g.text(g.between(1, 24)))
	}
	return e
}

func (g *generator) flatArray() reply {
	switch p := g.pct(); {
	case p < 50: // MGET
		e := make([]reply, g.between(1, 10))
		for i := range e {
			if g.pct() < 15 {
				e[i] = reply{kind: '$', null: true}
			} else {
				e[i] = bulk(g.text(g.between(1, 64)))
			}
		}
		return array(e...)
	case p < 80: // LRANGE, SMEMBERS
		return array(g.shortBulks(g.between(10, 100))...)
	case p < 95: // HGETALL
		var e []reply
		for range g.between(2, 20) {
			e = append(e, bulk("field"+strconv.Itoa(len(e))), bulk(g.text(g.between(1, 32))))
		}
		return array(e...)
	default:
		return array()
	}
}

func (g *generator) nestedArray() reply {
	switch p := g.pct(); {
	case p < 40: // SCAN
		keys := make([]reply, g.between(0, 20))
		for i := range keys {
			keys[i] = bulk(g.key())
		}
		return array(bulk(strconv.Itoa(g.between(0, 1<<20))), array(keys...))
	case p < 70: // EXEC
		e := []reply{simple("OK"), g.intReply(), g.bulkReply()}
		if g.pct() < 30 {
			e = append(e, g.errorReply())
		}
		e = append(e, array(g.shortBulks(g.between(0, 5))...))
		return array(e...)
	default: // XRANGE
		entries := make([]reply, g.between(1, 10))
		for i := range entries {
			var fv []reply
			for range g.between(1, 4) {
				fv = append(fv, bulk("f"+strconv.Itoa(len(fv))), bulk(g.text(g.between(1, 40))))
			}
			id := strconv.FormatInt(1_700_000_000_000+int64(i), 10) + "-0"
			entries[i] = array(bulk(id), array(fv...))
		}
		return array(entries...)
	}
}
