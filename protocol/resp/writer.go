package resp

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/writer"
)

// The Append functions write one value, or the header of one aggregate,
// with w, without allocating. An aggregate header must be followed by as
// many values as it declares (twice as many for a map or an attribute).

// AppendSimple writes the simple string s ("+s\r\n"). A simple string may
// not hold CR or LF: those bytes are written as spaces (use AppendBulkString
// for arbitrary bytes).
func AppendSimple(w *writer.Cursor, s string) { appendLine(w, '+', s) }

// AppendError writes the error s ("-s\r\n"), conventionally an upper-case
// code and a message such as "ERR unknown command". CR and LF are written
// as spaces.
func AppendError(w *writer.Cursor, s string) { appendLine(w, '-', s) }

// appendLine writes t, s with CR and LF replaced by spaces, and CRLF.
func appendLine(w *writer.Cursor, t byte, s string) {
	w.WriteByte(t)
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			break
		}
		w.WriteString(s[:i])
		w.WriteByte(' ')
		s = s[i+1:]
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}

// AppendInt writes the integer n (":n\r\n").
func AppendInt(w *writer.Cursor, n int64) { appendHeader(w, ':', n) }

// appendHeader writes t, n in decimal and CRLF.
func appendHeader(w *writer.Cursor, t byte, n int64) {
	w.WriteByte(t)
	w.WriteInt(n)
	w.WriteString("\r\n")
}

// AppendBulk writes the bulk string b ("$len\r\nb\r\n").
func AppendBulk(w *writer.Cursor, b []byte) {
	appendHeader(w, '$', int64(len(b)))
	w.Write(b)
	w.WriteString("\r\n")
}

// AppendBulkString writes the bulk string s.
func AppendBulkString(w *writer.Cursor, s string) {
	appendHeader(w, '$', int64(len(s)))
	w.WriteString(s)
	w.WriteString("\r\n")
}

// AppendBulkError writes RESP3's bulk error s ("!len\r\ns\r\n").
func AppendBulkError(w *writer.Cursor, s string) {
	appendHeader(w, '!', int64(len(s)))
	w.WriteString(s)
	w.WriteString("\r\n")
}

// AppendVerbatim writes RESP3's verbatim string text in format, such as
// "txt" or "mkd" ("=len\r\ntxt:text\r\n"). It panics unless format has
// three bytes.
func AppendVerbatim(w *writer.Cursor, format, text string) {
	if len(format) != 3 {
		panic("resp: AppendVerbatim: the format must have three bytes")
	}
	appendHeader(w, '=', int64(len(text)+4))
	w.WriteString(format)
	w.WriteByte(':')
	w.WriteString(text)
	w.WriteString("\r\n")
}

// AppendNull writes RESP2's null bulk string "$-1\r\n", the reply of GET
// for a missing key.
func AppendNull(w *writer.Cursor) { w.WriteString("$-1\r\n") }

// AppendNullArray writes RESP2's null array "*-1\r\n".
func AppendNullArray(w *writer.Cursor) { w.WriteString("*-1\r\n") }

// AppendNull3 writes RESP3's null "_\r\n".
func AppendNull3(w *writer.Cursor) { w.WriteString("_\r\n") }

// AppendBool writes RESP3's boolean "#t\r\n" or "#f\r\n".
func AppendBool(w *writer.Cursor, b bool) {
	if b {
		w.WriteString("#t\r\n")
	} else {
		w.WriteString("#f\r\n")
	}
}

// AppendDouble writes RESP3's double f (",f\r\n"), with "inf", "-inf" and
// "nan" for the special values, and otherwise the shortest decimal text
// that reads back as f.
func AppendDouble(w *writer.Cursor, f float64) {
	switch {
	case math.IsInf(f, 1):
		w.WriteString(",inf\r\n")
	case math.IsInf(f, -1):
		w.WriteString(",-inf\r\n")
	case math.IsNaN(f):
		w.WriteString(",nan\r\n")
	default:
		var tmp [32]byte
		w.WriteByte(',')
		w.Write(strconv.AppendFloat(tmp[:0], f, 'g', -1, 64))
		w.WriteString("\r\n")
	}
}

// AppendBigNumber writes RESP3's big number digits ("(digits\r\n"), an
// optional sign and decimal digits, which it does not check.
func AppendBigNumber(w *writer.Cursor, digits string) { appendLine(w, '(', digits) }

// AppendArrayHeader writes the header of an array of n elements ("*n\r\n").
func AppendArrayHeader(w *writer.Cursor, n int) { appendHeader(w, '*', int64(n)) }

// AppendMapHeader writes the header of a RESP3 map of n pairs ("%n\r\n").
func AppendMapHeader(w *writer.Cursor, n int) { appendHeader(w, '%', int64(n)) }

// AppendSetHeader writes the header of a RESP3 set of n elements ("~n\r\n").
func AppendSetHeader(w *writer.Cursor, n int) { appendHeader(w, '~', int64(n)) }

// AppendAttributeHeader writes the header of a RESP3 attribute of n pairs
// ("|n\r\n").
func AppendAttributeHeader(w *writer.Cursor, n int) { appendHeader(w, '|', int64(n)) }

// AppendPushHeader writes the header of a RESP3 push of n elements
// (">n\r\n").
func AppendPushHeader(w *writer.Cursor, n int) { appendHeader(w, '>', int64(n)) }

// ErrInvalidValue is returned by Codec.WriteMessage for a Value it cannot
// write: the zero Value or an unknown Kind.
var ErrInvalidValue = errors.New("resp: invalid value")

// WriteMessage writes v, a Value that Parse returned (or one built with the
// same fields): an aggregate's Data is written as it is, since it holds the
// encoded elements. It is a proxy's way to pass values on.
func (c Codec) WriteMessage(v Value, w *writer.Cursor) error {
	t := v.Kind.Prefix()
	switch {
	case v.Kind == Inline:
		writeSeq(w, v)
		w.WriteString("\r\n")
		return nil
	case t == 0:
		return ErrInvalidValue
	case v.Null && v.Kind == BulkString:
		AppendNull(w)
		return nil
	case v.Null && v.Kind == Array:
		AppendNullArray(w)
		return nil
	}
	switch v.Kind {
	case Integer:
		AppendInt(w, v.Int)
	case Null:
		AppendNull3(w)
	case Boolean:
		AppendBool(w, v.Int != 0)
	case SimpleString, Error, Double, BigNumber:
		w.WriteByte(t)
		writeSeq(w, v)
		w.WriteString("\r\n")
	case BulkString, BulkError, VerbatimString:
		appendHeader(w, t, v.Data.Len())
		writeSeq(w, v)
		w.WriteString("\r\n")
	default:
		appendHeader(w, t, v.Len)
		writeSeq(w, v)
	}
	return nil
}

// writeSeq writes the bytes of v.Data.
func writeSeq(w *writer.Cursor, v Value) {
	for b := range v.Data.All() {
		w.Write(b)
	}
}

// ErrEmptyCommand is returned by Command.WriteMessage for a command without
// arguments.
var ErrEmptyCommand = errors.New("resp: command without arguments")

// Command is the protocol.MessageWriter of the commands a client sends: an
// array of bulk strings, the command name first, such as
// [][]byte{[]byte("SET"), []byte("key"), []byte("value")}.
type Command struct{}

// WriteMessage writes args as an array of bulk strings. It writes nothing
// and returns ErrEmptyCommand when args is empty.
func (Command) WriteMessage(args [][]byte, w *writer.Cursor) error {
	if len(args) == 0 {
		return ErrEmptyCommand
	}
	AppendArrayHeader(w, len(args))
	for _, a := range args {
		AppendBulk(w, a)
	}
	return nil
}

var (
	_ protocol.MessageWriter[Value]    = Codec{}
	_ protocol.MessageWriter[[][]byte] = Command{}
)
