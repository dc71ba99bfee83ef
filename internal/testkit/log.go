package testkit

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// LogBuffer collects text log records written from any goroutine, for
// tests to search.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Lines returns the records logged so far.
func (b *LogBuffer) Lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.buf.String()), "\n")
}

// Find returns the records whose message is msg and that contain every
// one of attrs ("key=value").
func (b *LogBuffer) Find(msg string, attrs ...string) []string {
	var found []string
	m := "msg=" + msg
	if strings.Contains(msg, " ") {
		m = `msg="` + msg + `"`
	}
next:
	for _, line := range b.Lines() {
		if !strings.Contains(line, " "+m+" ") && !strings.HasSuffix(line, " "+m) {
			continue
		}
		for _, a := range attrs {
			if !strings.Contains(line, " "+a) {
				continue next
			}
		}
		found = append(found, line)
	}
	return found
}

// RequireOne fails t unless exactly one record matches, and returns it.
func (b *LogBuffer) RequireOne(t testing.TB, msg string, attrs ...string) string {
	t.Helper()
	found := b.Find(msg, attrs...)
	require.Len(t, found, 1, "records %q with %q in:\n%s", msg, attrs, strings.Join(b.Lines(), "\n"))
	return found[0]
}

// NewLogger returns a text logger at level whose records go to a new
// LogBuffer.
func NewLogger(level slog.Level) (*slog.Logger, *LogBuffer) {
	b := new(LogBuffer)
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: level})), b
}
