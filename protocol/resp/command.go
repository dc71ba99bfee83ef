package resp

import "bytes"

// ParseCommand is a server's fast path for reading a command: when b
// starts with a whole command, an array of non-null bulk strings or (with
// Inline set) an inline command, it appends the arguments to dst as
// sub-slices of b (no copy, no allocation once dst has room) and returns
// them with n, the length of the command's encoding, and ok set. The
// arguments reference b's memory and are valid as long as it is.
//
// It returns ok false, and dst unchanged in length, for everything else:
// a command not wholly in b, a null array, an element that is not a
// non-null bulk string, a bulk longer than MaxBulkLength, an inline line
// longer than MaxInlineLength, or malformed input. The caller then reads
// the value with Parse, which tells which. For any b where ParseCommand
// succeeds, Parse of the same bytes returns an Array (or an Inline) of the
// same elements, ending at the same n.
func (c Codec) ParseCommand(b []byte, dst [][]byte) (args [][]byte, n int, ok bool) {
	if len(b) == 0 {
		return dst, 0, false
	}
	if b[0] != '*' {
		if c.Inline && kindOf[b[0]] == Invalid {
			return parseInline(b, dst)
		}
		return dst, 0, false
	}
	count, i, ok := scanLen(b, 1)
	if !ok {
		var st scanStatus
		if count, i, st = scanInt(b, 1, false); st != scanOK || count < 0 {
			return dst, 0, false
		}
	}
	maxBulk := c.MaxBulkLength
	if maxBulk <= 0 {
		maxBulk = DefaultMaxBulkLength
	}
	start := len(dst)
	for ; count > 0; count-- {
		if i >= len(b) || b[i] != '$' {
			return dst[:start], 0, false
		}
		size, j, ok := scanLen(b, i+1)
		if !ok {
			var st scanStatus
			if size, j, st = scanInt(b, i+1, false); st != scanOK {
				return dst[:start], 0, false
			}
		}
		if size < 0 || size > maxBulk || size > int64(len(b)-j)-2 {
			return dst[:start], 0, false
		}
		end := j + int(size)
		if b[end] != '\r' || b[end+1] != '\n' {
			return dst[:start], 0, false
		}
		dst = append(dst, b[j:end:end])
		i = end + 2
	}
	return dst, i, true
}

// parseInline is ParseCommand for an inline command: a line of words
// separated by blanks, ended by "\n" or "\r\n".
func parseInline(b []byte, dst [][]byte) (args [][]byte, n int, ok bool) {
	i := bytes.IndexByte(b[:min(len(b), MaxInlineLength+2)], '\n')
	if i < 0 {
		return dst, 0, false
	}
	line := b[:i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	if len(line) > MaxInlineLength {
		return dst, 0, false
	}
	for w := 0; w < len(line); {
		if c := line[w]; c == ' ' || c == '\t' {
			w++
			continue
		}
		end := w + 1
		for end < len(line) && line[end] != ' ' && line[end] != '\t' {
			end++
		}
		dst = append(dst, line[w:end:end])
		w = end
	}
	return dst, i + 1, true
}
