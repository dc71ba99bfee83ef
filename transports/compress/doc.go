// Package compress is a layer that compresses the byte stream of any
// conn.Factory with github.com/klauspost/compress: zstd, S2 or gzip. Both
// sides of a connection must use the same Config; nothing is negotiated on
// the wire, which carries the algorithm's standard streaming format (a zstd
// frame, an S2 framed stream, a gzip member).
//
// The layer takes the Stream view of the connection below and returns a
// connection whose native view is a net.Conn: Write compresses and Read
// decompresses; the Pipe view wraps it as usual (duplex.FromConn).
//
// Every Write is flushed through to the connection below before it returns
// (a zstd block, an S2 chunk, a deflate sync flush), so request and response
// protocols never wait on bytes stuck in a compressor; write whole messages
// rather than byte by byte, since every Write costs a block header. Reads
// consume only what the peer has sent: the decoders read block by block and
// return what they decoded without waiting for more.
//
// Close ends the compressed stream (the end of the zstd frame, the gzip
// trailer) and then closes the connection below; the peer reads everything,
// then io.EOF. Ending the stream writes to the connection below, so Close
// may wait for the peer to read: for 5 seconds at most, as crypto/tls
// waits for its close_notify (Close sets the write deadline). CloseWrite,
// present when the connection below has it, ends the compressed stream and
// half-closes the connection below: the peer's Reads end with io.EOF and
// this side can go on reading. Close from another goroutine unblocks
// pending calls, as for any net.Conn; a Write it interrupts leaves the
// stream without its end, which the peer reads as a truncated stream.
// Abort tears the connection down without ending the stream. Deadlines are
// those of the connection below.
//
// Encoders and decoders are created on the first Write and the first Read,
// reused by later connections of the same Layer once a connection is
// closed, and run synchronously: no goroutine per connection. zstd uses a
// 1 MiB window for what it writes and accepts frames with windows up to
// 8 MiB; S2 uses 64 KiB blocks (and accepts nothing larger), which bounds
// the memory a connection holds.
//
// # Errors
//
// Input that does not decompress (corrupt, truncated inside a block, of
// another algorithm) makes Read return an *Error ("compress: zstd: read:
// ..."), which wraps the decoder's own error: errors.Is finds
// zstd.ErrMagicMismatch, s2.ErrCorrupt, gzip.ErrHeader, io.ErrUnexpectedEOF
// and the like, errors.As a *flate.CorruptInputError. An S2 stream has no
// end marker: one cut between two chunks reads as a clean end. Using the stream
// after Close gives an *Error wrapping net.ErrClosed, and writing after
// CloseWrite one wrapping io.ErrClosedPipe. Errors of the connection below
// (a deadline, a reset, an abort) are returned as they are, so that their
// Timeout method and errors.Is work unchanged.
//
// Every error of Read or Write other than io.EOF is final for its
// direction: a compressed stream cannot resume after a block was cut, so
// later calls return the same error. In particular a read deadline that
// expires ends reading, as a write deadline does for crypto/tls.
//
// # Properties
//
// Connect and Bind read no keys from the Properties they are given.
//
// A Connection exposes, under its own type:
//
//   - *Stats: the live byte counts of the connection, raw (what the user
//     read and wrote) and compressed (what went through the connection
//     below), and the algorithm. Over two compress layers, the upper one's
//     Stats hide the lower one's.
//
// Every other property of the connection below passes through.
package compress
