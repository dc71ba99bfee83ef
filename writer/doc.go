// Package writer produces bytes into a pipe.Writer and adapts pipe.Writers
// to and from io.Writers.
//
//   - Cursor writes bytes, strings, fixed-size integers in either byte
//     order, varints and decimal integers straight into the memory a
//     pipe.Writer hands out (its Buffer), and commits them with Advance: a
//     protocol encoder builds its messages in the pipe's pooled memory, with
//     no buffer of its own and no copy in between.
//   - ToIO turns any io.Writer (a net.Conn, a file, a TLS conn) into a
//     pipe.Writer: Buffer and Advance fill pooled memory, and each Flush
//     hands everything committed to the io.Writer in one Write, or one
//     writev straight from the segments for a TCP or Unix socket.
//   - Stream turns a pipe.Writer back into an io.WriteCloser for code that
//     speaks io.Writer; its ReadFrom (used by io.Copy) reads the source
//     straight into the pipe.Writer's memory.
//
// They compose: a Cursor over ToIO(conn) encodes replies into pooled memory
// that the kernel reads from directly, so the bytes of a reply are written
// once, by the encoder, and never copied again in user space (unless the
// flush spans segments and the destination is not a socket, when ToIO
// gathers them into one buffer for a single Write).
//
//	w := writer.ToIO(conn, writer.Options{})
//	c := writer.NewCursor(w)
//	c.WriteString("+OK\r\n")
//	c.WriteByte(':')
//	c.WriteInt(n)
//	c.WriteString("\r\n")
//	c.Commit()
//	w.Flush(ctx) // one write(2) or writev(2)
//
// A Cursor's fixed-size values never straddle two pieces of memory; only
// Write and WriteString span segments. Nothing in the package allocates in
// the steady state: Cursor's methods, ToIO's Buffer, Advance and Flush with
// a context that cannot be canceled, and Stream's Write and ReadFrom all
// reuse pooled memory.
package writer
