// Package pipe is the core of bedrock: a buffered byte pipe between a writer
// and a reader over pooled, segmented memory, read in place as a Sequence.
//
// The writer asks for memory with Buffer, fills it, commits it with Advance
// (or copies in with Write) and hands it to the reader with Flush. The
// reader's Read returns every flushed, unconsumed byte as a Sequence, without
// copying; the reader parses what it can and calls AdvanceTo(consumed,
// examined):
//
//   - bytes before consumed are done with: their segments return to the
//     Pool, and the Sequence must not be used after AdvanceTo;
//   - bytes before examined were looked at: if examined is the end of the
//     buffer, the next Read waits for new data instead of returning the same
//     bytes again (a partial message waits for the rest without spinning).
//
// AdvanceTo must follow every successful Read. Consume(p) is the one-position
// form: it consumes up to p and leaves examined where it was if p is before
// it.
//
// # Backpressure
//
// Flush blocks while the reader has PauseWriterThreshold or more bytes
// flushed but not examined, and returns when that count drops below
// ResumeWriterThreshold. Counting unexamined rather than unconsumed bytes
// lets a reader buffer a message larger than the threshold (it examines all
// and waits for more) without deadlocking the writer; the price is that
// such a reader must bound its own message size. ReadAtLeast(n) lifts the
// pause while it waits for n bytes.
//
// # Completion and cancellation
//
// Writer.Complete(err) ends the stream: the reader first receives the
// remaining bytes (with Completed set), then, once it has examined them all,
// err from Read. Reader.Complete(err) makes every later Flush return
// Completed and err, and drops what is flushed from then on. When both sides
// completed, all memory is back in the pool and Reset readies the Pipe for
// reuse. CancelPendingRead and CancelPendingFlush interrupt the waiting call
// (or the next one) with Canceled set; a done context makes the call return
// ctx.Err().
//
// # Concurrency and misuse
//
// The reader and the writer may run on different goroutines; one Read and
// one Flush may be in flight at a time (ErrReadInProgress,
// ErrFlushInProgress). A Pipe starts no goroutine, holds no lock while user
// code runs, and holds no segment while idle. Programming errors panic with a
// message starting with "pipe: " that names the broken rule: AdvanceTo
// without a Read, a position from an older buffer or beyond the buffer,
// examined before consumed or before the previously examined position,
// Advance past the memory Buffer returned, Buffer after Complete, and Reset
// before both sides completed.
//
// # Memory
//
// Segments either own pooled memory or borrow memory owned elsewhere (a
// transport's receive buffer) with a release hook called once the reader has
// consumed it; a Sequence reads both alike. The steady state of writing,
// flushing, reading and advancing allocates nothing.
package pipe
