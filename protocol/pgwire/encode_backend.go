package pgwire

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/f2bac256/bedrock/writer"
)

// This file holds the Append functions of the messages a server sends.

// authHeader writes the header and kind of an Authentication message
// whose body holds n bytes after the kind.
func authHeader(w *writer.Cursor, kind int32, n int) {
	header(w, TypeAuthentication, 4+n)
	w.WriteInt32BE(kind)
}

// AppendAuthenticationOk writes an Authentication message (backend, type
// 'R') of kind AuthOK.
func AppendAuthenticationOk(w *writer.Cursor) { authHeader(w, AuthOK, 0) }

// AppendAuthenticationCleartextPassword writes an Authentication message
// (backend, type 'R') of kind AuthCleartextPassword.
func AppendAuthenticationCleartextPassword(w *writer.Cursor) {
	authHeader(w, AuthCleartextPassword, 0)
}

// AppendAuthenticationMD5Password writes an Authentication message
// (backend, type 'R') of kind AuthMD5Password with its salt.
func AppendAuthenticationMD5Password(w *writer.Cursor, salt [4]byte) {
	authHeader(w, AuthMD5Password, 4)
	w.Write(salt[:])
}

// AppendAuthenticationSASL writes an Authentication message (backend, type
// 'R') of kind AuthSASL listing the mechanisms, such as "SCRAM-SHA-256".
func AppendAuthenticationSASL(w *writer.Cursor, mechanisms ...string) error {
	const what = "AuthenticationSASL"
	n, err := cstrs(what, "a mechanism", mechanisms...)
	if err != nil {
		return err
	}
	for _, m := range mechanisms {
		if m == "" {
			return fmt.Errorf("%w: %s: empty mechanism name", ErrInvalid, what)
		}
	}
	if err := checkBody(what, 4+n+1); err != nil {
		return err
	}
	authHeader(w, AuthSASL, n+1)
	for _, m := range mechanisms {
		writeCString(w, m)
	}
	w.WriteByte(0)
	return nil
}

// AppendAuthenticationSASLContinue writes an Authentication message
// (backend, type 'R') of kind AuthSASLContinue with the server's SASL
// data.
func AppendAuthenticationSASLContinue(w *writer.Cursor, data []byte) error {
	return appendAuthData(w, AuthSASLContinue, data)
}

// AppendAuthenticationSASLFinal writes an Authentication message (backend,
// type 'R') of kind AuthSASLFinal with the server's final SASL data.
func AppendAuthenticationSASLFinal(w *writer.Cursor, data []byte) error {
	return appendAuthData(w, AuthSASLFinal, data)
}

func appendAuthData(w *writer.Cursor, kind int32, data []byte) error {
	if err := checkBody("Authentication", 4+len(data)); err != nil {
		return err
	}
	authHeader(w, kind, len(data))
	w.Write(data)
	return nil
}

// AppendParameterStatus writes a ParameterStatus message (backend, type
// 'S').
func AppendParameterStatus(w *writer.Cursor, name, value string) error {
	const what = "ParameterStatus"
	n, err := cstrs(what, "name or value", name, value)
	if err != nil {
		return err
	}
	if err := checkBody(what, n); err != nil {
		return err
	}
	header(w, TypeParameterStatus, n)
	writeCString(w, name)
	writeCString(w, value)
	return nil
}

// AppendBackendKeyData writes a BackendKeyData message (backend, type
// 'K'); the secret key is 4 bytes in protocol 3.0, up to 256 in 3.2.
func AppendBackendKeyData(w *writer.Cursor, processID int32, secretKey []byte) error {
	if len(secretKey) < 4 || len(secretKey) > 256 {
		return fmt.Errorf("%w: BackendKeyData: secret key of %d bytes", ErrInvalid, len(secretKey))
	}
	header(w, TypeBackendKeyData, 4+len(secretKey))
	w.WriteInt32BE(processID)
	w.Write(secretKey)
	return nil
}

// AppendReadyForQuery writes a ReadyForQuery message (backend, type 'Z')
// with the transaction status: TxIdle, TxInBlock or TxFailed.
func AppendReadyForQuery(w *writer.Cursor, status byte) error {
	if status != TxIdle && status != TxInBlock && status != TxFailed {
		return fmt.Errorf("%w: ReadyForQuery: status %q is not I, T or E", ErrInvalid, status)
	}
	b := w.Buffer(6)
	b[0] = TypeReadyForQuery
	binary.BigEndian.PutUint32(b[1:], 5)
	b[5] = status
	w.Advance(6)
	return nil
}

// Field is a field of a RowDescription to write: FieldDescription with a
// string name.
type Field struct {
	Name         string
	TableOID     uint32
	Column       int16
	TypeOID      uint32
	TypeSize     int16
	TypeModifier int32
	Format       int16
}

// smallMessage is the size up to which a message is built in one piece of
// the writer's memory.
const smallMessage = 4096

// AppendRowDescription writes a RowDescription message (backend, type
// 'T').
func AppendRowDescription(w *writer.Cursor, fields []Field) error {
	const what = "RowDescription"
	if err := checkCount(what, "fields", len(fields)); err != nil {
		return err
	}
	n := 2
	for i := range fields {
		m, err := cstr(what, "a field name", fields[i].Name)
		if err != nil {
			return err
		}
		n += m + fieldTail
	}
	if err := checkBody(what, n); err != nil {
		return err
	}
	if n+5 <= smallMessage {
		b := w.Buffer(n + 5)[:n+5]
		b[0] = TypeRowDescription
		binary.BigEndian.PutUint32(b[1:], uint32(4+n))
		binary.BigEndian.PutUint16(b[5:], uint16(len(fields)))
		o := 7
		for i := range fields {
			f := &fields[i]
			o += copy(b[o:], f.Name)
			b[o] = 0
			t := b[o+1 : o+1+fieldTail]
			binary.BigEndian.PutUint32(t, f.TableOID)
			binary.BigEndian.PutUint16(t[4:], uint16(f.Column))
			binary.BigEndian.PutUint32(t[6:], f.TypeOID)
			binary.BigEndian.PutUint16(t[10:], uint16(f.TypeSize))
			binary.BigEndian.PutUint32(t[12:], uint32(f.TypeModifier))
			binary.BigEndian.PutUint16(t[16:], uint16(f.Format))
			o += 1 + fieldTail
		}
		w.Advance(n + 5)
		return nil
	}
	header(w, TypeRowDescription, n)
	w.WriteUint16BE(uint16(len(fields)))
	for i := range fields {
		f := &fields[i]
		writeCString(w, f.Name)
		w.WriteUint32BE(f.TableOID)
		w.WriteInt16BE(f.Column)
		w.WriteUint32BE(f.TypeOID)
		w.WriteInt16BE(f.TypeSize)
		w.WriteInt32BE(f.TypeModifier)
		w.WriteInt16BE(f.Format)
	}
	return nil
}

// AppendDataRow writes a DataRow message (backend, type 'D') of values, a
// nil one being NULL.
func AppendDataRow(w *writer.Cursor, values [][]byte) error {
	const what = "DataRow"
	if err := checkCount(what, "columns", len(values)); err != nil {
		return err
	}
	n := 2 + valuesSize(values)
	if err := checkBody(what, n); err != nil {
		return err
	}
	if n+5 <= smallMessage {
		b := w.Buffer(n + 5)[:n+5]
		b[0] = TypeDataRow
		binary.BigEndian.PutUint32(b[1:], uint32(4+n))
		binary.BigEndian.PutUint16(b[5:], uint16(len(values)))
		o := 7
		for _, v := range values {
			if v == nil {
				binary.BigEndian.PutUint32(b[o:], 0xFFFFFFFF)
				o += 4
				continue
			}
			binary.BigEndian.PutUint32(b[o:], uint32(len(v)))
			o += 4 + copy(b[o+4:], v)
		}
		w.Advance(n + 5)
		return nil
	}
	header(w, TypeDataRow, n)
	w.WriteUint16BE(uint16(len(values)))
	for _, v := range values {
		writeValue(w, v)
	}
	return nil
}

// AppendCommandComplete writes a CommandComplete message (backend, type
// 'C') with the command tag, such as "SELECT 5".
func AppendCommandComplete(w *writer.Cursor, tag string) error {
	return appendString(w, "CommandComplete", TypeCommandComplete, "tag", tag)
}

// AppendEmptyQueryResponse writes an EmptyQueryResponse message (backend,
// type 'I').
func AppendEmptyQueryResponse(w *writer.Cursor) { empty(w, TypeEmptyQueryResponse) }

// AppendParseComplete writes a ParseComplete message (backend, type '1').
func AppendParseComplete(w *writer.Cursor) { empty(w, TypeParseComplete) }

// AppendBindComplete writes a BindComplete message (backend, type '2').
func AppendBindComplete(w *writer.Cursor) { empty(w, TypeBindComplete) }

// AppendCloseComplete writes a CloseComplete message (backend, type '3').
func AppendCloseComplete(w *writer.Cursor) { empty(w, TypeCloseComplete) }

// AppendNoData writes a NoData message (backend, type 'n').
func AppendNoData(w *writer.Cursor) { empty(w, TypeNoData) }

// AppendPortalSuspended writes a PortalSuspended message (backend, type
// 's').
func AppendPortalSuspended(w *writer.Cursor) { empty(w, TypePortalSuspended) }

// AppendParameterDescription writes a ParameterDescription message
// (backend, type 't') of the parameter type OIDs.
func AppendParameterDescription(w *writer.Cursor, types []uint32) error {
	const what = "ParameterDescription"
	if err := checkCount(what, "parameters", len(types)); err != nil {
		return err
	}
	header(w, TypeParameterDescription, 2+4*len(types))
	w.WriteUint16BE(uint16(len(types)))
	for _, t := range types {
		w.WriteUint32BE(t)
	}
	return nil
}

// AppendCopyResponse writes a CopyInResponse, CopyOutResponse or
// CopyBothResponse message (backend, typ 'G', 'H' or 'W') with the overall
// format (0 text, 1 binary) and a format code per column.
func AppendCopyResponse(w *writer.Cursor, typ byte, format int8, columnFormats []int16) error {
	const what = "CopyResponse"
	if typ != TypeCopyInResponse && typ != TypeCopyOutResponse && typ != TypeCopyBothResponse {
		return fmt.Errorf("%w: %s: type %q is not 'G', 'H' or 'W'", ErrInvalid, what, typ)
	}
	if format != 0 && format != 1 {
		return fmt.Errorf("%w: %s: format %d", ErrInvalid, what, format)
	}
	if err := checkCount(what, "columns", len(columnFormats)); err != nil {
		return err
	}
	header(w, typ, 3+2*len(columnFormats))
	w.WriteByte(byte(format))
	writeInt16s(w, columnFormats)
	return nil
}

// AppendNotificationResponse writes a NotificationResponse message
// (backend, type 'A').
func AppendNotificationResponse(w *writer.Cursor, processID int32, channel, payload string) error {
	const what = "NotificationResponse"
	n, err := cstrs(what, "channel or payload", channel, payload)
	if err != nil {
		return err
	}
	if err := checkBody(what, 4+n); err != nil {
		return err
	}
	header(w, TypeNotificationResponse, 4+n)
	w.WriteInt32BE(processID)
	writeCString(w, channel)
	writeCString(w, payload)
	return nil
}

// AppendNegotiateProtocolVersion writes a NegotiateProtocolVersion message
// (backend, type 'v') with the newest minor version the server supports
// and the protocol options it does not recognise.
func AppendNegotiateProtocolVersion(w *writer.Cursor, newestMinor int32, options ...string) error {
	const what = "NegotiateProtocolVersion"
	n, err := cstrs(what, "an option", options...)
	if err != nil {
		return err
	}
	if err := checkBody(what, 8+n); err != nil {
		return err
	}
	header(w, TypeNegotiateProtocolVersion, 8+n)
	w.WriteInt32BE(newestMinor)
	w.WriteInt32BE(int32(len(options)))
	for _, o := range options {
		writeCString(w, o)
	}
	return nil
}

// AppendErrorResponse writes an ErrorResponse message (backend, type 'E')
// of the fields of e that are not empty or zero.
func AppendErrorResponse(w *writer.Cursor, e *Error) error {
	return appendError(w, TypeErrorResponse, e)
}

// AppendNoticeResponse writes a NoticeResponse message (backend, type 'N')
// of the fields of e that are not empty or zero.
func AppendNoticeResponse(w *writer.Cursor, e *Error) error {
	return appendError(w, TypeNoticeResponse, e)
}

func appendError(w *writer.Cursor, typ byte, e *Error) error {
	const what = "ErrorResponse"
	var num [12]byte
	n := 1
	for i := range len(errorCodes) {
		code := errorCodes[i]
		if p := e.field(code); p != nil && *p != "" {
			m, err := cstr(what, "a field", *p)
			if err != nil {
				return err
			}
			n += 1 + m
		} else if v := e.intField(code); v != nil && *v != 0 {
			n += 2 + len(strconv.AppendInt(num[:0], int64(*v), 10))
		}
	}
	if err := checkBody(what, n); err != nil {
		return err
	}
	header(w, typ, n)
	for i := range len(errorCodes) {
		code := errorCodes[i]
		if p := e.field(code); p != nil && *p != "" {
			w.WriteByte(code)
			writeCString(w, *p)
		} else if v := e.intField(code); v != nil && *v != 0 {
			w.WriteByte(code)
			w.WriteInt(int64(*v))
			w.WriteByte(0)
		}
	}
	w.WriteByte(0)
	return nil
}
