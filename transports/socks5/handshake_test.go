package socks5_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/socks5"
)

// pipeProxy is a lower conn.Factory whose Connect returns one end of a
// net.Pipe, the other end played by script on its own goroutine: a fake
// proxy that checks the bytes the client sends and answers what the test
// wants.
type pipeProxy struct {
	script func(c net.Conn)
	dials  atomic.Int32
	aborts atomic.Int32 // of connections to the proxy whose stream was open
	dialed atomic.Value // the net.Addr last dialed
	wg     sync.WaitGroup
}

// lowerKey is a property of pipeProxy's connections, to see it pass
// through the layer.
type lowerKey struct{}

func newPipeProxy(t *testing.T, script func(c net.Conn)) *pipeProxy {
	p := &pipeProxy{script: script}
	t.Cleanup(p.wg.Wait)
	return p
}

func (p *pipeProxy) Connect(ctx context.Context, addr net.Addr, props conn.Properties) (conn.Connection, error) {
	p.dials.Add(1)
	p.dialed.Store(addr)
	client, server := net.Pipe()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer server.Close()
		server.SetDeadline(time.Now().Add(testkit.Wait)) // a broken test fails, not hangs
		p.script(server)
	}()
	return conn.New(conn.Base{
		Stream: client, Properties: conn.With(props, lowerKey{}),
		Abort: func(error) {
			// A layer that closed the stream first would turn a
			// transport's reset into a graceful close.
			if client.SetDeadline(time.Time{}) == nil {
				p.aborts.Add(1)
			}
			client.Close()
		},
	}), nil
}

func (p *pipeProxy) Bind(context.Context, net.Addr, conn.Properties) (conn.Listener, error) {
	return nil, errors.New("pipeProxy: no Bind")
}

// expect reads len(want) bytes from c and checks they are want.
func expect(c net.Conn, want ...byte) bool {
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		return false
	}
	return bytes.Equal(got, want)
}

// send writes b to c and reports whether it could.
func send(c net.Conn, b ...byte) bool {
	_, err := c.Write(b)
	return err == nil
}

// expectClosed checks that the client closed c (it aborts the connection
// to the proxy when the handshake fails).
func expectClosed(t *testing.T, c net.Conn) {
	_, err := c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the client closes the connection to the proxy")
}

var (
	greetNoAuth  = []byte{5, 1, 0}
	greetAuth    = []byte{5, 2, 0, 2}
	connectIPv4  = []byte{5, 1, 0, 1, 192, 0, 2, 1, 0, 80}
	targetIPv4   = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 80}
	proxyAddr    = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1080}
	replyOKIPv4  = []byte{5, 0, 0, 1, 10, 0, 0, 1, 0x04, 0x38} // bound 10.0.0.1:1080
	boundOKIPv4  = &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1).To4(), Port: 1080}
	errMismatch  = "the client sent unexpected bytes"
	noAuthConfig = socks5.Config{Proxy: proxyAddr}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestHandshakeMessages(t *testing.T) {
	ipv6 := net.ParseIP("2001:db8::1")
	cases := []struct {
		name      string
		cfg       socks5.Config
		target    net.Addr
		greeting  []byte
		method    byte
		auth      []byte // expected after the method selection, if any
		connect   []byte
		reply     []byte
		wantBound net.Addr
	}{{
		name: "IPv4 target, IPv4 bound", cfg: noAuthConfig, target: targetIPv4,
		greeting: greetNoAuth, method: 0, connect: connectIPv4,
		reply: replyOKIPv4, wantBound: boundOKIPv4,
	}, {
		name: "IPv6 target, IPv6 bound", cfg: noAuthConfig, target: &net.TCPAddr{IP: ipv6, Port: 443},
		greeting: greetNoAuth, method: 0,
		connect:   cat([]byte{5, 1, 0, 4}, ipv6, []byte{1, 0xbb}),
		reply:     cat([]byte{5, 0, 0, 4}, ipv6, []byte{0xff, 0xfe}),
		wantBound: &net.TCPAddr{IP: ipv6, Port: 0xfffe},
	}, {
		name: "domain target, domain bound", cfg: noAuthConfig, target: socks5.Addr("example.com:8080"),
		greeting: greetNoAuth, method: 0,
		connect:   cat([]byte{5, 1, 0, 3, 11}, []byte("example.com"), []byte{0x1f, 0x90}),
		reply:     cat([]byte{5, 0, 0, 3, 14}, []byte("proxy.internal"), []byte{0x0f, 0xa0}),
		wantBound: socks5.Addr("proxy.internal:4000"),
	}, {
		name: "IPv4-mapped IPv6 target is sent as IPv4", cfg: noAuthConfig,
		target:   socks5.Addr("[::ffff:192.0.2.1]:80"),
		greeting: greetNoAuth, method: 0, connect: connectIPv4,
		reply: replyOKIPv4, wantBound: boundOKIPv4,
	}, {
		name: "username and password", cfg: socks5.Config{Proxy: proxyAddr, Username: "user", Password: "pass"},
		target: targetIPv4, greeting: greetAuth, method: 2,
		auth:    cat([]byte{1, 4}, []byte("user"), []byte{4}, []byte("pass")),
		connect: connectIPv4, reply: replyOKIPv4, wantBound: boundOKIPv4,
	}, {
		name: "empty password", cfg: socks5.Config{Proxy: proxyAddr, Username: "user"},
		target: targetIPv4, greeting: greetAuth, method: 2,
		auth:    cat([]byte{1, 4}, []byte("user"), []byte{0}),
		connect: connectIPv4, reply: replyOKIPv4, wantBound: boundOKIPv4,
	}, {
		name: "credentials the proxy does not ask for", cfg: socks5.Config{Proxy: proxyAddr, Username: "user", Password: "pass"},
		target: targetIPv4, greeting: greetAuth, method: 0, connect: connectIPv4,
		reply: replyOKIPv4, wantBound: boundOKIPv4,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lower := newPipeProxy(t, func(c net.Conn) {
				if !assert.True(t, expect(c, tc.greeting...), errMismatch) {
					return
				}
				c.Write([]byte{5, tc.method})
				if tc.auth != nil {
					if !assert.True(t, expect(c, tc.auth...), errMismatch) {
						return
					}
					c.Write([]byte{1, 0})
				}
				if !assert.True(t, expect(c, tc.connect...), errMismatch) {
					return
				}
				// The target's first bytes come with the reply: the
				// client must leave them to the user.
				c.Write(cat(tc.reply, []byte("hello")))
				expectClosed(t, c)
			})
			f := conn.Chain(lower, socks5.Layer(tc.cfg))
			c, err := f.Connect(testkit.Context(t), tc.target, conn.Properties{})
			require.NoError(t, err)
			defer c.Close()

			assert.Equal(t, proxyAddr, lower.dialed.Load(), "the lower factory dials the proxy")
			assert.Equal(t, tc.target, c.RemoteAddr())
			info, ok := conn.Get[*socks5.Info](c.Properties())
			require.True(t, ok, "the connection exposes *socks5.Info")
			assert.Equal(t, proxyAddr, info.Proxy)
			assert.Equal(t, tc.method, info.Method)
			assert.Equal(t, tc.wantBound.String(), info.Bound.String())
			assert.IsType(t, tc.wantBound, info.Bound)
			_, ok = conn.Get[lowerKey](c.Properties())
			assert.True(t, ok, "the lower connection's properties pass through")

			s, err := c.Stream()
			require.NoError(t, err)
			assert.Equal(t, tc.target, s.RemoteAddr(), "the stream is addressed to the target")
			_, halfClosable := s.(interface{ CloseWrite() error })
			assert.False(t, halfClosable, "a net.Pipe has no CloseWrite, nor has its wrapper")
			got := make([]byte, 5)
			_, err = io.ReadFull(s, got)
			require.NoError(t, err)
			assert.Equal(t, "hello", string(got))
		})
	}
}

// replyWith returns a fake proxy that accepts no authentication and
// answers CONNECT with reply.
func replyWith(t *testing.T, reply []byte) func(net.Conn) {
	return func(c net.Conn) {
		if !expect(c, greetNoAuth...) {
			t.Error(errMismatch)
			return
		}
		c.Write([]byte{5, 0})
		if !expect(c, connectIPv4...) {
			t.Error(errMismatch)
			return
		}
		c.Write(reply)
		expectClosed(t, c)
	}
}

func TestReplyCodes(t *testing.T) {
	texts := map[byte]string{
		socks5.ReplyGeneralFailure:          "general SOCKS server failure",
		socks5.ReplyNotAllowed:              "connection not allowed by ruleset",
		socks5.ReplyNetworkUnreachable:      "network unreachable",
		socks5.ReplyHostUnreachable:         "host unreachable",
		socks5.ReplyConnectionRefused:       "connection refused",
		socks5.ReplyTTLExpired:              "TTL expired",
		socks5.ReplyCommandNotSupported:     "command not supported",
		socks5.ReplyAddressTypeNotSupported: "address type not supported",
		0x09:                                "unknown reply code",
		0xff:                                "unknown reply code",
	}
	assert.Equal(t, byte(5), socks5.ReplyConnectionRefused)
	assert.Equal(t, byte(8), socks5.ReplyAddressTypeNotSupported)
	for code, text := range texts {
		t.Run(fmt.Sprintf("%d %s", code, text), func(t *testing.T) {
			lower := newPipeProxy(t, replyWith(t, []byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0}))
			f := conn.Chain(lower, socks5.Layer(noAuthConfig))
			_, err := f.Connect(testkit.Context(t), targetIPv4, conn.Properties{})
			var re *socks5.ReplyError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, code, re.Code)
			assert.ErrorContains(t, err, text)
			assert.ErrorContains(t, err, "socks5: connect 192.0.2.1:80 via 127.0.0.1:1080: ")
			assert.Equal(t, int32(1), lower.aborts.Load(), "a failed handshake aborts the connection to the proxy")
		})
	}
}

func TestCloseAndAbortReachLower(t *testing.T) {
	ok := func(c net.Conn) {
		if expect(c, greetNoAuth...) && send(c, 5, 0) && expect(c, connectIPv4...) {
			c.Write(replyOKIPv4)
		}
		expectClosed(t, c)
	}
	ctx := testkit.Context(t)
	lower := newPipeProxy(t, ok)
	f := conn.Chain(lower, socks5.Layer(noAuthConfig))

	c, err := f.Connect(ctx, targetIPv4, conn.Properties{})
	require.NoError(t, err)
	assert.NoError(t, c.Close())
	assert.Equal(t, int32(0), lower.aborts.Load(), "Close closes the connection to the proxy")

	c, err = f.Connect(ctx, targetIPv4, conn.Properties{})
	require.NoError(t, err)
	c.Abort(errors.New("enough"))
	assert.Equal(t, int32(1), lower.aborts.Load(), "Abort aborts the connection to the proxy")
	_, err = c.Stream()
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestMalformedExchanges(t *testing.T) {
	cases := []struct {
		name   string
		cfg    socks5.Config
		script func(c net.Conn) // after reading the greeting
		is     error
		text   string
	}{{
		name:   "not SOCKS5",
		script: func(c net.Conn) { c.Write([]byte{4, 0}) },
		text:   "method selection: version 4, want 5: not a SOCKS5 proxy",
	}, {
		name:   "no acceptable method",
		script: func(c net.Conn) { c.Write([]byte{5, 0xff}) },
		is:     socks5.ErrNoAcceptableMethods,
	}, {
		name:   "username/password not offered",
		script: func(c net.Conn) { c.Write([]byte{5, 2}) },
		text:   "the proxy chose username/password authentication, which was not offered",
	}, {
		name:   "GSSAPI not offered",
		script: func(c net.Conn) { c.Write([]byte{5, 1}) },
		text:   "authentication method 0x01, which was not offered",
	}, {
		name: "credentials rejected",
		cfg:  socks5.Config{Username: "u", Password: "p"},
		script: func(c net.Conn) {
			c.Write([]byte{5, 2})
			if expect(c, 1, 1, 'u', 1, 'p') {
				c.Write([]byte{1, 1})
			}
		},
		is: socks5.ErrAuthFailed,
	}, {
		name: "bad authentication version",
		cfg:  socks5.Config{Username: "u", Password: "p"},
		script: func(c net.Conn) {
			c.Write([]byte{5, 2})
			if expect(c, 1, 1, 'u', 1, 'p') {
				c.Write([]byte{5, 0})
			}
		},
		text: "authentication status: version 5, want 1",
	}, {
		name: "bad reply version",
		script: func(c net.Conn) {
			c.Write([]byte{5, 0})
			if expect(c, connectIPv4...) {
				c.Write([]byte{4, 0, 0, 1, 0, 0, 0, 0, 0, 0})
			}
		},
		text: "reply: version 4, want 5",
	}, {
		name: "unknown address type",
		script: func(c net.Conn) {
			c.Write([]byte{5, 0})
			if expect(c, connectIPv4...) {
				c.Write([]byte{5, 0, 0, 9, 0, 0, 0, 0, 0, 0})
			}
		},
		text: "unknown address type 9",
	}, {
		name:   "hang up before the method selection",
		script: func(c net.Conn) {},
		is:     io.ErrUnexpectedEOF,
		text:   "read method selection",
	}, {
		name: "hang up in the middle of the bound address",
		script: func(c net.Conn) {
			c.Write([]byte{5, 0})
			if expect(c, connectIPv4...) {
				c.Write([]byte{5, 0, 0, 3, 10, 'a', 'b'})
			}
		},
		is:   io.ErrUnexpectedEOF,
		text: "read reply: bound address",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lower := newPipeProxy(t, func(c net.Conn) {
				greeting := greetNoAuth
				if tc.cfg.Username != "" {
					greeting = greetAuth
				}
				if !assert.True(t, expect(c, greeting...), errMismatch) {
					return
				}
				tc.script(c)
			})
			tc.cfg.Proxy = proxyAddr
			f := conn.Chain(lower, socks5.Layer(tc.cfg))
			c, err := f.Connect(testkit.Context(t), targetIPv4, conn.Properties{})
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorContains(t, err, "socks5: connect 192.0.2.1:80 via 127.0.0.1:1080: ")
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if tc.text != "" {
				assert.ErrorContains(t, err, tc.text)
			}
		})
	}
}

// silent is a fake proxy that reads the greeting and never answers.
func silent(t *testing.T) func(net.Conn) {
	return func(c net.Conn) {
		assert.True(t, expect(c, greetNoAuth...))
		expectClosed(t, c)
	}
}

func TestHandshakeHonoursContext(t *testing.T) {
	t.Run("deadline", func(t *testing.T) {
		f := conn.Chain(newPipeProxy(t, silent(t)), socks5.Layer(noAuthConfig))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := f.Connect(ctx, targetIPv4, conn.Properties{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), testkit.Wait/2, "the deadline interrupts the handshake")
	})
	t.Run("canceled", func(t *testing.T) {
		f := conn.Chain(newPipeProxy(t, silent(t)), socks5.Layer(noAuthConfig))
		ctx, cancel := context.WithCancel(context.Background())
		var err error
		done := testkit.Async(func() { _, err = f.Connect(ctx, targetIPv4, conn.Properties{}) })
		testkit.RequireBlocked(t, done)
		cancel()
		testkit.RequireDone(t, done)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("canceled before", func(t *testing.T) {
		lower := newPipeProxy(t, func(c net.Conn) { expectClosed(t, c) })
		f := conn.Chain(lower, socks5.Layer(noAuthConfig))
		_, err := f.Connect(testkit.Canceled(), targetIPv4, conn.Properties{})
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("cleared after", func(t *testing.T) {
		late := make(chan struct{})
		lower := newPipeProxy(t, func(c net.Conn) {
			if expect(c, greetNoAuth...) && send(c, 5, 0) && expect(c, connectIPv4...) {
				c.Write(replyOKIPv4)
				<-late
				c.Write([]byte("late"))
			}
			expectClosed(t, c)
		})
		f := conn.Chain(lower, socks5.Layer(noAuthConfig))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		c, err := f.Connect(ctx, targetIPv4, conn.Properties{})
		require.NoError(t, err)
		defer c.Close()
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // past the deadline, even by a coarse clock
		close(late)
		s, err := c.Stream()
		require.NoError(t, err)
		got := make([]byte, 4)
		_, err = io.ReadFull(s, got)
		require.NoError(t, err, "neither ctx's deadline nor its end reaches the connection")
		assert.Equal(t, "late", string(got))
	})
}
