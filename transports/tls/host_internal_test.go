package tls

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHostOf(t *testing.T) {
	for addr, host := range map[string]string{
		"localhost:443":   "localhost",
		"localhost":       "localhost",
		"127.0.0.1:853":   "127.0.0.1",
		"[::1]:443":       "::1",
		"[::1]":           "::1",
		"example.com:":    "example.com",
		":443":            "",
		"db.internal":     "db.internal",
		"[fe80::1%lo]:80": "fe80::1%lo",
	} {
		assert.Equal(t, host, hostOf(addr), addr)
	}
}
