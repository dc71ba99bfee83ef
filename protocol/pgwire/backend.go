package pgwire

import (
	"fmt"

	"github.com/f2bac256/bedrock/pipe"
)

// Authentication request kinds: the first word of an Authentication
// message (backend).
const (
	AuthOK                int32 = 0
	AuthKerberosV5        int32 = 2
	AuthCleartextPassword int32 = 3
	AuthMD5Password       int32 = 5
	AuthGSS               int32 = 7
	AuthGSSContinue       int32 = 8
	AuthSSPI              int32 = 9
	AuthSASL              int32 = 10
	AuthSASLContinue      int32 = 11
	AuthSASLFinal         int32 = 12
)

// Authentication is an Authentication message (backend, type 'R'): an
// authentication request, or AuthOK.
type Authentication struct {
	Kind int32
	// Salt is the salt of AuthMD5Password.
	Salt [4]byte
	// Data is the data of AuthSASLContinue, AuthSASLFinal and
	// AuthGSSContinue (and of kinds this package does not know); for
	// AuthSASL, the list Mechanisms reads.
	Data pipe.Sequence
}

// DecodeAuthentication decodes an Authentication message.
func DecodeAuthentication(m Message) (Authentication, error) {
	const what = "Authentication"
	if err := checkType(m, what, TypeAuthentication); err != nil {
		return Authentication{}, err
	}
	var d dec
	d.init(m.Body)
	k, ok := d.u32()
	if !ok {
		return Authentication{}, d.malformed(what, "kind")
	}
	a := Authentication{Kind: int32(k)}
	switch a.Kind {
	case AuthOK, AuthKerberosV5, AuthCleartextPassword, AuthGSS, AuthSSPI:
	case AuthMD5Password:
		s, ok := d.take(4)
		if !ok {
			return Authentication{}, d.malformed(what, "salt")
		}
		s.CopyTo(a.Salt[:])
	case AuthSASL:
		a.Data = d.rest()
		var l dec
		l.init(a.Data)
		for {
			s, ok := l.cstr()
			if !ok {
				return Authentication{}, fmt.Errorf("%w: %s: unterminated SASL mechanism list", ErrMalformed, what)
			}
			if s.IsEmpty() {
				break
			}
		}
		if err := l.end(what); err != nil {
			return Authentication{}, err
		}
	default:
		a.Data = d.rest()
	}
	if err := d.end(what); err != nil {
		return Authentication{}, err
	}
	return a, nil
}

// Mechanisms returns the SASL mechanisms of an AuthSASL request, such as
// "SCRAM-SHA-256".
func (a Authentication) Mechanisms() Strings {
	var s Strings
	if a.Kind == AuthSASL {
		s.d.init(a.Data)
		s.n = -1
	}
	return s
}

// Strings iterates over a list of strings: the SASL mechanisms of an
// Authentication, the options of a NegotiateProtocolVersion.
type Strings struct {
	d dec
	n int // strings left, or -1 for a list ended by an empty string
}

// Next returns the next string, or false after the last one.
func (it *Strings) Next() (pipe.Sequence, bool) {
	if it.n == 0 {
		return pipe.Sequence{}, false
	}
	s, ok := it.d.cstr()
	if !ok || it.n < 0 && s.IsEmpty() {
		it.n = 0
		return pipe.Sequence{}, false
	}
	if it.n > 0 {
		it.n--
	}
	return s, true
}

// BackendKeyData is a BackendKeyData message (backend, type 'K'): what a
// CancelRequest must quote. SecretKey is 4 bytes in protocol 3.0, up to
// 256 in 3.2.
type BackendKeyData struct {
	ProcessID int32
	SecretKey pipe.Sequence
}

// DecodeBackendKeyData decodes a BackendKeyData message.
func DecodeBackendKeyData(m Message) (BackendKeyData, error) {
	const what = "BackendKeyData"
	if err := checkType(m, what, TypeBackendKeyData); err != nil {
		return BackendKeyData{}, err
	}
	var d dec
	d.init(m.Body)
	pid, ok := d.u32()
	if !ok || d.remaining() < 4 || d.remaining() > 256 {
		return BackendKeyData{}, d.malformed(what, "process ID and secret key")
	}
	return BackendKeyData{ProcessID: int32(pid), SecretKey: d.rest()}, nil
}

// ParameterStatus is a ParameterStatus message (backend, type 'S'): the
// value of a run-time parameter, such as server_version.
type ParameterStatus struct {
	Name, Value pipe.Sequence
}

// DecodeParameterStatus decodes a ParameterStatus message.
func DecodeParameterStatus(m Message) (ParameterStatus, error) {
	const what = "ParameterStatus"
	if err := checkType(m, what, TypeParameterStatus); err != nil {
		return ParameterStatus{}, err
	}
	var d dec
	d.init(m.Body)
	name, ok := d.cstr()
	if !ok {
		return ParameterStatus{}, d.malformed(what, "name")
	}
	value, ok := d.cstr()
	if !ok {
		return ParameterStatus{}, d.malformed(what, "value")
	}
	return ParameterStatus{name, value}, d.end(what)
}

// DecodeReadyForQuery decodes a ReadyForQuery message (backend, type 'Z')
// and returns its transaction status: TxIdle, TxInBlock or TxFailed.
func DecodeReadyForQuery(m Message) (byte, error) {
	const what = "ReadyForQuery"
	if err := checkType(m, what, TypeReadyForQuery); err != nil {
		return 0, err
	}
	if f := m.Body.First(); len(f) == 1 && m.Body.Len() == 1 && (f[0] == TxIdle || f[0] == TxInBlock || f[0] == TxFailed) {
		return f[0], nil
	}
	return 0, fmt.Errorf("%w: %s: body is not one status byte (I, T or E)", ErrMalformed, what)
}

// CommandComplete is a CommandComplete message (backend, type 'C'): the
// tag of the command that completed, such as "SELECT 5" or "INSERT 0 1".
type CommandComplete struct {
	Tag pipe.Sequence
}

// DecodeCommandComplete decodes a CommandComplete message.
func DecodeCommandComplete(m Message) (CommandComplete, error) {
	const what = "CommandComplete"
	if err := checkType(m, what, TypeCommandComplete); err != nil {
		return CommandComplete{}, err
	}
	var d dec
	d.init(m.Body)
	tag, ok := d.cstr()
	if !ok {
		return CommandComplete{}, d.malformed(what, "tag")
	}
	return CommandComplete{tag}, d.end(what)
}

// RowsAffected returns the row count that ends the tag ("SELECT 5",
// "UPDATE 3", "INSERT 0 1"), or false when it does not end with one.
func (c CommandComplete) RowsAffected() (int64, bool) {
	var n, mul int64 = 0, 1
	digits := 0
	// Scan from the end: the tag is short, and usually one segment.
	for i := c.Tag.Len() - 1; i >= 0; i-- {
		b := byteAt(c.Tag, i)
		if b == ' ' {
			break
		}
		if b < '0' || b > '9' || digits == 18 {
			return 0, false
		}
		n += int64(b-'0') * mul
		mul *= 10
		digits++
	}
	return n, digits > 0
}

// byteAt returns the byte at offset i of s.
func byteAt(s pipe.Sequence, i int64) byte {
	if f := s.First(); i < int64(len(f)) {
		return f[i]
	}
	var b [1]byte
	s.Slice(i, i+1).CopyTo(b[:])
	return b[0]
}

// NotificationResponse is a NotificationResponse message (backend, type
// 'A'): a NOTIFY on a channel the session LISTENs to.
type NotificationResponse struct {
	ProcessID        int32
	Channel, Payload pipe.Sequence
}

// DecodeNotificationResponse decodes a NotificationResponse message.
func DecodeNotificationResponse(m Message) (NotificationResponse, error) {
	const what = "NotificationResponse"
	if err := checkType(m, what, TypeNotificationResponse); err != nil {
		return NotificationResponse{}, err
	}
	var d dec
	d.init(m.Body)
	pid, ok := d.u32()
	if !ok {
		return NotificationResponse{}, d.malformed(what, "process ID")
	}
	ch, ok := d.cstr()
	if !ok {
		return NotificationResponse{}, d.malformed(what, "channel")
	}
	p, ok := d.cstr()
	if !ok {
		return NotificationResponse{}, d.malformed(what, "payload")
	}
	return NotificationResponse{int32(pid), ch, p}, d.end(what)
}

// NegotiateProtocolVersion is a NegotiateProtocolVersion message
// (backend, type 'v'): the newest minor version the server supports, and
// the protocol options it did not recognise.
type NegotiateProtocolVersion struct {
	NewestMinor int32
	options     pipe.Sequence
	n           int
}

// DecodeNegotiateProtocolVersion decodes a NegotiateProtocolVersion
// message.
func DecodeNegotiateProtocolVersion(m Message) (NegotiateProtocolVersion, error) {
	const what = "NegotiateProtocolVersion"
	if err := checkType(m, what, TypeNegotiateProtocolVersion); err != nil {
		return NegotiateProtocolVersion{}, err
	}
	var d dec
	d.init(m.Body)
	minor, ok1 := d.u32()
	n, ok2 := d.u32()
	if !ok1 || !ok2 || int32(n) < 0 || int64(n) > d.remaining() {
		return NegotiateProtocolVersion{}, d.malformed(what, "version and option count")
	}
	v := NegotiateProtocolVersion{NewestMinor: int32(minor), options: d.rest(), n: int(n)}
	d.init(v.options)
	for range v.n {
		if _, ok := d.cstr(); !ok {
			return NegotiateProtocolVersion{}, d.malformed(what, "option")
		}
	}
	return v, d.end(what)
}

// Options returns the protocol options the server did not recognise.
func (v NegotiateProtocolVersion) Options() Strings {
	var s Strings
	s.d.init(v.options)
	s.n = v.n
	return s
}

// DecodeEmpty checks that m is of type typ and has an empty body, as
// ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse,
// PortalSuspended, CopyDone, Sync, Flush and Terminate have.
func DecodeEmpty(m Message, typ byte) error {
	if m.Type != typ {
		return fmt.Errorf("%w: message is %q, not %q", ErrWrongType, m.Type, typ)
	}
	if !m.Body.IsEmpty() {
		return fmt.Errorf("%w: message %q: %d bytes of body, none expected", ErrMalformed, typ, m.Body.Len())
	}
	return nil
}

// DecodeCopyData decodes a CopyData message (frontend or backend, type
// 'd') and returns its data: the body.
func DecodeCopyData(m Message) (pipe.Sequence, error) {
	if err := checkType(m, "CopyData", TypeCopyData); err != nil {
		return pipe.Sequence{}, err
	}
	return m.Body, nil
}
