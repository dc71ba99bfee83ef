package socks5_test

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/socks5"
)

func TestConfigAndAddressErrors(t *testing.T) {
	long := strings.Repeat("x", 256)
	cases := []struct {
		name   string
		cfg    socks5.Config
		target net.Addr
		text   string
	}{
		{"no proxy", socks5.Config{}, targetIPv4, "no proxy configured"},
		{"nil target", noAuthConfig, nil, "nil address"},
		{"username too long", socks5.Config{Proxy: proxyAddr, Username: long}, targetIPv4, "username of 256 bytes"},
		{"password without username", socks5.Config{Proxy: proxyAddr, Password: "p"}, targetIPv4, "username of 0 bytes"},
		{"password too long", socks5.Config{Proxy: proxyAddr, Username: "u", Password: long}, targetIPv4, "password of 256 bytes"},
		{"no port", noAuthConfig, socks5.Addr("example.com"), "missing port"},
		{"bad port", noAuthConfig, socks5.Addr("example.com:65536"), `bad port "65536"`},
		{"named port", noAuthConfig, socks5.Addr("example.com:http"), `bad port "http"`},
		{"empty host", noAuthConfig, socks5.Addr(":80"), "host name of 0 bytes"},
		{"host too long", noAuthConfig, socks5.Addr(long + ":80"), "host name of 256 bytes"},
		{"not TCP", noAuthConfig, &net.UnixAddr{Name: "/tmp/x", Net: "unix"}, `network "unix"`},
		{"UDP", noAuthConfig, &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 53}, `network "udp"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lower := newPipeProxy(t, func(net.Conn) { t.Error("dialed") })
			f := conn.Chain(lower, socks5.Layer(tc.cfg))
			_, err := f.Connect(testkit.Context(t), tc.target, conn.Properties{})
			assert.ErrorContains(t, err, tc.text)
			assert.Equal(t, int32(0), lower.dials.Load(), "a bad request fails before dialing")
		})
	}
}

// TestConfigFromProperties checks that a Config among Connect's props
// replaces the layer's.
func TestConfigFromProperties(t *testing.T) {
	lower := newPipeProxy(t, func(c net.Conn) {
		ok := assert.True(t, expect(c, greetAuth...)) && send(c, 5, 2)
		if ok && assert.True(t, expect(c, 1, 5, 's', 't', 'r', 'm', '1', 1, 'x'), "the per-call credentials") {
			c.Write([]byte{1, 0})
			if expect(c, connectIPv4...) {
				c.Write(replyOKIPv4)
			}
		}
		expectClosed(t, c)
	})
	other := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 9050}
	f := conn.Chain(lower, socks5.Layer(socks5.Config{Proxy: proxyAddr, Username: "default", Password: "x"}))
	props := conn.With(conn.Properties{}, socks5.Config{Proxy: other, Username: "strm1", Password: "x"})
	c, err := f.Connect(testkit.Context(t), targetIPv4, props)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, other, lower.dialed.Load())
	info, _ := conn.Get[*socks5.Info](c.Properties())
	assert.Equal(t, other, info.Proxy)
}
