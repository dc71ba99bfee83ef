package testkit

import (
	"net"
	"os"
	"os/exec"
	"testing"
)

// RequirePeers reports whether tests that need a real peer program must run
// rather than skip: BEDROCK_REQUIRE_PEERS=1, as CI sets after installing them.
func RequirePeers() bool { return os.Getenv("BEDROCK_REQUIRE_PEERS") == "1" }

// Peer returns the path of the peer program name (redis-server, initdb...),
// looked up on PATH and then in dirs. Without it the test is skipped with a
// message naming the Debian package that provides it, or fails when
// RequirePeers is true.
func Peer(tb testing.TB, name, debianPackage string, dirs ...string) string {
	tb.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	for _, dir := range dirs {
		path := dir + string(os.PathSeparator) + name
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return path
		}
	}
	if RequirePeers() {
		tb.Fatalf("%s not installed (BEDROCK_REQUIRE_PEERS=1): apt-get install %s", name, debianPackage)
	}
	tb.Skipf("%s not installed: apt-get install %s (set BEDROCK_REQUIRE_PEERS=1 to fail instead)", name, debianPackage)
	return ""
}

// SkipPeer skips the test with a message about the peer, or fails it when
// RequirePeers is true: for a peer that is installed but cannot do what the
// test needs.
func SkipPeer(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if RequirePeers() {
		tb.Fatalf(format, args...)
	}
	tb.Skipf(format, args...)
}

// FreePort returns a loopback TCP port that was free a moment ago, for a
// peer program that must be told its port.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testkit: free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		tb.Fatalf("testkit: free port: %v", err)
	}
	return port
}
