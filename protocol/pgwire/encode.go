package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/f2bac256/bedrock/writer"
)

// This file holds the Append functions of the messages a client sends
// (and of CopyData and CopyDone, which both sides send); encode_backend.go
// those a server sends.

// cstr returns the encoded size of a NUL-terminated string, or an error
// when s holds a NUL byte.
func cstr(what, field, s string) (int, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return 0, fmt.Errorf("%w: %s: %s holds a NUL byte", ErrInvalid, what, field)
	}
	return len(s) + 1, nil
}

// cstrs sums the sizes of strings, or reports the first holding a NUL.
func cstrs(what, field string, ss ...string) (int, error) {
	n := 0
	for _, s := range ss {
		m, err := cstr(what, field, s)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// checkBody checks a body size against what a length word can declare.
func checkBody(what string, n int) error {
	if n > maxBody {
		return fmt.Errorf("%w: %s: body of %d bytes over the protocol's limit", ErrInvalid, what, n)
	}
	return nil
}

// checkCount checks a count against the protocol's int16 counts.
func checkCount(what, item string, n int) error {
	if n > math.MaxInt16 {
		return fmt.Errorf("%w: %s: %d %s, over %d", ErrInvalid, what, n, item, math.MaxInt16)
	}
	return nil
}

// header writes a type byte and the length word of a body of n bytes.
func header(w *writer.Cursor, typ byte, n int) {
	w.WriteByte(typ)
	w.WriteInt32BE(int32(4 + n))
}

func writeCString(w *writer.Cursor, s string) {
	w.WriteString(s)
	w.WriteByte(0)
}

// empty writes a message without a body.
func empty(w *writer.Cursor, typ byte) {
	b := w.Buffer(5)
	b[0] = typ
	binary.BigEndian.PutUint32(b[1:], 4)
	w.Advance(5)
}

// AppendStartupMessage writes a StartupMessage (frontend, untyped) of
// protocol version (ProtocolVersion30 or ProtocolVersion32) with params
// given as names and values in turn: "user", "alice", "database", "db".
// The parameter "user" is required by servers.
func AppendStartupMessage(w *writer.Cursor, version uint32, params ...string) error {
	const what = "StartupMessage"
	if len(params)%2 != 0 {
		return fmt.Errorf("%w: %s: odd number of parameter names and values", ErrInvalid, what)
	}
	for i := 0; i < len(params); i += 2 {
		if params[i] == "" {
			return fmt.Errorf("%w: %s: empty parameter name", ErrInvalid, what)
		}
	}
	n, err := cstrs(what, "a parameter", params...)
	if err != nil {
		return err
	}
	if n+9 > DefaultMaxStartupSize {
		return fmt.Errorf("%w: %s: %d bytes over %d", ErrInvalid, what, n+9, DefaultMaxStartupSize)
	}
	w.WriteInt32BE(int32(8 + n + 1))
	w.WriteUint32BE(version)
	for _, p := range params {
		writeCString(w, p)
	}
	w.WriteByte(0)
	return nil
}

// AppendSSLRequest writes an SSLRequest (frontend, untyped). The server
// answers with one byte: set BackendReader.ExpectEncryptionResponse.
func AppendSSLRequest(w *writer.Cursor) {
	w.WriteInt32BE(8)
	w.WriteUint32BE(SSLRequestCode)
}

// AppendGSSENCRequest writes a GSSENCRequest (frontend, untyped). The
// server answers with one byte: set BackendReader.ExpectEncryptionResponse.
func AppendGSSENCRequest(w *writer.Cursor) {
	w.WriteInt32BE(8)
	w.WriteUint32BE(GSSENCRequestCode)
}

// AppendCancelRequest writes a CancelRequest (frontend, untyped) with the
// process ID and secret key of a BackendKeyData (4 to 256 bytes).
func AppendCancelRequest(w *writer.Cursor, processID int32, secretKey []byte) error {
	if len(secretKey) < 4 || len(secretKey) > 256 {
		return fmt.Errorf("%w: CancelRequest: secret key of %d bytes", ErrInvalid, len(secretKey))
	}
	w.WriteInt32BE(int32(12 + len(secretKey)))
	w.WriteUint32BE(CancelRequestCode)
	w.WriteInt32BE(processID)
	w.Write(secretKey)
	return nil
}

// AppendPassword writes a PasswordMessage (frontend, type 'p'): a
// cleartext password, or "md5" followed by the hex digest.
func AppendPassword(w *writer.Cursor, password string) error {
	return appendString(w, "PasswordMessage", TypePassword, "password", password)
}

// AppendSASLInitialResponse writes a SASLInitialResponse (frontend, type
// 'p'): the mechanism chosen and the client's first message; nil data is
// written as none (length -1).
func AppendSASLInitialResponse(w *writer.Cursor, mechanism string, data []byte) error {
	const what = "SASLInitialResponse"
	n, err := cstr(what, "mechanism", mechanism)
	if err != nil {
		return err
	}
	if err := checkBody(what, n+4+len(data)); err != nil {
		return err
	}
	header(w, TypePassword, n+4+len(data))
	writeCString(w, mechanism)
	if data == nil {
		w.WriteInt32BE(-1)
		return nil
	}
	w.WriteInt32BE(int32(len(data)))
	w.Write(data)
	return nil
}

// AppendSASLResponse writes a SASLResponse (frontend, type 'p').
func AppendSASLResponse(w *writer.Cursor, data []byte) error {
	return appendBytes(w, "SASLResponse", TypePassword, data)
}

// AppendQuery writes a Query message (frontend, type 'Q'): a simple query
// of one or more SQL statements.
func AppendQuery(w *writer.Cursor, sql string) error {
	return appendString(w, "Query", TypeQuery, "query string", sql)
}

// AppendCopyFail writes a CopyFail message (frontend, type 'f').
func AppendCopyFail(w *writer.Cursor, message string) error {
	return appendString(w, "CopyFail", TypeCopyFail, "error message", message)
}

// AppendCopyData writes a CopyData message (frontend or backend, type
// 'd').
func AppendCopyData(w *writer.Cursor, data []byte) error {
	return appendBytes(w, "CopyData", TypeCopyData, data)
}

// AppendCopyDone writes a CopyDone message (frontend or backend, type
// 'c').
func AppendCopyDone(w *writer.Cursor) { empty(w, TypeCopyDone) }

// AppendSync writes a Sync message (frontend, type 'S').
func AppendSync(w *writer.Cursor) { empty(w, TypeSync) }

// AppendFlush writes a Flush message (frontend, type 'H').
func AppendFlush(w *writer.Cursor) { empty(w, TypeFlush) }

// AppendTerminate writes a Terminate message (frontend, type 'X').
func AppendTerminate(w *writer.Cursor) { empty(w, TypeTerminate) }

// appendString writes a message whose body is one string.
func appendString(w *writer.Cursor, what string, typ byte, field, s string) error {
	n, err := cstr(what, field, s)
	if err != nil {
		return err
	}
	if err := checkBody(what, n); err != nil {
		return err
	}
	header(w, typ, n)
	writeCString(w, s)
	return nil
}

// appendBytes writes a message whose body is data.
func appendBytes(w *writer.Cursor, what string, typ byte, data []byte) error {
	if err := checkBody(what, len(data)); err != nil {
		return err
	}
	header(w, typ, len(data))
	w.Write(data)
	return nil
}

// AppendParse writes a Parse message (frontend, type 'P'): prepare query
// as the statement name ("" for the unnamed one), with the types of the
// parameters the client specifies (0 for unspecified; there may be fewer
// than parameters).
func AppendParse(w *writer.Cursor, name, query string, paramTypes []uint32) error {
	const what = "Parse"
	n, err := cstrs(what, "statement name or query", name, query)
	if err != nil {
		return err
	}
	if err := checkCount(what, "parameter types", len(paramTypes)); err != nil {
		return err
	}
	n += 2 + 4*len(paramTypes)
	if err := checkBody(what, n); err != nil {
		return err
	}
	header(w, TypeParse, n)
	writeCString(w, name)
	writeCString(w, query)
	w.WriteUint16BE(uint16(len(paramTypes)))
	for _, t := range paramTypes {
		w.WriteUint32BE(t)
	}
	return nil
}

// AppendBind writes a Bind message (frontend, type 'B'): bind params (a
// nil one is NULL) to the prepared statement, making the portal ("" for
// the unnamed ones). paramFormats and resultFormats hold no format code
// (all text), one (for all) or one per parameter or result column.
func AppendBind(w *writer.Cursor, portal, statement string, paramFormats []int16, params [][]byte, resultFormats []int16) error {
	const what = "Bind"
	n, err := cstrs(what, "portal or statement name", portal, statement)
	if err != nil {
		return err
	}
	if err := checkCount(what, "parameter formats", len(paramFormats)); err != nil {
		return err
	}
	if err := checkCount(what, "parameters", len(params)); err != nil {
		return err
	}
	if err := checkCount(what, "result formats", len(resultFormats)); err != nil {
		return err
	}
	n += 6 + 2*len(paramFormats) + 2*len(resultFormats) + valuesSize(params)
	if err := checkBody(what, n); err != nil {
		return err
	}
	header(w, TypeBind, n)
	writeCString(w, portal)
	writeCString(w, statement)
	writeInt16s(w, paramFormats)
	w.WriteUint16BE(uint16(len(params)))
	for _, p := range params {
		writeValue(w, p)
	}
	writeInt16s(w, resultFormats)
	return nil
}

// valuesSize returns the encoded size of values with their length words.
func valuesSize(values [][]byte) int {
	n := 4 * len(values)
	for _, v := range values {
		n += len(v)
	}
	return n
}

// writeValue writes a value with its length word; nil is NULL.
func writeValue(w *writer.Cursor, v []byte) {
	if v == nil {
		w.WriteInt32BE(-1)
		return
	}
	w.WriteInt32BE(int32(len(v)))
	w.Write(v)
}

// writeInt16s writes a count and the codes.
func writeInt16s(w *writer.Cursor, codes []int16) {
	w.WriteUint16BE(uint16(len(codes)))
	for _, c := range codes {
		w.WriteInt16BE(c)
	}
}

// AppendDescribe writes a Describe message (frontend, type 'D') of a
// prepared statement (kind 'S') or a portal (kind 'P').
func AppendDescribe(w *writer.Cursor, kind byte, name string) error {
	return appendTarget(w, "Describe", TypeDescribe, kind, name)
}

// AppendClose writes a Close message (frontend, type 'C') of a prepared
// statement (kind 'S') or a portal (kind 'P').
func AppendClose(w *writer.Cursor, kind byte, name string) error {
	return appendTarget(w, "Close", TypeClose, kind, name)
}

func appendTarget(w *writer.Cursor, what string, typ, kind byte, name string) error {
	if kind != 'S' && kind != 'P' {
		return fmt.Errorf("%w: %s: kind %q is not 'S' or 'P'", ErrInvalid, what, kind)
	}
	n, err := cstr(what, "name", name)
	if err != nil {
		return err
	}
	if err := checkBody(what, n+1); err != nil {
		return err
	}
	header(w, typ, 1+n)
	w.WriteByte(kind)
	writeCString(w, name)
	return nil
}

// AppendExecute writes an Execute message (frontend, type 'E'): run the
// portal ("" for the unnamed one), returning at most maxRows rows (0 for
// no limit).
func AppendExecute(w *writer.Cursor, portal string, maxRows int32) error {
	const what = "Execute"
	n, err := cstr(what, "portal name", portal)
	if err != nil {
		return err
	}
	if err := checkBody(what, n+4); err != nil {
		return err
	}
	header(w, TypeExecute, n+4)
	writeCString(w, portal)
	w.WriteInt32BE(maxRows)
	return nil
}
