package pgwire

import (
	"fmt"
	"strings"

	"github.com/f2bac256/bedrock/pipe"
)

// Render returns a one-line rendering of m for logs and tests: the name of
// the message and its decoded fields, strings quoted, such as
// `DataRow{"1" NULL}` or `Authentication{SASL "SCRAM-SHA-256"}`. backend
// tells which side sent it (the type bytes of the two sides overlap). A
// body that does not decode renders as the error. Render copies and
// allocates: it is not for data paths.
func (m Message) Render(backend bool) string {
	s, err := m.render(backend)
	if err != nil {
		return fmt.Sprintf("%s!%v", m, err)
	}
	return s
}

func q(s pipe.Sequence) string { return fmt.Sprintf("%q", s.String()) }

func (m Message) render(backend bool) (string, error) {
	var b strings.Builder
	if m.Type == 0 {
		code, err := DecodeStartupCode(m)
		if err != nil {
			return "", err
		}
		switch {
		case code == SSLRequestCode:
			return "SSLRequest{}", checkLen(m, 4)
		case code == GSSENCRequestCode:
			return "GSSENCRequest{}", checkLen(m, 4)
		case code == CancelRequestCode:
			c, err := DecodeCancelRequest(m)
			return fmt.Sprintf("CancelRequest{%d %x}", c.ProcessID, c.SecretKey.Bytes()), err
		}
		s, err := DecodeStartupMessage(m)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "StartupMessage{%d.%d", s.Version>>16, s.Version&0xFFFF)
		p := s.Params()
		for n, v, ok := p.Next(); ok; n, v, ok = p.Next() {
			fmt.Fprintf(&b, " %s=%s", q(n), q(v))
		}
		b.WriteByte('}')
		return b.String(), nil
	}
	if backend {
		return m.renderBackend(&b)
	}
	return m.renderFrontend(&b)
}

// checkLen checks the body length of a fixed-size message.
func checkLen(m Message, n int64) error {
	if m.Body.Len() != n {
		return fmt.Errorf("%w: body of %d bytes, not %d", ErrMalformed, m.Body.Len(), n)
	}
	return nil
}

var emptyNames = map[bool]map[byte]string{
	true: {TypeParseComplete: "ParseComplete", TypeBindComplete: "BindComplete", TypeCloseComplete: "CloseComplete",
		TypeNoData: "NoData", TypeEmptyQueryResponse: "EmptyQueryResponse", TypePortalSuspended: "PortalSuspended",
		TypeCopyDone: "CopyDone"},
	false: {TypeSync: "Sync", TypeFlush: "Flush", TypeTerminate: "Terminate", TypeCopyDone: "CopyDone"},
}

func (m Message) renderBackend(b *strings.Builder) (string, error) {
	if name, ok := emptyNames[true][m.Type]; ok {
		return name + "{}", DecodeEmpty(m, m.Type)
	}
	switch m.Type {
	case TypeAuthentication:
		a, err := DecodeAuthentication(m)
		if err != nil {
			return "", err
		}
		switch a.Kind {
		case AuthMD5Password:
			return fmt.Sprintf("Authentication{MD5Password %x}", a.Salt), nil
		case AuthSASL:
			b.WriteString("Authentication{SASL")
			it := a.Mechanisms()
			for s, ok := it.Next(); ok; s, ok = it.Next() {
				b.WriteString(" " + q(s))
			}
			b.WriteByte('}')
			return b.String(), nil
		}
		return fmt.Sprintf("Authentication{%d %s}", a.Kind, q(a.Data)), nil
	case TypeBackendKeyData:
		k, err := DecodeBackendKeyData(m)
		return fmt.Sprintf("BackendKeyData{%d %x}", k.ProcessID, k.SecretKey.Bytes()), err
	case TypeParameterStatus:
		p, err := DecodeParameterStatus(m)
		return fmt.Sprintf("ParameterStatus{%s=%s}", q(p.Name), q(p.Value)), err
	case TypeReadyForQuery:
		s, err := DecodeReadyForQuery(m)
		return fmt.Sprintf("ReadyForQuery{%c}", s), err
	case TypeCommandComplete:
		c, err := DecodeCommandComplete(m)
		return fmt.Sprintf("CommandComplete{%s}", q(c.Tag)), err
	case TypeRowDescription:
		r, err := DecodeRowDescription(m)
		if err != nil {
			return "", err
		}
		b.WriteString("RowDescription{")
		it := r.Fields()
		for f, ok := it.Next(); ok; f, ok = it.Next() {
			if b.Len() > len("RowDescription{") {
				b.WriteByte(' ')
			}
			fmt.Fprintf(b, "%s:%d.%d:%d/%d/%d/%d", q(f.Name), f.TableOID, f.Column, f.TypeOID, f.TypeSize, f.TypeModifier, f.Format)
		}
		b.WriteByte('}')
		return b.String(), nil
	case TypeDataRow:
		r, err := DecodeDataRow(m)
		if err != nil {
			return "", err
		}
		b.WriteString("DataRow{")
		renderValues(b, r.Columns())
		b.WriteByte('}')
		return b.String(), nil
	case TypeErrorResponse, TypeNoticeResponse:
		e, err := DecodeErrorResponse(m)
		if err != nil {
			return "", err
		}
		b.WriteString(map[byte]string{TypeErrorResponse: "ErrorResponse{", TypeNoticeResponse: "NoticeResponse{"}[m.Type])
		it := e.Fields()
		for i := 0; ; i++ {
			c, v, ok := it.Next()
			if !ok {
				break
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(b, "%c=%s", c, q(v))
		}
		b.WriteByte('}')
		return b.String(), nil
	case TypeCopyInResponse, TypeCopyOutResponse, TypeCopyBothResponse:
		c, err := DecodeCopyResponse(m)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(b, "CopyResponse{%c %d", c.Type, c.Format)
		for i := range c.NumColumns() {
			fmt.Fprintf(b, " %d", c.ColumnFormat(i))
		}
		b.WriteByte('}')
		return b.String(), nil
	case TypeCopyData:
		return fmt.Sprintf("CopyData{%s}", q(m.Body)), nil
	case TypeNotificationResponse:
		n, err := DecodeNotificationResponse(m)
		return fmt.Sprintf("NotificationResponse{%d %s %s}", n.ProcessID, q(n.Channel), q(n.Payload)), err
	case TypeParameterDescription:
		p, err := DecodeParameterDescription(m)
		if err != nil {
			return "", err
		}
		b.WriteString("ParameterDescription{")
		for i := range p.NumParams() {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(b, "%d", p.ParamOID(i))
		}
		b.WriteByte('}')
		return b.String(), nil
	case TypeNegotiateProtocolVersion:
		v, err := DecodeNegotiateProtocolVersion(m)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(b, "NegotiateProtocolVersion{%d", v.NewestMinor)
		it := v.Options()
		for s, ok := it.Next(); ok; s, ok = it.Next() {
			b.WriteString(" " + q(s))
		}
		b.WriteByte('}')
		return b.String(), nil
	}
	return fmt.Sprintf("%q{%s}", m.Type, q(m.Body)), nil
}

// renderValues writes values, space-separated.
func renderValues(b *strings.Builder, it Values) {
	for i := 0; it.Next(); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		if it.Null() {
			b.WriteString("NULL")
		} else {
			b.WriteString(q(it.Data()))
		}
	}
}

func (m Message) renderFrontend(b *strings.Builder) (string, error) {
	if name, ok := emptyNames[false][m.Type]; ok {
		return name + "{}", DecodeEmpty(m, m.Type)
	}
	switch m.Type {
	case TypeQuery:
		s, err := DecodeQuery(m)
		return fmt.Sprintf("Query{%s}", q(s)), err
	case TypeCopyFail:
		s, err := DecodeCopyFail(m)
		return fmt.Sprintf("CopyFail{%s}", q(s)), err
	case TypeCopyData:
		return fmt.Sprintf("CopyData{%s}", q(m.Body)), nil
	case TypePassword:
		// The three messages of type 'p' are told apart by the request
		// they answer; render the body as it is.
		return fmt.Sprintf("Password{%s}", q(m.Body)), nil
	case TypeParse:
		p, err := DecodeParse(m)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(b, "Parse{%s %s", q(p.Name), q(p.Query))
		for i := range p.NumParamTypes() {
			fmt.Fprintf(b, " %d", p.ParamType(i))
		}
		b.WriteByte('}')
		return b.String(), nil
	case TypeBind:
		p, err := DecodeBind(m)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(b, "Bind{%s %s [", q(p.Portal), q(p.Statement))
		for i := range p.NumParamFormats() {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(b, "%d", p.ParamFormat(i))
		}
		b.WriteString("] [")
		renderValues(b, p.Params())
		b.WriteString("] [")
		for i := range p.NumResultFormats() {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(b, "%d", p.ResultFormat(i))
		}
		b.WriteString("]}")
		return b.String(), nil
	case TypeDescribe, TypeClose:
		var t Target
		var err error
		name := "Describe"
		if m.Type == TypeDescribe {
			t, err = DecodeDescribe(m)
		} else {
			name = "Close"
			t, err = DecodeClose(m)
		}
		return fmt.Sprintf("%s{%c %s}", name, t.Kind, q(t.Name)), err
	case TypeExecute:
		e, err := DecodeExecute(m)
		return fmt.Sprintf("Execute{%s %d}", q(e.Portal), e.MaxRows), err
	}
	return fmt.Sprintf("%q{%s}", m.Type, q(m.Body)), nil
}
