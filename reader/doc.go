// Package reader parses pipe Sequences in place and adapts io.Readers to
// pipe Readers.
//
// A Cursor reads a pipe.Sequence across segment edges without copying or
// allocating: bytes, integers, varints, delimited runs (returned as
// Sequences that still point into the pipe's memory). Its Position is what
// a parser hands back to pipe.Reader.AdvanceTo.
//
// FromIO turns any io.Reader (a net.Conn, a file, a TLS stream) into a
// pipe.Reader whose bytes are read straight into pooled memory, and Stream
// turns a pipe.Reader back into an io.ReadCloser.
package reader
