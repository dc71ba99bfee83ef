package auth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/f2bac256/bedrock/protocol/pgwire/auth"
)

// The expected values were computed by PostgreSQL 15 itself:
//
//	SELECT 'md5' || md5(convert_to(md5('pencil' || 'user'), 'UTF8') || '\x01020304'::bytea)
//
// and likewise for the second, whose salt is not valid UTF-8.
func TestMD5Password(t *testing.T) {
	assert.Equal(t, "md54376eb6913b38f9aaff38dc7cf19ca76", auth.MD5Password("user", "pencil", [4]byte{1, 2, 3, 4}))
	assert.Equal(t, "md561763a99bef1a4fe36ec182f466b7288", auth.MD5Password("md5_user", "md5-secret", [4]byte{0xff, 0x00, 0xa5, 0x7f}))
	// The user is part of the hash, and so is the salt.
	assert.NotEqual(t, auth.MD5Password("user", "pencil", [4]byte{1, 2, 3, 4}), auth.MD5Password("usr", "pencil", [4]byte{1, 2, 3, 4}))
	assert.NotEqual(t, auth.MD5Password("user", "pencil", [4]byte{1, 2, 3, 4}), auth.MD5Password("user", "pencil", [4]byte{1, 2, 3, 5}))
}
