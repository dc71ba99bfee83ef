package auth_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/protocol/pgwire/auth"
)

// The exchange of RFC 7677 section 3, user "user", password "pencil".
const (
	rfcNonce       = "rOprNGfwEbeRWgbNEkqO"
	rfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
	rfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	rfcClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	rfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
)

// rfcExchange runs the RFC's exchange up to the server-final message.
func rfcExchange(t *testing.T, password string) *auth.SCRAM {
	t.Helper()
	s, err := auth.NewSCRAMWithNonce("user", password, rfcNonce)
	require.NoError(t, err)
	first, err := s.ClientFirst()
	require.NoError(t, err)
	require.Equal(t, rfcClientFirst, string(first))
	_, err = s.ServerFirst([]byte(rfcServerFirst))
	require.NoError(t, err)
	return s
}

// The RFC 7677 test vector is reproduced byte for byte.
func TestSCRAMRFC7677(t *testing.T) {
	s, err := auth.NewSCRAMWithNonce("user", "pencil", rfcNonce)
	require.NoError(t, err)
	first, err := s.ClientFirst()
	require.NoError(t, err)
	assert.Equal(t, rfcClientFirst, string(first))
	final, err := s.ServerFirst([]byte(rfcServerFirst))
	require.NoError(t, err)
	assert.Equal(t, rfcClientFinal, string(final))
	assert.False(t, s.Done())
	require.NoError(t, s.ServerFinal([]byte(rfcServerFinal)))
	assert.True(t, s.Done())
}

// A wrong password gives another proof, and the server's true signature
// no longer matches.
func TestSCRAMWrongPassword(t *testing.T) {
	s, err := auth.NewSCRAMWithNonce("user", "pencils", rfcNonce)
	require.NoError(t, err)
	_, err = s.ClientFirst()
	require.NoError(t, err)
	final, err := s.ServerFirst([]byte(rfcServerFirst))
	require.NoError(t, err)
	assert.NotEqual(t, rfcClientFinal, string(final))
	assert.ErrorIs(t, s.ServerFinal([]byte(rfcServerFinal)), auth.ErrServerSignature)
	assert.False(t, s.Done())
}

// Every tampered server-first message fails with its own error.
func TestSCRAMServerFirstTampered(t *testing.T) {
	cases := map[string]struct {
		msg  string
		want error
	}{
		"nonce not extended":   {"r=" + rfcNonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", auth.ErrNonceMismatch},
		"other nonce":          {"r=XOprNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", auth.ErrNonceMismatch},
		"short nonce":          {"r=rOpr,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", auth.ErrNonceMismatch},
		"nonce with space":     {"r=" + rfcNonce + "a b,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", auth.ErrMalformed},
		"empty":                {"", auth.ErrMalformed},
		"mandatory extension":  {"m=x,r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", auth.ErrMalformed},
		"salt missing":         {"r=" + rfcNonce + "abc,i=4096", auth.ErrMalformed},
		"salt not base64":      {"r=" + rfcNonce + "abc,s=!!!,i=4096", auth.ErrMalformed},
		"salt empty":           {"r=" + rfcNonce + "abc,s=,i=4096", auth.ErrMalformed},
		"count missing":        {"r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==", auth.ErrMalformed},
		"count not a number":   {"r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots", auth.ErrMalformed},
		"count signed":         {"r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=+4096", auth.ErrMalformed},
		"count zero":           {"r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", auth.ErrIterations},
		"count too large":      {"r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1048577", auth.ErrIterations},
		"count overflows":      {"r=" + rfcNonce + "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999", auth.ErrMalformed},
		"attributes reordered": {"s=W22ZaJ0SNY7soEsUEjb6gQ==,r=" + rfcNonce + "abc,i=4096", auth.ErrMalformed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := auth.NewSCRAMWithNonce("user", "pencil", rfcNonce)
			require.NoError(t, err)
			_, err = s.ClientFirst()
			require.NoError(t, err)
			final, err := s.ServerFirst([]byte(c.msg))
			assert.ErrorIs(t, err, c.want)
			assert.Nil(t, final)
			// The exchange is over.
			assert.ErrorIs(t, s.ServerFinal([]byte(rfcServerFinal)), auth.ErrOutOfOrder)
		})
	}
}

// Every tampered server-final message fails with its own error.
func TestSCRAMServerFinalTampered(t *testing.T) {
	flipped := []byte(rfcServerFinal)
	flipped[5] ^= 1 // still base64, another signature
	cases := map[string]struct {
		msg  string
		want error
	}{
		"signature flipped":   {string(flipped), auth.ErrServerSignature},
		"signature truncated": {rfcServerFinal[:len(rfcServerFinal)-4], auth.ErrServerSignature},
		"signature empty":     {"v=", auth.ErrServerSignature},
		"not base64":          {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", auth.ErrMalformed},
		"no attribute":        {"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", auth.ErrMalformed},
		"empty":               {"", auth.ErrMalformed},
		"server error":        {"e=invalid-proof", auth.ErrServerRejected},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := rfcExchange(t, "pencil")
			assert.ErrorIs(t, s.ServerFinal([]byte(c.msg)), c.want)
			assert.False(t, s.Done())
		})
	}
	s := rfcExchange(t, "pencil")
	err := s.ServerFinal([]byte("e=invalid-proof"))
	assert.ErrorContains(t, err, "invalid-proof")
}

// Steps called out of order fail, and end the exchange.
func TestSCRAMOutOfOrder(t *testing.T) {
	s, err := auth.NewSCRAMWithNonce("user", "pencil", rfcNonce)
	require.NoError(t, err)
	_, err = s.ServerFirst([]byte(rfcServerFirst))
	assert.ErrorIs(t, err, auth.ErrOutOfOrder)
	_, err = s.ClientFirst()
	assert.ErrorIs(t, err, auth.ErrOutOfOrder)

	s, err = auth.NewSCRAMWithNonce("user", "pencil", rfcNonce)
	require.NoError(t, err)
	_, err = s.ClientFirst()
	require.NoError(t, err)
	assert.ErrorIs(t, s.ServerFinal([]byte(rfcServerFinal)), auth.ErrOutOfOrder)

	s = rfcExchange(t, "pencil")
	require.NoError(t, s.ServerFinal([]byte(rfcServerFinal)))
	assert.ErrorIs(t, s.ServerFinal([]byte(rfcServerFinal)), auth.ErrOutOfOrder)
	assert.False(t, s.Done())
}

// Nonces are random, base64 and long enough; a given one is checked; the
// user name is escaped; a failing random source is reported.
func TestSCRAMNonceAndUser(t *testing.T) {
	a, err := auth.NewSCRAM("", "pw")
	require.NoError(t, err)
	b, err := auth.NewSCRAM("", "pw")
	require.NoError(t, err)
	fa, err := a.ClientFirst()
	require.NoError(t, err)
	fb, err := b.ClientFirst()
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(fa, []byte("n,,n=,r=")), "%s", fa)
	assert.Len(t, fa, len("n,,n=,r=")+24)
	assert.NotEqual(t, fa, fb)

	for _, nonce := range []string{"", "a,b", "a b", "caf\xc3\xa9"} {
		_, err := auth.NewSCRAMWithNonce("u", "pw", nonce)
		assert.ErrorIs(t, err, auth.ErrBadNonce, "%q", nonce)
	}

	s, err := auth.NewSCRAMWithNonce("a=b,c", "pw", "xyz")
	require.NoError(t, err)
	first, err := s.ClientFirst()
	require.NoError(t, err)
	assert.Equal(t, "n,,n=a=3Db=2Cc,r=xyz", string(first))

	_, err = auth.NewSCRAMFrom("", "pw", iotest.ErrReader(errors.New("no entropy")))
	assert.ErrorContains(t, err, "no entropy")
	s, err = auth.NewSCRAMFrom("", "pw", strings.NewReader(strings.Repeat("\x00", 18)))
	require.NoError(t, err)
	first, err = s.ClientFirst()
	require.NoError(t, err)
	assert.Equal(t, "n,,n=,r=AAAAAAAAAAAAAAAAAAAAAAAA", string(first))
	_, err = auth.NewSCRAMFrom("", "pw", rand.Reader)
	require.NoError(t, err)
}

// No server message makes the client panic, and only the true server-final
// message completes the exchange.
func FuzzSCRAMServerMessages(f *testing.F) {
	f.Add([]byte(rfcServerFirst), []byte(rfcServerFinal))
	f.Add([]byte(rfcServerFirst), []byte("e=other-error"))
	f.Add([]byte("r="+rfcNonce+"x,s=,i=1"), []byte("v="))
	f.Add([]byte("r=,s=,i="), []byte(""))
	f.Add([]byte("r="+rfcNonce+"x,s=AA==,i=1,ext=1"), []byte("v=AA==,x"))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		s, err := auth.NewSCRAMWithNonce("user", "pencil", rfcNonce)
		require.NoError(t, err)
		_, err = s.ClientFirst()
		require.NoError(t, err)
		if _, err := s.ServerFirst(first); err != nil {
			assert.False(t, s.Done())
			return
		}
		err = s.ServerFinal(final)
		assert.Equal(t, err == nil, s.Done())
		if err == nil {
			assert.Equal(t, rfcServerFirst, string(first))
			assert.Equal(t, rfcServerFinal, string(final[:len(rfcServerFinal)]))
		}
	})
}
