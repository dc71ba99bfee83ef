package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SCRAMSHA256 is the SASL mechanism name the client picks from
// AuthenticationSASL's list and sends in SASLInitialResponse.
const SCRAMSHA256 = "SCRAM-SHA-256"

// MaxIterations bounds the iteration count a server may ask for, so that a
// hostile server cannot make the client spin on the key derivation (PostgreSQL
// uses 4096 unless scram_iterations says otherwise).
const MaxIterations = 1 << 20

// nonceBytes is how many random bytes make the client nonce (base64 encoded).
const nonceBytes = 18

// gs2Header is the GS2 header PostgreSQL's clients send without channel
// binding: "n" (client does not support it), no authorization identity.
const gs2Header = "n,,"

var (
	// ErrMalformed reports a server message that does not follow the SCRAM
	// grammar (a missing or misplaced attribute, bad base64, an unsupported
	// mandatory extension).
	ErrMalformed = errors.New("auth: malformed SCRAM message")

	// ErrNonceMismatch reports a server-first message whose nonce does not
	// extend the client's nonce with characters of its own.
	ErrNonceMismatch = errors.New("auth: SCRAM server nonce does not extend the client nonce")

	// ErrIterations reports an iteration count outside 1..MaxIterations.
	ErrIterations = errors.New("auth: SCRAM iteration count out of bounds")

	// ErrServerSignature reports a server-final message whose signature is
	// not the one the password gives: the server does not know the password.
	ErrServerSignature = errors.New("auth: bad SCRAM server signature")

	// ErrServerRejected reports a server-final message carrying an error
	// ("e=..."), which the returned error quotes.
	ErrServerRejected = errors.New("auth: SCRAM server rejected the exchange")

	// ErrOutOfOrder reports a step of the exchange called before the one it
	// follows, or after the exchange failed or completed.
	ErrOutOfOrder = errors.New("auth: SCRAM step out of order")

	// ErrBadNonce reports a client nonce (given to NewSCRAMWithNonce) that is
	// empty or holds a character other than printable ASCII without ','.
	ErrBadNonce = errors.New("auth: bad SCRAM client nonce")
)

// scramState is where a SCRAM exchange stands.
type scramState uint8

const (
	stateStart       scramState = iota // ClientFirst not called yet
	stateClientFirst                   // client-first sent, waiting for server-first
	stateClientFinal                   // client-final sent, waiting for server-final
	stateDone                          // server verified
	stateFailed                        // a step failed: the exchange is over
)

// SCRAM is the client's side of one SCRAM-SHA-256 exchange, without channel
// binding, as PostgreSQL runs it. Call ClientFirst, then ServerFirst with the
// data of AuthenticationSASLContinue, then ServerFinal with the data of
// AuthenticationSASLFinal; the exchange succeeded when ServerFinal returns nil.
// A SCRAM is for one exchange and one goroutine.
//
// The password is used as given: PostgreSQL first normalizes it with SASLprep
// when it can, which changes nothing for printable ASCII passwords, but
// changes some non-ASCII ones, which this client then does not match.
type SCRAM struct {
	user, password string
	nonce          string
	state          scramState
	clientFirst    []byte // client-first-message-bare
	serverSig      []byte // expected ServerSignature
}

// NewSCRAM starts an exchange for password with a client nonce drawn from
// crypto/rand. user goes into the client-first message; PostgreSQL ignores it
// (it authenticates the user of the startup message) and its clients send it
// empty, which is what "" does.
func NewSCRAM(user, password string) (*SCRAM, error) {
	return NewSCRAMFrom(user, password, rand.Reader)
}

// NewSCRAMFrom is NewSCRAM with the nonce's random bytes read from random.
func NewSCRAMFrom(user, password string, random io.Reader) (*SCRAM, error) {
	var b [nonceBytes]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return nil, fmt.Errorf("auth: SCRAM nonce: %w", err)
	}
	return NewSCRAMWithNonce(user, password, base64.StdEncoding.EncodeToString(b[:]))
}

// NewSCRAMWithNonce is NewSCRAM with the client nonce given, for tests that
// reproduce a known exchange: a fixed nonce must never be used for real
// authentication. nonce must be non-empty printable ASCII without ','
// (ErrBadNonce).
func NewSCRAMWithNonce(user, password, nonce string) (*SCRAM, error) {
	if nonce == "" {
		return nil, ErrBadNonce
	}
	for i := 0; i < len(nonce); i++ {
		if c := nonce[i]; c < 0x21 || c > 0x7e || c == ',' {
			return nil, fmt.Errorf("%w: byte %#x at %d", ErrBadNonce, c, i)
		}
	}
	return &SCRAM{user: user, password: password, nonce: nonce}, nil
}

// ClientFirst returns the client-first message: the GS2 header "n,," then
// "n=<user>,r=<nonce>". It is the data of SASLInitialResponse.
func (s *SCRAM) ClientFirst() ([]byte, error) {
	if s.state != stateStart {
		s.state = stateFailed
		return nil, ErrOutOfOrder
	}
	bare := make([]byte, 0, 8+len(s.user)+len(s.nonce))
	bare = append(bare, "n="...)
	bare = appendSaslName(bare, s.user)
	bare = append(bare, ",r="...)
	bare = append(bare, s.nonce...)
	s.clientFirst = bare
	s.state = stateClientFirst
	return append([]byte(gs2Header), bare...), nil
}

// ServerFirst takes the server-first message ("r=<nonce>,s=<salt>,i=<count>",
// the data of AuthenticationSASLContinue) and returns the client-final
// message with the client's proof, the data of SASLResponse. It fails with
// ErrMalformed, ErrNonceMismatch or ErrIterations, and the exchange is then
// over.
func (s *SCRAM) ServerFirst(msg []byte) ([]byte, error) {
	if s.state != stateClientFirst {
		s.state = stateFailed
		return nil, ErrOutOfOrder
	}
	s.state = stateFailed
	nonce, salt, iters, err := s.parseServerFirst(msg)
	if err != nil {
		return nil, err
	}
	salted, err := pbkdf2.Key(sha256.New, s.password, salt, iters, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("auth: SCRAM key derivation: %w", err)
	}
	final := make([]byte, 0, 9+len(nonce)+3+base64.StdEncoding.EncodedLen(sha256.Size))
	final = append(final, "c="...)
	final = base64.StdEncoding.AppendEncode(final, []byte(gs2Header))
	final = append(final, ",r="...)
	final = append(final, nonce...)

	authMessage := make([]byte, 0, len(s.clientFirst)+1+len(msg)+1+len(final))
	authMessage = append(authMessage, s.clientFirst...)
	authMessage = append(authMessage, ',')
	authMessage = append(authMessage, msg...)
	authMessage = append(authMessage, ',')
	authMessage = append(authMessage, final...)

	clientKey := hmacSHA256(salted, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	proof := hmacSHA256(storedKey[:], authMessage)
	for i := range proof {
		proof[i] ^= clientKey[i]
	}
	serverKey := hmacSHA256(salted, []byte("Server Key"))
	s.serverSig = hmacSHA256(serverKey, authMessage)

	final = append(final, ",p="...)
	final = base64.StdEncoding.AppendEncode(final, proof)
	s.state = stateClientFinal
	return final, nil
}

// parseServerFirst splits the server-first message and checks its parts.
func (s *SCRAM) parseServerFirst(msg []byte) (nonce, salt []byte, iters int, err error) {
	rest := msg
	nonce, rest, err = attribute(rest, 'r')
	if err != nil {
		return nil, nil, 0, err
	}
	if len(nonce) <= len(s.nonce) || !bytes.HasPrefix(nonce, []byte(s.nonce)) {
		return nil, nil, 0, fmt.Errorf("%w: got %q for client nonce %q", ErrNonceMismatch, nonce, s.nonce)
	}
	for _, c := range nonce {
		if c < 0x21 || c > 0x7e {
			return nil, nil, 0, fmt.Errorf("%w: nonce byte %#x", ErrMalformed, c)
		}
	}
	salt64, rest, err := attribute(rest, 's')
	if err != nil {
		return nil, nil, 0, err
	}
	salt, err = base64.StdEncoding.AppendDecode(nil, salt64)
	if err != nil || len(salt) == 0 {
		return nil, nil, 0, fmt.Errorf("%w: salt %q is not base64", ErrMalformed, salt64)
	}
	count, _, err := attribute(rest, 'i')
	if err != nil {
		return nil, nil, 0, err
	}
	// Extensions may follow; RFC 5802 gives none, and none are mandatory here.
	n, err := strconv.Atoi(string(count))
	if err != nil || len(count) == 0 || count[0] < '0' || count[0] > '9' {
		return nil, nil, 0, fmt.Errorf("%w: iteration count %q", ErrMalformed, count)
	}
	if n < 1 || n > MaxIterations {
		return nil, nil, 0, fmt.Errorf("%w: %d (allowed 1..%d)", ErrIterations, n, MaxIterations)
	}
	return nonce, salt, n, nil
}

// ServerFinal takes the server-final message ("v=<signature>", the data of
// AuthenticationSASLFinal) and checks the server's signature: nil means the
// server knows the password. It fails with ErrServerSignature,
// ErrServerRejected or ErrMalformed.
func (s *SCRAM) ServerFinal(msg []byte) error {
	if s.state != stateClientFinal {
		s.state = stateFailed
		return ErrOutOfOrder
	}
	s.state = stateFailed
	if e, _, err := attribute(msg, 'e'); err == nil {
		return fmt.Errorf("%w: %s", ErrServerRejected, e)
	}
	v, _, err := attribute(msg, 'v')
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.AppendDecode(nil, v)
	if err != nil {
		return fmt.Errorf("%w: signature %q is not base64", ErrMalformed, v)
	}
	if !hmac.Equal(sig, s.serverSig) {
		return ErrServerSignature
	}
	s.state = stateDone
	return nil
}

// Done reports whether the exchange completed: ServerFinal verified the
// server's signature.
func (s *SCRAM) Done() bool { return s.state == stateDone }

// attribute reads "<name>=<value>" at the start of msg, up to the next ',' or
// the end, and returns the value and what follows the ','.
func attribute(msg []byte, name byte) (value, rest []byte, err error) {
	if len(msg) < 2 || msg[0] != name || msg[1] != '=' {
		return nil, nil, fmt.Errorf("%w: want attribute %q in %q", ErrMalformed, name, truncate(msg))
	}
	value = msg[2:]
	if i := bytes.IndexByte(value, ','); i >= 0 {
		value, rest = value[:i], value[i+1:]
	}
	return value, rest, nil
}

// truncate shortens a message quoted in an error.
func truncate(msg []byte) []byte {
	if len(msg) > 64 {
		return msg[:64]
	}
	return msg
}

// appendSaslName appends name with ',' and '=' escaped as RFC 5802 says.
func appendSaslName(dst []byte, name string) []byte {
	r := strings.NewReplacer("=", "=3D", ",", "=2C")
	return append(dst, r.Replace(name)...)
}

// hmacSHA256 returns HMAC-SHA-256(key, data).
func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
