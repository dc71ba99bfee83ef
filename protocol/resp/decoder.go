package resp

import (
	"errors"
	"math"

	"github.com/f2bac256/bedrock/pipe"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/reader"
)

// Decoder is a Codec with the memory of one stream: where Codec.Parse
// validates a value from its first byte on every call, a Decoder that
// found a value incomplete remembers how far the value is valid and
// resumes there when the same buffer, grown, comes back. Reading a value
// that arrives in k reads then costs work in proportion to its size,
// where Codec.Parse costs k times that: quadratic in the size of a value
// that a peer trickles in small reads (an array of a million elements, a
// long simple string), which makes a server spend its CPU on a few
// connections and a client slow on large replies (LRANGE, KEYS, SCAN).
//
// Use a Decoder, one per stream, as the MessageReader of a long-lived
// protocol.Reader: a server's commands, a client's replies. Codec remains
// the choice where there is no stream to remember (values parsed from
// whole buffers, concurrent use); for values that arrive whole the two
// cost the same.
//
// A Decoder gives exactly what Codec.Parse gives for every buffer: the
// same values, errors, consumed and examined positions. It resumes only
// when the buffer starts where the last one started (a pipe.Position is
// equal) and is not shorter: a protocol.Reader, which hands back a buffer
// it could not parse whole without consuming any of it, keeps both true
// while a value arrives. Anything else starts over. The buffer must be
// the same stream: bytes before the point resumed from are not looked at
// again, so a Decoder belongs to one stream at a time (give each
// protocol.Reader its own, and Reset one moved to another stream).
//
// It remembers, while a value is incomplete, the offset of the first
// element not yet validated, what that element waits for (a bulk's
// length, a line's end), and for each open aggregate the number of
// elements still to read: no allocation per element, and none in the
// steady state (the stack grows to the deepest nesting seen, bounded by
// MaxDepth). Resuming finds that offset in the buffer by walking its
// segments, not its bytes.
//
// A Decoder is not safe for concurrent use. The zero Decoder reads as the
// zero Codec does.
type Decoder struct {
	codec Codec
	p     parser // codec.parser(), once set (maxDepth > 0)

	// The value in progress, while saved is set: the buffer of the last
	// Parse started at start and held seen bytes; the bytes before off
	// were validated, the element at off (or the value, when no aggregate
	// is open) is next, and left holds the elements still to read in each
	// open aggregate, outermost first. Only start is kept as a Position,
	// and only compared: the others are kept as offsets and turned into
	// Positions of the buffer at hand, so that a pipe.Reader that moved
	// the bytes it holds to other memory between two reads (a transport
	// copying memory it borrowed, say) makes the Decoder start over or
	// read the copy, never read memory the Reader let go of.
	saved bool
	start pipe.Position
	seen  int64
	off   int64
	left  []int64

	// The top-level aggregate, once its header was read: kind, count, and
	// the offset of its elements.
	kind Kind
	n    int64
	from int64

	// What the element at off waits for: a buffer of need bytes at least;
	// for a line, delim (0 for none), not found before offset scan, or
	// found as the very last byte of the buffer (crAtEnd).
	need    int64
	delim   byte
	crAtEnd bool
	scan    int64

	// scanned counts the bytes passes over the input looked at, for the
	// tests that check that the work is linear.
	scanned int64
}

// NewDecoder returns a Decoder reading values with the limits of c.
func NewDecoder(c Codec) *Decoder { return &Decoder{codec: c, p: c.parser()} }

// Reset forgets the value in progress: the next Parse starts from the
// first byte of its buffer. A Decoder that moves to another stream must
// be Reset first, unless the last Parse returned something other than
// protocol.ErrIncomplete.
func (d *Decoder) Reset() { *d = Decoder{codec: d.codec, p: d.p, left: d.left[:0]} }

// Parse is Codec.Parse, resumed where the last Parse of the same buffer
// stopped when it found the value incomplete: the protocol.MessageReader
// of a stream of values.
func (d *Decoder) Parse(buf pipe.Sequence) (v Value, consumed, examined pipe.Position, err error) {
	if d.saved && buf.Start() == d.start && buf.Len() >= d.seen {
		return d.resume(buf)
	}
	// Codec.Parse's fast path: the value lies in the first run.
	d.saved = false
	if d.p.maxDepth == 0 {
		d.p = d.codec.parser()
	}
	p := d.p
	b := buf.First()
	end, st := p.scan(buf, b, 0, 0, &v)
	if st == scanOK {
		at := buf.PositionAt(int64(end))
		return v, at, at, nil
	}
	if len(b) == 0 {
		return Value{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	if !kindOf[b[0]].IsAggregate() {
		// The rest of Codec.Parse, here for the common case of a value
		// that spans segments: no copy of the result through a call.
		err = protocol.ErrIncomplete
		if st != scanShort || int64(len(b)) != buf.Len() {
			cur := reader.NewCursor(buf)
			if v, err = p.value(&cur, 0); err == nil {
				at := cur.Position()
				return v, at, at, nil
			}
		}
		d.off, d.left = 0, d.left[:0]
		return d.stop(buf, reader.NewCursor(buf), &p, err)
	}
	d.scanned += int64(len(b))
	d.saved, d.start, d.off, d.left = true, buf.Start(), 0, d.left[:0]
	d.need, d.delim, d.crAtEnd = 0, 0, false
	return d.resume(buf)
}

var _ protocol.MessageReader[Value] = (*Decoder)(nil)

// resume goes on validating the value in progress at the start of buf.
func (d *Decoder) resume(buf pipe.Sequence) (Value, pipe.Position, pipe.Position, error) {
	if buf.Len() < d.need {
		d.seen = buf.Len()
		return Value{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	rest := buf // from off
	if d.off > 0 {
		rest = buf.SliceFrom(buf.PositionAt(d.off))
	}
	if d.delim != 0 && !d.search(rest) {
		d.seen = buf.Len()
		return Value{}, buf.Start(), buf.End(), protocol.ErrIncomplete
	}
	p := d.p
	if b := buf.First(); len(d.left) == 0 && !kindOf[b[0]].IsAggregate() {
		var v Value
		end, st := p.scan(buf, b, 0, 0, &v)
		if st == scanOK {
			d.saved = false
			at := buf.PositionAt(int64(end))
			return v, at, at, nil
		}
		d.scanned += int64(len(b))
		return d.scalar(buf, &p, st)
	}
	cur := reader.NewCursor(rest)
	p.base = d.off
	if len(d.left) == 0 {
		// The header of the top-level aggregate.
		k := kindOf[buf.First()[0]]
		cur.Advance(1)
		n, null, err := p.header(&cur, k, 0, 0)
		switch {
		case err != nil:
			return d.stop(buf, reader.NewCursor(buf), &p, err)
		case null:
			d.saved = false
			return d.codec.Parse(buf)
		}
		d.kind, d.n, d.from = k, n, cur.Consumed()
		if k == Map || k == Attribute {
			n *= 2
		}
		d.left = append(d.left, n)
	}
	// The elements, one at a time: scalars whole, aggregates by their
	// header, their elements counted on the stack. One that lies in the
	// current run is scanned there, an aggregate whole unless one already
	// came up short in this run (scanning it again would read the run
	// again for each level of nesting).
	var shortUntil int64 // the end of the run where an aggregate came up short
	for len(d.left) > 0 {
		top := len(d.left) - 1
		if d.left[top] == 0 {
			d.left = d.left[:top]
			continue
		}
		depth := len(d.left)
		b := cur.Unread()
		if len(b) == 0 {
			return d.stop(buf, cur, &p, protocol.ErrIncomplete)
		}
		k := kindOf[b[0]]
		agg := k.IsAggregate()
		if len(b) >= minFastRun && (!agg || cur.Consumed() >= shortUntil) {
			end, st := p.skip(b, 0, depth)
			if st == scanOK {
				d.scanned += int64(end)
				cur.Advance(int64(end))
				d.left[top]--
				continue
			}
			d.scanned += int64(len(b))
			if agg && st == scanShort {
				shortUntil = cur.Consumed() + int64(len(b))
			}
		}
		mark := cur
		if agg {
			cur.Advance(1)
			n, null, err := p.header(&cur, k, depth, p.base+mark.Consumed())
			if err != nil {
				return d.stop(buf, mark, &p, err)
			}
			d.scanned += cur.Consumed() - mark.Consumed()
			d.left[top]--
			if !null {
				if k == Map || k == Attribute {
					n *= 2
				}
				d.left = append(d.left, n)
			}
			continue
		}
		if _, err := p.value(&cur, depth); err != nil {
			return d.stop(buf, mark, &p, err)
		}
		d.scanned += cur.Consumed() - mark.Consumed()
		d.left[top]--
	}
	// The value is whole: what Codec.Parse returns, from its fast path
	// when the value lies in the first run, from its Cursor otherwise.
	d.saved = false
	v := Value{Kind: d.kind, Len: d.n}
	if end := p.base + cur.Consumed(); end <= int64(len(buf.First())) {
		v.Data = buf.SliceFirst(int(d.from), int(end))
		at := buf.PositionAt(end)
		return v, at, at, nil
	}
	at := cur.Position()
	v.Data = buf.SliceFrom(buf.PositionAt(d.from)).SliceTo(at)
	return v, at, at, nil
}

// scalar is the rest of Codec.Parse for a top-level value that is no
// aggregate, once its fast path, with status st, did not read it.
func (d *Decoder) scalar(buf pipe.Sequence, p *parser, st scanStatus) (Value, pipe.Position, pipe.Position, error) {
	err := protocol.ErrIncomplete
	if st != scanShort || int64(len(buf.First())) != buf.Len() {
		cur := reader.NewCursor(buf)
		var v Value
		if v, err = p.value(&cur, 0); err == nil {
			d.saved = false
			d.scanned += cur.Consumed()
			at := cur.Position()
			return v, at, at, nil
		}
	}
	d.off, d.left = 0, d.left[:0]
	return d.stop(buf, reader.NewCursor(buf), p, err)
}

// stop ends a Parse that failed with err at the element at mark: an
// incomplete element is remembered, with what it waits for.
func (d *Decoder) stop(buf pipe.Sequence, mark reader.Cursor, p *parser, err error) (Value, pipe.Position, pipe.Position, error) {
	if !errors.Is(err, protocol.ErrIncomplete) {
		d.saved = false
		return Value{}, buf.Start(), buf.End(), err
	}
	d.scanned += mark.Remaining()
	d.off = p.base + mark.Consumed()
	d.wait(buf, mark, p.base)
	return Value{}, buf.Start(), buf.End(), protocol.ErrIncomplete
}

// wait remembers the buffer and what the incomplete element at mark waits
// for; base is the offset in the value of the first byte mark reads.
func (d *Decoder) wait(buf pipe.Sequence, mark reader.Cursor, base int64) {
	d.saved, d.start, d.seen = true, buf.Start(), buf.Len()
	d.need, d.delim, d.crAtEnd = buf.Len()+1, 0, false
	rest := mark.UnreadSequence()
	t, err := mark.ReadByte()
	if err != nil {
		return
	}
	switch kindOf[t] {
	case SimpleString, Error, Null, Boolean, Double, BigNumber:
		// Incomplete until its CR and the byte after it are in.
		d.delim, d.scan = '\r', base+mark.Consumed()
		d.search(rest)
	case Invalid: // an inline command (Parse fails on others at once)
		d.delim, d.scan = '\n', d.off
		d.search(rest)
	case BulkString, BulkError, VerbatimString:
		// Incomplete until its bytes and the byte after them are in.
		p := d.p
		if n, err := p.readInt(&mark, false); err == nil && n >= 0 {
			if data := base + mark.Consumed(); n < math.MaxInt64-data {
				d.need = max(d.need, data+n+1)
			} else {
				d.need = math.MaxInt64
			}
		}
	}
}

// search looks for the delimiter of the line at off in the bytes of rest
// (the buffer from off) not searched yet, and reports whether the line may
// now be whole (or too long), so that it must be parsed.
func (d *Decoder) search(rest pipe.Sequence) bool {
	if d.crAtEnd {
		return true // the byte after the CR came
	}
	rest = rest.Slice(d.scan-d.off, rest.Len())
	if d.delim == '\n' {
		// An inline command: Parse looks no further than its limit.
		if lim := MaxInlineLength + 2 - d.scan; rest.Len() > lim {
			rest = rest.Slice(0, max(lim, 0))
		}
	}
	i := rest.IndexByte(d.delim)
	switch {
	case i < 0:
		d.scanned += rest.Len()
		d.scan += rest.Len()
		return d.delim == '\n' && d.scan > MaxInlineLength+1
	case d.delim == '\r' && i == rest.Len()-1:
		d.scanned += rest.Len()
		d.crAtEnd = true
		return false
	}
	return true
}
