package pgwire

import (
	"encoding/binary"
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
)

// RowDescription is a RowDescription message (backend, type 'T'): the
// fields of the rows that follow.
type RowDescription struct {
	fields pipe.Sequence
	n      int
}

// FieldDescription is one field of a RowDescription.
type FieldDescription struct {
	Name         pipe.Sequence
	TableOID     uint32 // the table's OID, or 0
	Column       int16  // the column's attribute number in that table, or 0
	TypeOID      uint32 // the OID of the field's data type
	TypeSize     int16  // pg_type.typlen: negative for variable-width types
	TypeModifier int32  // pg_attribute.atttypmod
	Format       int16  // FormatText or FormatBinary
}

// fieldTail is the size of a field after its name.
const fieldTail = 18

// DecodeRowDescription decodes a RowDescription message, checking every
// field.
func DecodeRowDescription(m Message) (RowDescription, error) {
	const what = "RowDescription"
	if err := checkType(m, what, TypeRowDescription); err != nil {
		return RowDescription{}, err
	}
	var d dec
	d.init(m.Body)
	n, ok := d.u16()
	if !ok || int16(n) < 0 {
		return RowDescription{}, d.malformed(what, "field count")
	}
	r := RowDescription{n: int(n)}
	start := d.pos()
	for i := range r.n {
		if _, ok := d.cstr(); !ok || !d.skip(fieldTail) {
			return RowDescription{}, d.malformed(what, fmt.Sprintf("field %d", i))
		}
	}
	if err := d.end(what); err != nil {
		return RowDescription{}, err
	}
	r.fields = m.Body.Slice(start, m.Body.Len())
	return r, nil
}

// NumFields returns the number of fields.
func (r RowDescription) NumFields() int { return r.n }

// Fields returns an iterator over the fields.
func (r RowDescription) Fields() Fields {
	it := Fields{n: r.n}
	it.d.init(r.fields)
	return it
}

// Fields iterates over the fields of a RowDescription.
type Fields struct {
	d dec
	n int
}

// Next returns the next field, or false after the last one.
func (it *Fields) Next() (FieldDescription, bool) {
	if it.n <= 0 {
		return FieldDescription{}, false
	}
	it.n--
	var f FieldDescription
	f.Name, _ = it.d.cstr()
	if !it.d.seg {
		b := it.d.flat[it.d.off : it.d.off+fieldTail]
		it.d.off += fieldTail
		f.TableOID = binary.BigEndian.Uint32(b)
		f.Column = int16(binary.BigEndian.Uint16(b[4:]))
		f.TypeOID = binary.BigEndian.Uint32(b[6:])
		f.TypeSize = int16(binary.BigEndian.Uint16(b[10:]))
		f.TypeModifier = int32(binary.BigEndian.Uint32(b[12:]))
		f.Format = int16(binary.BigEndian.Uint16(b[16:]))
		return f, true
	}
	u32 := func() uint32 { v, _ := it.d.u32(); return v }
	u16 := func() uint16 { v, _ := it.d.u16(); return v }
	f.TableOID = u32()
	f.Column = int16(u16())
	f.TypeOID = u32()
	f.TypeSize = int16(u16())
	f.TypeModifier = int32(u32())
	f.Format = int16(u16())
	return f, true
}

// Remaining returns the number of fields Next has yet to return.
func (it *Fields) Remaining() int { return it.n }

// DataRow is a DataRow message (backend, type 'D'): the values of one row.
type DataRow struct {
	// The body, column count included: one Sequence, small enough for
	// the compiler to keep a DataRow in registers.
	body pipe.Sequence
}

// DecodeDataRow decodes a DataRow message, checking every value.
func DecodeDataRow(m Message) (DataRow, error) {
	const what = "DataRow"
	if m.Type != TypeDataRow { // checkType's test, inline
		return DataRow{}, checkType(m, what, TypeDataRow)
	}
	if f := m.Body.First(); int64(len(f)) == m.Body.Len() {
		// The fast path of a body in contiguous memory.
		if len(f) < 2 || int16(binary.BigEndian.Uint16(f)) < 0 {
			return DataRow{}, fmt.Errorf("%w: %s: bad or missing column count", ErrMalformed, what)
		}
		n := int(binary.BigEndian.Uint16(f))
		o := 2
		for range n {
			// One compare for each bound; badRow words the error. Both
			// bounds of o, so that the compiler proves the length word
			// in bounds: no check of its own, no pointer arithmetic.
			if o < 0 || o > len(f)-4 {
				return DataRow{}, badRow(f)
			}
			l := int(int32(binary.BigEndian.Uint32(f[o : o+4 : o+4])))
			o += 4
			if uint(l+1) > uint(len(f)-o+1) { // l < -1 or l > len(f)-o
				return DataRow{}, badRow(f)
			}
			o += max(l, 0)
		}
		if o != len(f) {
			return DataRow{}, badRow(f)
		}
		return DataRow{m.Body}, nil
	}
	// The same checks, with the same errors, across segments.
	var d dec
	d.init(m.Body)
	n, ok := d.u16()
	if !ok || int16(n) < 0 {
		return DataRow{}, fmt.Errorf("%w: %s: bad or missing column count", ErrMalformed, what)
	}
	for i := range int(n) {
		if d.remaining() < 4 {
			return DataRow{}, fmt.Errorf("%w: %s: column %d: missing length at offset %d of the body", ErrMalformed, what, i, d.pos())
		}
		u, _ := d.u32()
		l := int32(u)
		if l < -1 || l > 0 && int64(l) > d.remaining() {
			return DataRow{}, fmt.Errorf("%w: %s: column %d: bad length %d at offset %d of the body", ErrMalformed, what, i, l, d.pos()-4)
		}
		if l > 0 {
			d.skip(int64(l))
		}
	}
	if r := d.remaining(); r != 0 {
		return DataRow{}, fmt.Errorf("%w: %s: %d extra bytes", ErrMalformed, what, r)
	}
	return DataRow{m.Body}, nil
}

// badRow returns the error of the malformed DataRow body f, contiguous,
// with a count that is not negative: the loop of DecodeDataRow, with its
// errors, off the hot path.
func badRow(f []byte) error {
	const what = "DataRow"
	n := int(binary.BigEndian.Uint16(f))
	o := 2
	for i := range n {
		if len(f)-o < 4 {
			return fmt.Errorf("%w: %s: column %d: missing length at offset %d of the body", ErrMalformed, what, i, o)
		}
		l := int32(binary.BigEndian.Uint32(f[o:]))
		o += 4
		if l < -1 || l > 0 && int(l) > len(f)-o {
			return fmt.Errorf("%w: %s: column %d: bad length %d at offset %d of the body", ErrMalformed, what, i, l, o-4)
		}
		if l > 0 {
			o += int(l)
		}
	}
	return fmt.Errorf("%w: %s: %d extra bytes", ErrMalformed, what, len(f)-o)
}

// NumColumns returns the number of columns.
func (r DataRow) NumColumns() int {
	if r.body.Len() < 2 {
		return 0 // the zero DataRow
	}
	return int(u16At(r.body, 0))
}

// Columns returns an iterator over the values of the columns, in order.
func (r DataRow) Columns() Values {
	// Small enough to inline, so that the caller's Values is built in
	// place, not copied: the first Next reads the column count.
	return Values{s: r.body, left: unstarted}
}

// ParameterDescription is a ParameterDescription message (backend, type
// 't'): the types of a prepared statement's parameters.
type ParameterDescription struct {
	oids pipe.Sequence
}

// DecodeParameterDescription decodes a ParameterDescription message.
func DecodeParameterDescription(m Message) (ParameterDescription, error) {
	const what = "ParameterDescription"
	if err := checkType(m, what, TypeParameterDescription); err != nil {
		return ParameterDescription{}, err
	}
	oids, err := counted(m.Body, what, "parameter type", 4)
	return ParameterDescription{oids}, err
}

// NumParams returns the number of parameters.
func (p ParameterDescription) NumParams() int { return int(p.oids.Len() / 4) }

// ParamOID returns the type OID of parameter i (0 <= i < NumParams).
func (p ParameterDescription) ParamOID(i int) uint32 { return u32At(p.oids, i) }

// CopyResponse is a CopyInResponse, CopyOutResponse or CopyBothResponse
// message (backend, types 'G', 'H' and 'W'): a COPY starts.
type CopyResponse struct {
	Type    byte // TypeCopyInResponse, TypeCopyOutResponse or TypeCopyBothResponse
	Format  int8 // the overall format: 0 text, 1 binary
	formats pipe.Sequence
}

// DecodeCopyResponse decodes a CopyInResponse, CopyOutResponse or
// CopyBothResponse message.
func DecodeCopyResponse(m Message) (CopyResponse, error) {
	const what = "CopyResponse"
	if m.Type != TypeCopyInResponse && m.Type != TypeCopyOutResponse && m.Type != TypeCopyBothResponse {
		return CopyResponse{}, fmt.Errorf("%w: %s: message is %q, not 'G', 'H' or 'W'", ErrWrongType, what, m.Type)
	}
	if m.Body.IsEmpty() {
		return CopyResponse{}, fmt.Errorf("%w: %s: no format", ErrMalformed, what)
	}
	f := byteAt(m.Body, 0)
	if f > 1 {
		return CopyResponse{}, fmt.Errorf("%w: %s: format %d", ErrMalformed, what, f)
	}
	formats, err := counted(m.Body.Slice(1, m.Body.Len()), what, "column format", 2)
	return CopyResponse{Type: m.Type, Format: int8(f), formats: formats}, err
}

// NumColumns returns the number of columns copied.
func (c CopyResponse) NumColumns() int { return int(c.formats.Len() / 2) }

// ColumnFormat returns the format code of column i (0 <= i < NumColumns).
func (c CopyResponse) ColumnFormat(i int) int16 { return int16(u16At(c.formats, i)) }

// counted checks that body is an int16 count followed by that many items
// of size bytes, and returns the items.
func counted(body pipe.Sequence, what, item string, size int64) (pipe.Sequence, error) {
	var d dec
	d.init(body)
	n, ok := d.u16()
	if !ok || int16(n) < 0 {
		return pipe.Sequence{}, d.malformed(what, item+" count")
	}
	items, ok := d.take(int64(n) * size)
	if !ok {
		return pipe.Sequence{}, d.malformed(what, item)
	}
	return items, d.end(what)
}

// u16At returns the big-endian uint16 at index i of s.
func u16At(s pipe.Sequence, i int) uint16 {
	var b [2]byte
	if f := s.First(); 2*i+2 <= len(f) {
		return binary.BigEndian.Uint16(f[2*i:])
	}
	s.Slice(int64(2*i), int64(2*i+2)).CopyTo(b[:])
	return binary.BigEndian.Uint16(b[:])
}

// u32At returns the big-endian uint32 at index i of s.
func u32At(s pipe.Sequence, i int) uint32 {
	var b [4]byte
	if f := s.First(); 4*i+4 <= len(f) {
		return binary.BigEndian.Uint32(f[4*i:])
	}
	s.Slice(int64(4*i), int64(4*i+4)).CopyTo(b[:])
	return binary.BigEndian.Uint32(b[:])
}
