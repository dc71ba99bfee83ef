package socks5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
)

// Authentication methods (RFC 1928 section 3), as Info.Method reports the
// one the proxy chose.
const (
	MethodNoAuth           byte = 0x00
	MethodUsernamePassword byte = 0x02
)

// Reply codes of a proxy that could not carry out CONNECT (RFC 1928 section
// 6), as ReplyError.Code carries them.
const (
	ReplyGeneralFailure          byte = 0x01
	ReplyNotAllowed              byte = 0x02
	ReplyNetworkUnreachable      byte = 0x03
	ReplyHostUnreachable         byte = 0x04
	ReplyConnectionRefused       byte = 0x05
	ReplyTTLExpired              byte = 0x06
	ReplyCommandNotSupported     byte = 0x07
	ReplyAddressTypeNotSupported byte = 0x08
)

const (
	version5           = 0x05
	authVersion        = 0x01 // of the username/password subnegotiation
	methodNoAcceptable = 0xff
	cmdConnect         = 0x01
	atypIPv4           = 0x01
	atypDomain         = 0x03
	atypIPv6           = 0x04
	replySucceeded     = 0x00
)

// Errors of the handshake, wrapped by Connect's.
var (
	// ErrAuthFailed is the proxy rejecting the username and password.
	ErrAuthFailed = errors.New("socks5: authentication failed: the proxy rejected the username and password")

	// ErrNoAcceptableMethods is the proxy accepting none of the
	// authentication methods offered: typically a proxy that requires a
	// username and password, and a Config without them.
	ErrNoAcceptableMethods = errors.New("socks5: the proxy accepts none of the offered authentication methods")
)

// ReplyError is a proxy's refusal to carry out CONNECT: Code is the reply
// code, one of the Reply constants (or another a proxy made up).
type ReplyError struct {
	Code byte
}

var replyText = [...]string{
	ReplyGeneralFailure:          "general SOCKS server failure",
	ReplyNotAllowed:              "connection not allowed by ruleset",
	ReplyNetworkUnreachable:      "network unreachable",
	ReplyHostUnreachable:         "host unreachable",
	ReplyConnectionRefused:       "connection refused",
	ReplyTTLExpired:              "TTL expired",
	ReplyCommandNotSupported:     "command not supported",
	ReplyAddressTypeNotSupported: "address type not supported",
}

// Error names the reply code as RFC 1928 does.
func (e *ReplyError) Error() string {
	text := "unknown reply code"
	if int(e.Code) < len(replyText) && replyText[e.Code] != "" {
		text = replyText[e.Code]
	}
	return fmt.Sprintf("socks5: proxy replied %s (code %d)", text, e.Code)
}

// request holds the client's messages of a handshake, encoded before
// dialing so that a bad address or configuration fails first.
type request struct {
	greeting []byte // version, methods
	auth     []byte // username/password subnegotiation, or nil
	connect  []byte // CONNECT request
}

// newRequest encodes the messages that ask a proxy to connect to target
// with cfg's credentials.
func newRequest(cfg Config, target net.Addr) (*request, error) {
	switch n := target.Network(); n {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("network %q: SOCKS5 CONNECT is for TCP", n)
	}
	req := &request{greeting: []byte{version5, 1, MethodNoAuth}}
	if cfg.Username != "" || cfg.Password != "" {
		if len(cfg.Username) < 1 || len(cfg.Username) > 255 {
			return nil, fmt.Errorf("username of %d bytes: want 1 to 255", len(cfg.Username))
		}
		if len(cfg.Password) > 255 {
			return nil, fmt.Errorf("password of %d bytes: want at most 255", len(cfg.Password))
		}
		req.greeting = []byte{version5, 2, MethodNoAuth, MethodUsernamePassword}
		a := make([]byte, 0, 3+len(cfg.Username)+len(cfg.Password))
		a = append(a, authVersion, byte(len(cfg.Username)))
		a = append(a, cfg.Username...)
		a = append(a, byte(len(cfg.Password)))
		req.auth = append(a, cfg.Password...)
	}
	c, err := appendAddr([]byte{version5, cmdConnect, 0}, target.String())
	if err != nil {
		return nil, err
	}
	req.connect = c
	return req, nil
}

// appendAddr appends hostport as ATYP, DST.ADDR and DST.PORT.
func appendAddr(b []byte, hostport string) ([]byte, error) {
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("address %s: bad port %q", hostport, portText)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap().WithZone("") // a zone means nothing to the proxy
		if ip.Is4() {
			b = append(b, atypIPv4)
		} else {
			b = append(b, atypIPv6)
		}
		b = append(b, ip.AsSlice()...)
	} else {
		if len(host) < 1 || len(host) > 255 {
			return nil, fmt.Errorf("address %s: host name of %d bytes: want 1 to 255", hostport, len(host))
		}
		b = append(b, atypDomain, byte(len(host)))
		b = append(b, host...)
	}
	return binary.BigEndian.AppendUint16(b, uint16(port)), nil
}

// handshake runs the client side of SOCKS5 on rw: method negotiation,
// authentication if the proxy asks for it, and req's CONNECT. It reads
// exactly the proxy's replies, so that what follows is the target's.
func handshake(rw io.ReadWriter, req *request) (Info, error) {
	var info Info
	var buf [1 + 255 + 2]byte // the largest message read: a domain and a port

	if _, err := rw.Write(req.greeting); err != nil {
		return info, fmt.Errorf("send methods: %w", err)
	}
	if err := readFull(rw, buf[:2]); err != nil {
		return info, fmt.Errorf("read method selection: %w", err)
	}
	if buf[0] != version5 {
		return info, fmt.Errorf("method selection: version %d, want 5: not a SOCKS5 proxy", buf[0])
	}
	info.Method = buf[1]
	switch info.Method {
	case MethodNoAuth:
	case MethodUsernamePassword:
		if req.auth == nil {
			return info, errors.New("the proxy chose username/password authentication, which was not offered")
		}
		if _, err := rw.Write(req.auth); err != nil {
			return info, fmt.Errorf("send username and password: %w", err)
		}
		if err := readFull(rw, buf[:2]); err != nil {
			return info, fmt.Errorf("read authentication status: %w", err)
		}
		if buf[0] != authVersion {
			return info, fmt.Errorf("authentication status: version %d, want 1", buf[0])
		}
		if buf[1] != 0 {
			return info, ErrAuthFailed
		}
	case methodNoAcceptable:
		return info, ErrNoAcceptableMethods
	default:
		return info, fmt.Errorf("the proxy chose authentication method %#02x, which was not offered", info.Method)
	}

	if _, err := rw.Write(req.connect); err != nil {
		return info, fmt.Errorf("send connect request: %w", err)
	}
	// VER, REP, RSV, ATYP, then BND.ADDR and BND.PORT.
	if err := readFull(rw, buf[:4]); err != nil {
		return info, fmt.Errorf("read reply: %w", err)
	}
	if buf[0] != version5 {
		return info, fmt.Errorf("reply: version %d, want 5", buf[0])
	}
	if buf[1] != replySucceeded {
		return info, &ReplyError{Code: buf[1]}
	}
	bound, err := readAddr(rw, buf[3], buf[:])
	if err != nil {
		return info, fmt.Errorf("read reply: bound address: %w", err)
	}
	info.Bound = bound
	return info, nil
}

// readAddr reads an address of type atyp and a port from r, into buf.
func readAddr(r io.Reader, atyp byte, buf []byte) (net.Addr, error) {
	var n int
	switch atyp {
	case atypIPv4:
		n = net.IPv4len
	case atypIPv6:
		n = net.IPv6len
	case atypDomain:
		if err := readFull(r, buf[:1]); err != nil {
			return nil, err
		}
		n = int(buf[0])
	default:
		return nil, fmt.Errorf("unknown address type %d", atyp)
	}
	if err := readFull(r, buf[:n+2]); err != nil {
		return nil, err
	}
	port := int(binary.BigEndian.Uint16(buf[n:]))
	if atyp == atypDomain {
		return Addr(net.JoinHostPort(string(buf[:n]), strconv.Itoa(port))), nil
	}
	return &net.TCPAddr{IP: net.IP(append([]byte(nil), buf[:n]...)), Port: port}, nil
}

// readFull is io.ReadFull, where a proxy that hangs up at any point of a
// message is io.ErrUnexpectedEOF.
func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
