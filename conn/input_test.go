package conn_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/duplex"
	"github.com/f2bac256/bedrock/internal/conntest"
	"github.com/f2bac256/bedrock/internal/testkit"
)

var lineEcho = conntest.LineEcho

func TestInputHandlerServes(t *testing.T) {
	s := &conn.Server{InputHandler: lineEcho}
	f, l, served := serve(t, s)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, rw := dial(t, f, l)
			defer c.Close()
			r := bufio.NewReader(rw)
			for j := range 20 {
				line := strings.Repeat(string(rune('a'+i)), j*50+1) + "\n"
				// A line in two writes: the handler sees a partial one first.
				_, err := io.WriteString(rw, line[:len(line)/2])
				require.NoError(t, err)
				_, err = io.WriteString(rw, line[len(line)/2:])
				require.NoError(t, err)
				got, err := r.ReadString('\n')
				require.NoError(t, err)
				assert.Equal(t, line, got)
			}
			_, err := io.WriteString(rw, "quit\n")
			require.NoError(t, err)
			rest, err := io.ReadAll(r)
			assert.NoError(t, err, "the server closes gracefully")
			assert.Empty(t, rest)
		}()
	}
	wg.Wait()
	require.NoError(t, s.Shutdown(testkit.Context(t)))
	assert.ErrorIs(t, <-served, conn.ErrServerClosed)
}

func TestInputHandlerSeesTheEnd(t *testing.T) {
	ended := make(chan struct{})
	s := &conn.Server{InputHandler: conn.InputHandlerFunc(func(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
		err := lineEcho(ctx, c, p)
		if errors.Is(err, io.EOF) {
			close(ended)
		}
		return err
	})}
	f, l, _ := serve(t, s)
	c, rw := dial(t, f, l)
	_, err := io.WriteString(rw, "last\n")
	require.NoError(t, err)
	got, err := bufio.NewReader(rw).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "last\n", got)
	require.NoError(t, c.Close())
	testkit.RequireDone(t, ended)
	require.NoError(t, s.Shutdown(testkit.Context(t)))
}

func TestInputHandlerShutdownEndsIdleConnections(t *testing.T) {
	s := &conn.Server{InputHandler: lineEcho}
	f, l, _ := serve(t, s)
	c, rw := dial(t, f, l)
	defer c.Close()
	_, err := io.WriteString(rw, "hello\n")
	require.NoError(t, err)
	r := bufio.NewReader(rw)
	_, err = r.ReadString('\n')
	require.NoError(t, err)
	require.NoError(t, s.Shutdown(testkit.Context(t)))
	rest, err := io.ReadAll(r)
	assert.NoError(t, err, "closed gracefully")
	assert.Empty(t, rest)
}

func TestPanickingInputHandlerDoesNotStopTheServer(t *testing.T) {
	logger, logs := testkit.NewLogger(slog.LevelInfo)
	s := &conn.Server{InputHandler: lineEcho, Logger: logger}
	f, l, _ := serve(t, s)
	c, rw := dial(t, f, l)
	defer c.Close()
	_, err := io.WriteString(rw, "panic\n")
	require.NoError(t, err)
	_, err = io.ReadAll(rw)
	assert.Error(t, err, "the connection is aborted")
	logs.RequireOne(t, "conn: input handler panicked")

	c2, rw2 := dial(t, f, l)
	defer c2.Close()
	_, err = io.WriteString(rw2, "still here\n")
	require.NoError(t, err)
	got, err := bufio.NewReader(rw2).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "still here\n", got)
	require.NoError(t, s.Shutdown(testkit.Context(t)))
}

func TestServerNeedsOneHandler(t *testing.T) {
	for name, s := range map[string]*conn.Server{
		"none": {},
		"both": {Handler: echo, InputHandler: lineEcho},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, served := serve(t, s)
			err := <-served
			require.Error(t, err)
			assert.Contains(t, err.Error(), "exactly one of Handler and InputHandler")
		})
	}
}
