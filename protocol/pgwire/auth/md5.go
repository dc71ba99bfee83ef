// Package auth computes the client's side of PostgreSQL password
// authentication: the salted MD5 hash that answers AuthenticationMD5Password,
// and the SCRAM-SHA-256 exchange (RFC 5802 with RFC 7677's hash) that answers
// AuthenticationSASL. Cleartext passwords need nothing from it: the password
// itself is the answer.
//
// It only computes messages; carrying them is the job of the pgwire codec:
// the SCRAM client-first message goes in a SASLInitialResponse together with
// the mechanism name [SCRAMSHA256], the client-final message in a
// SASLResponse, and the server's messages arrive in
// AuthenticationSASLContinue and AuthenticationSASLFinal.
package auth

import (
	"crypto/md5"
	"encoding/hex"
)

// MD5Password returns the answer to an AuthenticationMD5Password request
// carrying salt, as PostgreSQL computes it:
// "md5" + md5hex(md5hex(password + user) + salt), where md5hex is the
// lowercase hexadecimal MD5 digest. The inner digest, prefixed with "md5", is
// what the server stores in pg_authid for a role whose password was set with
// password_encryption = 'md5'. user is the role name sent in the startup
// message.
func MD5Password(user, password string, salt [4]byte) string {
	inner := md5.Sum([]byte(password + user))
	var buf [32 + 4]byte
	hex.Encode(buf[:32], inner[:])
	copy(buf[32:], salt[:])
	outer := md5.Sum(buf[:])
	return "md5" + hex.EncodeToString(outer[:])
}
