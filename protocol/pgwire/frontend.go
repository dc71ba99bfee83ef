package pgwire

import (
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
)

// DecodeStartupCode returns the request code of an untyped startup-phase
// message (frontend, Type 0): a protocol version for a StartupMessage
// (ProtocolVersion30, ProtocolVersion32), or SSLRequestCode,
// GSSENCRequestCode or CancelRequestCode.
func DecodeStartupCode(m Message) (uint32, error) {
	if err := checkType(m, "startup message", 0); err != nil {
		return 0, err
	}
	var d dec
	d.init(m.Body)
	code, ok := d.u32()
	if !ok {
		return 0, d.malformed("startup message", "request code")
	}
	return code, nil
}

// StartupMessage is a StartupMessage (frontend, untyped): the protocol
// version and the parameters of the session (user, database, options,
// application_name...).
type StartupMessage struct {
	Version uint32
	params  pipe.Sequence
}

// DecodeStartupMessage decodes a StartupMessage: an untyped message whose
// code has major version 3.
func DecodeStartupMessage(m Message) (StartupMessage, error) {
	const what = "StartupMessage"
	code, err := DecodeStartupCode(m)
	if err != nil {
		return StartupMessage{}, err
	}
	if code>>16 != 3 {
		return StartupMessage{}, fmt.Errorf("%w: %s: request code %d is not protocol version 3", ErrWrongType, what, code)
	}
	s := StartupMessage{Version: code, params: m.Body.Slice(4, m.Body.Len())}
	var d dec
	d.init(s.params)
	for {
		name, ok := d.cstr()
		if !ok {
			return StartupMessage{}, d.malformed(what, "parameter name")
		}
		if name.IsEmpty() {
			break
		}
		if _, ok := d.cstr(); !ok {
			return StartupMessage{}, d.malformed(what, "parameter value")
		}
	}
	return s, d.end(what)
}

// Params returns an iterator over the parameters, in order.
func (s StartupMessage) Params() Params {
	var p Params
	p.d.init(s.params)
	return p
}

// Param returns the value of the parameter called name, or false.
func (s StartupMessage) Param(name string) (pipe.Sequence, bool) {
	p := s.Params()
	for {
		n, v, ok := p.Next()
		if !ok {
			return pipe.Sequence{}, false
		}
		if equal(n, name) {
			return v, true
		}
	}
}

// Params iterates over the parameters of a StartupMessage.
type Params struct{ d dec }

// Next returns the next parameter's name and value, or false after the
// last one.
func (p *Params) Next() (name, value pipe.Sequence, ok bool) {
	name, ok = p.d.cstr()
	if !ok || name.IsEmpty() {
		return pipe.Sequence{}, pipe.Sequence{}, false
	}
	value, ok = p.d.cstr()
	return name, value, ok
}

// equal reports whether s holds the bytes of str.
func equal(s pipe.Sequence, str string) bool {
	if s.Len() != int64(len(str)) {
		return false
	}
	for b := range s.All() {
		if string(b) != str[:len(b)] {
			return false
		}
		str = str[len(b):]
	}
	return true
}

// CancelRequest is a CancelRequest (frontend, untyped, sent on a new
// connection): the BackendKeyData of the session whose query to cancel.
type CancelRequest struct {
	ProcessID int32
	SecretKey pipe.Sequence
}

// DecodeCancelRequest decodes a CancelRequest.
func DecodeCancelRequest(m Message) (CancelRequest, error) {
	const what = "CancelRequest"
	code, err := DecodeStartupCode(m)
	if err != nil {
		return CancelRequest{}, err
	}
	if code != CancelRequestCode {
		return CancelRequest{}, fmt.Errorf("%w: %s: request code %d", ErrWrongType, what, code)
	}
	var d dec
	d.init(m.Body)
	d.skip(4)
	pid, ok := d.u32()
	if !ok || d.remaining() < 4 || d.remaining() > 256 {
		return CancelRequest{}, d.malformed(what, "process ID and secret key")
	}
	return CancelRequest{ProcessID: int32(pid), SecretKey: d.rest()}, nil
}

// DecodePassword decodes a PasswordMessage (frontend, type 'p', in answer
// to AuthCleartextPassword or AuthMD5Password) and returns the password,
// cleartext or "md5" and the hex digest.
func DecodePassword(m Message) (pipe.Sequence, error) {
	const what = "PasswordMessage"
	if err := checkType(m, what, TypePassword); err != nil {
		return pipe.Sequence{}, err
	}
	var d dec
	d.init(m.Body)
	p, ok := d.cstr()
	if !ok {
		return pipe.Sequence{}, d.malformed(what, "password")
	}
	return p, d.end(what)
}

// SASLInitialResponse is a SASLInitialResponse (frontend, type 'p', in
// answer to AuthSASL): the mechanism chosen and the client's first
// message. NoData tells that the client sent none (length -1), which
// differs from empty data.
type SASLInitialResponse struct {
	Mechanism pipe.Sequence
	Data      pipe.Sequence
	NoData    bool
}

// DecodeSASLInitialResponse decodes a SASLInitialResponse.
func DecodeSASLInitialResponse(m Message) (SASLInitialResponse, error) {
	const what = "SASLInitialResponse"
	if err := checkType(m, what, TypePassword); err != nil {
		return SASLInitialResponse{}, err
	}
	var d dec
	d.init(m.Body)
	mech, ok := d.cstr()
	if !ok {
		return SASLInitialResponse{}, d.malformed(what, "mechanism")
	}
	v, ok := d.value()
	if !ok {
		return SASLInitialResponse{}, d.malformed(what, "data")
	}
	return SASLInitialResponse{Mechanism: mech, Data: v.Data, NoData: v.Null}, d.end(what)
}

// DecodeSASLResponse decodes a SASLResponse (frontend, type 'p', in answer
// to AuthSASLContinue) and returns its data: the body.
func DecodeSASLResponse(m Message) (pipe.Sequence, error) {
	if err := checkType(m, "SASLResponse", TypePassword); err != nil {
		return pipe.Sequence{}, err
	}
	return m.Body, nil
}

// DecodeQuery decodes a Query message (frontend, type 'Q') and returns its
// SQL text.
func DecodeQuery(m Message) (pipe.Sequence, error) {
	return oneString(m, "Query", TypeQuery, "query string")
}

// DecodeCopyFail decodes a CopyFail message (frontend, type 'f') and
// returns the reason of the failure.
func DecodeCopyFail(m Message) (pipe.Sequence, error) {
	return oneString(m, "CopyFail", TypeCopyFail, "error message")
}

// oneString decodes a body of one string.
func oneString(m Message, what string, typ byte, field string) (pipe.Sequence, error) {
	if err := checkType(m, what, typ); err != nil {
		return pipe.Sequence{}, err
	}
	var d dec
	d.init(m.Body)
	s, ok := d.cstr()
	if !ok {
		return pipe.Sequence{}, d.malformed(what, field)
	}
	return s, d.end(what)
}

// Parse is a Parse message (frontend, type 'P'): a statement to prepare,
// with the types of parameters the client specifies (0 for unspecified).
type Parse struct {
	Name, Query pipe.Sequence // Name is empty for the unnamed statement
	oids        pipe.Sequence
}

// DecodeParse decodes a Parse message.
func DecodeParse(m Message) (Parse, error) {
	const what = "Parse"
	if err := checkType(m, what, TypeParse); err != nil {
		return Parse{}, err
	}
	var d dec
	d.init(m.Body)
	name, ok := d.cstr()
	if !ok {
		return Parse{}, d.malformed(what, "statement name")
	}
	q, ok := d.cstr()
	if !ok {
		return Parse{}, d.malformed(what, "query string")
	}
	oids, err := counted(d.rest(), what, "parameter type", 4)
	return Parse{Name: name, Query: q, oids: oids}, err
}

// NumParamTypes returns the number of parameter types given.
func (p Parse) NumParamTypes() int { return int(p.oids.Len() / 4) }

// ParamType returns the type OID given for parameter i (0 <= i <
// NumParamTypes).
func (p Parse) ParamType(i int) uint32 { return u32At(p.oids, i) }

// Target is what a Describe or a Close message names: a prepared
// statement (Kind 'S') or a portal (Kind 'P'); an empty Name is the
// unnamed one.
type Target struct {
	Kind byte
	Name pipe.Sequence
}

// DecodeDescribe decodes a Describe message (frontend, type 'D').
func DecodeDescribe(m Message) (Target, error) { return decodeTarget(m, "Describe", TypeDescribe) }

// DecodeClose decodes a Close message (frontend, type 'C').
func DecodeClose(m Message) (Target, error) { return decodeTarget(m, "Close", TypeClose) }

func decodeTarget(m Message, what string, typ byte) (Target, error) {
	if err := checkType(m, what, typ); err != nil {
		return Target{}, err
	}
	var d dec
	d.init(m.Body)
	k, ok := d.u8()
	if !ok || k != 'S' && k != 'P' {
		return Target{}, fmt.Errorf("%w: %s: kind is not 'S' or 'P'", ErrMalformed, what)
	}
	name, ok := d.cstr()
	if !ok {
		return Target{}, d.malformed(what, "name")
	}
	return Target{Kind: k, Name: name}, d.end(what)
}

// Execute is an Execute message (frontend, type 'E'): run a portal,
// returning at most MaxRows rows (0 for no limit).
type Execute struct {
	Portal  pipe.Sequence
	MaxRows int32
}

// DecodeExecute decodes an Execute message.
func DecodeExecute(m Message) (Execute, error) {
	const what = "Execute"
	if err := checkType(m, what, TypeExecute); err != nil {
		return Execute{}, err
	}
	var d dec
	d.init(m.Body)
	p, ok := d.cstr()
	if !ok {
		return Execute{}, d.malformed(what, "portal name")
	}
	n, ok := d.u32()
	if !ok {
		return Execute{}, d.malformed(what, "row limit")
	}
	return Execute{Portal: p, MaxRows: int32(n)}, d.end(what)
}
