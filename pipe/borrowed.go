package pipe

// Chain holds the buffered data of a Reader that reads memory owned by
// someone else: a transport's receive buffers, say. Append links such
// memory as segments with a release hook; Sequence views the unconsumed
// bytes without copying; AdvanceTo validates the positions handed back
// (with the Pipe's rules and panics), tracks what was examined, and
// releases the segments consumed, calling their hooks. It is the Pipe's
// own bookkeeping, for transports that implement Reader themselves.
//
// A Chain is not safe for concurrent use. The zero value is ready to use
// and takes its segment descriptors from the shared pool.
type Chain struct {
	c chain
}

func (c *Chain) init() {
	if c.c.pool == nil {
		c.c.pool = sharedPool
	}
}

// Append links b as the next bytes of the stream, without copying. release,
// if not nil, is called once the reader has consumed all of b (or at
// Release). A hook that covers several Appends (one receive buffer split
// across them) should be given to the last of them only: segments are
// released in order.
func (c *Chain) Append(b []byte, release func()) {
	c.init()
	c.c.appendBorrowed(b, release)
}

// Sequence returns the unconsumed bytes. Its positions are what the next
// AdvanceTo or Consume accepts.
func (c *Chain) Sequence() Sequence {
	c.init()
	return c.c.buffer()
}

// AdvanceTo hands back the last Sequence with the rules of Reader.AdvanceTo:
// bytes before consumed are released (their hooks called), bytes before
// examined were looked at. Misuse panics with a message naming the rule.
func (c *Chain) AdvanceTo(consumed, examined Position) {
	c.advance(consumed, examined, true)
}

// Consume is AdvanceTo(consumed, consumed) except that examined never moves
// backwards, as for Reader.Consume.
func (c *Chain) Consume(consumed Position) {
	c.advance(consumed, consumed, false)
}

func (c *Chain) advance(consumed, examined Position, strict bool) {
	c.init()
	freed, misuse := c.c.advance(consumed, examined, strict, false)
	if misuse != "" {
		panic("pipe: Chain.AdvanceTo: " + misuse)
	}
	c.c.pool.release(freed)
}

// Len returns the number of unconsumed bytes.
func (c *Chain) Len() int64 { return c.c.buffered() }

// Unexamined returns the number of bytes not yet examined: a Read that
// follows the Pipe's rules waits for new bytes while this is zero.
func (c *Chain) Unexamined() int64 { return c.c.unexamined() }

// Release releases every segment (calling the hooks not yet called), as a
// completing reader does. The Chain can be used again afterwards.
func (c *Chain) Release() {
	c.init()
	c.c.pool.release(c.c.detach())
}
