package pgwire

import (
	"github.com/f2bac256/bedrock/pipe"
)

// Bind is a Bind message (frontend, type 'B'): bind parameter values to a
// prepared statement, making a portal.
type Bind struct {
	Portal, Statement pipe.Sequence // empty for the unnamed ones
	paramFormats      pipe.Sequence
	params            pipe.Sequence
	nParams           int
	resultFormats     pipe.Sequence
}

// DecodeBind decodes a Bind message, checking every parameter value.
func DecodeBind(m Message) (Bind, error) {
	const what = "Bind"
	if err := checkType(m, what, TypeBind); err != nil {
		return Bind{}, err
	}
	var d dec
	d.init(m.Body)
	var b Bind
	var ok bool
	if b.Portal, ok = d.cstr(); !ok {
		return Bind{}, d.malformed(what, "portal name")
	}
	if b.Statement, ok = d.cstr(); !ok {
		return Bind{}, d.malformed(what, "statement name")
	}
	if b.paramFormats, ok = d.list(2); !ok {
		return Bind{}, d.malformed(what, "parameter format codes")
	}
	n, ok := d.u16()
	if !ok || int16(n) < 0 {
		return Bind{}, d.malformed(what, "parameter count")
	}
	start := d.pos()
	if !d.skipValues(int(n)) {
		return Bind{}, d.malformed(what, "parameter value")
	}
	b.nParams = int(n)
	b.params = m.Body.Slice(start, d.pos())
	if b.resultFormats, ok = d.list(2); !ok {
		return Bind{}, d.malformed(what, "result format codes")
	}
	return b, d.end(what)
}

// list reads an int16 count and that many items of size bytes.
func (d *dec) list(size int64) (pipe.Sequence, bool) {
	n, ok := d.u16()
	if !ok || int16(n) < 0 {
		return pipe.Sequence{}, false
	}
	return d.take(int64(n) * size)
}

// NumParams returns the number of parameter values.
func (b Bind) NumParams() int { return b.nParams }

// Params returns an iterator over the parameter values, in order.
func (b Bind) Params() Values { return newValues(b.params, b.nParams, 0) }

// NumParamFormats returns the number of parameter format codes: 0 (all
// text), 1 (one for all) or NumParams.
func (b Bind) NumParamFormats() int { return int(b.paramFormats.Len() / 2) }

// ParamFormat returns the format of parameter i as the protocol defines it:
// FormatText when no format code is given, the only one when one is, the
// i-th otherwise (FormatText when there is no i-th).
func (b Bind) ParamFormat(i int) int16 { return formatOf(b.paramFormats, i) }

// NumResultFormats returns the number of result format codes: 0 (all
// text), 1 (one for all) or one per result column.
func (b Bind) NumResultFormats() int { return int(b.resultFormats.Len() / 2) }

// ResultFormat returns the format of result column i, as ParamFormat does
// for parameters.
func (b Bind) ResultFormat(i int) int16 { return formatOf(b.resultFormats, i) }

// formatOf applies the protocol's rule for a list of format codes.
func formatOf(codes pipe.Sequence, i int) int16 {
	switch n := int(codes.Len() / 2); {
	case n == 1:
		return int16(u16At(codes, 0))
	case i >= 0 && i < n:
		return int16(u16At(codes, i))
	}
	return FormatText
}
