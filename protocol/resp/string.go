package resp

import (
	"fmt"
	"strconv"
	"strings"
)

// String describes v and its elements in a compact text for logs, tests and
// debugging: :42, +OK, $"bulk", $nil, _, #t, ,1.5, =txt:"text", and
// aggregates as their type byte followed by their elements in brackets
// (*[$"a" :1], %[+k :1]). Unlike the Value, it copies what it shows, so it
// stays valid after protocol.Reader.Advance.
func (v Value) String() string {
	var b strings.Builder
	v.writeTo(&b)
	return b.String()
}

func (v Value) writeTo(b *strings.Builder) {
	switch v.Kind {
	case SimpleString, Error, BigNumber:
		b.WriteByte(v.Kind.Prefix())
		b.WriteString(v.Data.String())
	case Integer:
		fmt.Fprintf(b, ":%d", v.Int)
	case Null:
		b.WriteString("_")
	case Boolean:
		if v.Int != 0 {
			b.WriteString("#t")
		} else {
			b.WriteString("#f")
		}
	case Double:
		b.WriteString("," + strconv.FormatFloat(v.Float, 'g', -1, 64))
	case BulkString, BulkError:
		if v.Null {
			b.WriteString("$nil")
			return
		}
		fmt.Fprintf(b, "%c%q", v.Kind.Prefix(), v.Data.String())
	case VerbatimString:
		f, text := v.Verbatim()
		fmt.Fprintf(b, "=%s:%q", f[:], text.String())
	default:
		if v.Null {
			b.WriteString("*nil")
			return
		}
		if v.Kind == Inline {
			b.WriteString("inline")
		} else {
			b.WriteByte(v.Kind.Prefix())
		}
		b.WriteByte('[')
		first := true
		v.Each(func(e Value) bool {
			if !first {
				b.WriteByte(' ')
			}
			first = false
			e.writeTo(b)
			return true
		})
		b.WriteByte(']')
	}
}
