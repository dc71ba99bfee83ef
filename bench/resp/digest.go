package resp

import (
	"strconv"
	"strings"
)

// Digest folds every reply of a stream and every element of its arrays into
// a few sums, so that a benchmark touches each value and checks it saw the
// right ones without keeping them. Simple and bulk strings count alike, and
// so do null bulks and null arrays: go-redis does not tell them apart.
type Digest struct {
	Replies    int   // top-level replies
	Strings    int   // simple and bulk strings
	Bytes      int   // their total length
	FirstBytes int   // the sum of their first bytes
	Errors     int   // error replies, nested ones included
	ErrorBytes int   // the total length of their text
	Ints       int   // integers
	IntSum     int64 // their sum
	Nils       int   // null bulks and null arrays
	Arrays     int   // non-null arrays
	Elements   int   // the total of their lengths
}

// Reply counts one top-level reply, once its value is folded in.
func (d *Digest) Reply() { d.Replies++ }

// String folds in a simple or bulk string of n bytes whose first byte is
// first (0 when empty).
func (d *Digest) String(n int, first byte) {
	d.Strings++
	d.Bytes += n
	d.FirstBytes += int(first)
}

// Error folds in an error of n bytes of text.
func (d *Digest) Error(n int) {
	d.Errors++
	d.ErrorBytes += n
}

// Int folds in an integer.
func (d *Digest) Int(n int64) {
	d.Ints++
	d.IntSum += n
}

// Nil folds in a null bulk string or a null array.
func (d *Digest) Nil() { d.Nils++ }

// Array folds in the header of an array of n elements; its elements follow.
func (d *Digest) Array(n int) {
	d.Arrays++
	d.Elements += n
}

// renderer builds the common rendering of one reply, the one Stream.Want
// holds: strings (simple or bulk) quoted, errors as "-" and their quoted
// text, integers in decimal, nil for null bulks and arrays, arrays as their
// elements in brackets separated by spaces.
type renderer struct{ b strings.Builder }

func (r *renderer) str(s string)   { r.b.WriteString(strconv.Quote(s)) }
func (r *renderer) err(s string)   { r.b.WriteString("-" + strconv.Quote(s)) }
func (r *renderer) int(n int64)    { r.b.WriteString(strconv.FormatInt(n, 10)) }
func (r *renderer) null()          { r.b.WriteString("nil") }
func (r *renderer) open()          { r.b.WriteByte('[') }
func (r *renderer) close()         { r.b.WriteByte(']') }
func (r *renderer) String() string { return r.b.String() }

// sep separates the element i of an array from the previous one.
func (r *renderer) sep(i int) {
	if i > 0 {
		r.b.WriteByte(' ')
	}
}
