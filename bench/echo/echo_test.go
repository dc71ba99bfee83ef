package echo_test

import (
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/bench/echo"
)

// netpoll's pollers start on first use and live as long as the process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"),
	)
}

// TestEchoImplementations runs a few pipelined messages through every
// server and checks every echoed byte.
func TestEchoImplementations(t *testing.T) {
	names := []string{"bedrock-socket", "bedrock-socket-input", "net-bufio"}
	if (runtime.GOOS == "linux" || runtime.GOOS == "darwin") &&
		(runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") {
		names = append(names, "bedrock-netpoll", "bedrock-netpoll-input", "bedrock-netpoll-stream", "raw-netpoll")
	}
	require.Len(t, echo.Impls(), len(names))
	for _, name := range names {
		t.Run("impl="+name, func(t *testing.T) {
			impl, ok := echo.Lookup(name)
			require.True(t, ok)
			s, err := impl.Start()
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			cs, err := echo.Dial(s.Addr(), 8)
			require.NoError(t, err)
			defer cs.Close()
			for range 3 { // the connections are reused
				require.NoError(t, cs.Run(8*100+5, true, 10*time.Second))
			}
		})
	}
}

// TestClientDetectsBadEcho makes sure the client's checks can fail: a
// server that changes one payload byte fails a full check, one that
// changes a sequence number fails any run, and closed connections fail.
func TestClientDetectsBadEcho(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   int // the byte the server flips
		full bool
	}{{"payload", 100, true}, {"sequence", 0, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			done := make(chan struct{})
			go func() {
				defer close(done)
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				msg := make([]byte, echo.MsgSize)
				for {
					if _, err := io.ReadFull(c, msg); err != nil {
						return
					}
					msg[tc.at] ^= 1
					if _, err := c.Write(msg); err != nil {
						return
					}
				}
			}()
			cs, err := echo.Dial(ln.Addr(), 1)
			require.NoError(t, err)
			assert.Error(t, cs.Run(3, tc.full, 5*time.Second))
			cs.Close()
			<-done
		})
	}

	impl, _ := echo.Lookup("net-bufio")
	s, err := impl.Start()
	require.NoError(t, err)
	defer s.Close()
	cs, err := echo.Dial(s.Addr(), 2)
	require.NoError(t, err)
	require.NoError(t, cs.Run(2, true, 5*time.Second))
	cs.Close()
	assert.Error(t, cs.Run(2, true, time.Second), "closed connections fail the run")
}
