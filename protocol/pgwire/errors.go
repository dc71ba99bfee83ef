package pgwire

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/f2bac256/bedrock/pipe"
)

// Field codes of an ErrorResponse or a NoticeResponse.
const (
	FieldSeverity         byte = 'S' // localized severity: ERROR, FATAL, PANIC, WARNING, NOTICE...
	FieldSeverityV        byte = 'V' // severity, never localized
	FieldCode             byte = 'C' // SQLSTATE code
	FieldMessage          byte = 'M' // primary message
	FieldDetail           byte = 'D' // detail
	FieldHint             byte = 'H' // hint
	FieldPosition         byte = 'P' // cursor position in the query string, from 1
	FieldInternalPosition byte = 'p' // cursor position in InternalQuery
	FieldInternalQuery    byte = 'q' // text of an internally generated command
	FieldWhere            byte = 'W' // context: call stack traceback
	FieldSchema           byte = 's' // schema name
	FieldTable            byte = 't' // table name
	FieldColumn           byte = 'c' // column name
	FieldDataType         byte = 'd' // data type name
	FieldConstraint       byte = 'n' // constraint name
	FieldFile             byte = 'F' // source file
	FieldLine             byte = 'L' // source line
	FieldRoutine          byte = 'R' // source routine
)

// ErrorResponse is an ErrorResponse or a NoticeResponse message (backend,
// types 'E' and 'N'): fields identified by code, in place.
type ErrorResponse struct {
	Type   byte // TypeErrorResponse or TypeNoticeResponse
	fields pipe.Sequence
}

// DecodeErrorResponse decodes an ErrorResponse or a NoticeResponse
// message, checking every field.
func DecodeErrorResponse(m Message) (ErrorResponse, error) {
	const what = "ErrorResponse"
	if m.Type != TypeErrorResponse && m.Type != TypeNoticeResponse {
		return ErrorResponse{}, fmt.Errorf("%w: %s: message is %q, not 'E' or 'N'", ErrWrongType, what, m.Type)
	}
	var d dec
	d.init(m.Body)
	for {
		code, ok := d.u8()
		if !ok {
			return ErrorResponse{}, d.malformed(what, "field code")
		}
		if code == 0 {
			break
		}
		if _, ok := d.cstr(); !ok {
			return ErrorResponse{}, d.malformed(what, "field value")
		}
	}
	return ErrorResponse{Type: m.Type, fields: m.Body}, d.end(what)
}

// Fields returns an iterator over the fields, in order.
func (e ErrorResponse) Fields() ErrorFields {
	var it ErrorFields
	it.d.init(e.fields)
	return it
}

// Field returns the value of the first field with code, or false.
func (e ErrorResponse) Field(code byte) (pipe.Sequence, bool) {
	it := e.Fields()
	for {
		c, v, ok := it.Next()
		if !ok {
			return pipe.Sequence{}, false
		}
		if c == code {
			return v, true
		}
	}
}

// ErrorFields iterates over the fields of an ErrorResponse.
type ErrorFields struct{ d dec }

// Next returns the next field's code and value, or false after the last
// one.
func (it *ErrorFields) Next() (code byte, value pipe.Sequence, ok bool) {
	code, ok = it.d.u8()
	if !ok || code == 0 {
		return 0, pipe.Sequence{}, false
	}
	value, ok = it.d.cstr()
	return code, value, ok
}

// Err copies the fields of e into an *Error, which outlives the message.
func (e ErrorResponse) Err() *Error {
	var r Error
	it := e.Fields()
	for {
		code, v, ok := it.Next()
		if !ok {
			return &r
		}
		if p := r.field(code); p != nil {
			*p = v.String()
		} else if n := r.intField(code); n != nil {
			i, _ := strconv.ParseInt(v.String(), 10, 32)
			*n = int32(i)
		}
	}
}

// Error is an ErrorResponse or a NoticeResponse with its fields as Go
// values: the error a driver returns, and what AppendErrorResponse and
// AppendNoticeResponse write (the fields that are not empty or zero).
type Error struct {
	Severity         string
	SeverityV        string // not localized
	Code             string // SQLSTATE
	Message          string
	Detail           string
	Hint             string
	Position         int32
	InternalPosition int32
	InternalQuery    string
	Where            string
	Schema           string
	Table            string
	Column           string
	DataType         string
	Constraint       string
	File             string
	Line             int32
	Routine          string
}

// Error returns "SEVERITY: message (SQLSTATE code)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pgwire: ")
	if e.Severity != "" {
		b.WriteString(e.Severity + ": ")
	}
	b.WriteString(e.Message)
	if e.Code != "" {
		b.WriteString(" (SQLSTATE " + e.Code + ")")
	}
	return b.String()
}

// field returns the string field of code, or nil.
func (e *Error) field(code byte) *string {
	switch code {
	case FieldSeverity:
		return &e.Severity
	case FieldSeverityV:
		return &e.SeverityV
	case FieldCode:
		return &e.Code
	case FieldMessage:
		return &e.Message
	case FieldDetail:
		return &e.Detail
	case FieldHint:
		return &e.Hint
	case FieldInternalQuery:
		return &e.InternalQuery
	case FieldWhere:
		return &e.Where
	case FieldSchema:
		return &e.Schema
	case FieldTable:
		return &e.Table
	case FieldColumn:
		return &e.Column
	case FieldDataType:
		return &e.DataType
	case FieldConstraint:
		return &e.Constraint
	case FieldFile:
		return &e.File
	case FieldRoutine:
		return &e.Routine
	}
	return nil
}

// intField returns the integer field of code, or nil.
func (e *Error) intField(code byte) *int32 {
	switch code {
	case FieldPosition:
		return &e.Position
	case FieldInternalPosition:
		return &e.InternalPosition
	case FieldLine:
		return &e.Line
	}
	return nil
}

// errorCodes is the order in which AppendErrorResponse writes fields.
const errorCodes = "SVCMDHPpqWstcdnFLR"
