package conn_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
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
	s := &conn.Server{NewInput: conntest.Input(lineEcho)}
	f, l, served := serve(t, s)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, rw := dial(t, f, l)
			defer c.Close()
			conntest.TalkToLineEcho(t, rw, rune('a'+i), 20, 50)
		}()
	}
	wg.Wait()
	require.NoError(t, s.Shutdown(testkit.Context(t)))
	assert.ErrorIs(t, <-served, conn.ErrServerClosed)
}

func TestInputHandlerSeesTheEnd(t *testing.T) {
	ended := make(chan struct{})
	s := &conn.Server{NewInput: conntest.Input(conn.InputHandlerFunc(func(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
		err := lineEcho(ctx, c, p)
		if errors.Is(err, io.EOF) {
			close(ended)
		}
		return err
	}))}
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
	s := &conn.Server{NewInput: conntest.Input(lineEcho)}
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
	s := &conn.Server{NewInput: conntest.Input(lineEcho), Logger: logger}
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
		"both": {Handler: echo, NewInput: conntest.Input(lineEcho)},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, served := serve(t, s)
			err := <-served
			require.Error(t, err)
			assert.Contains(t, err.Error(), "exactly one of Handler and NewInput")
		})
	}
}

// lineCounter answers each whole line with how many lines its connection
// sent so far: state of its own per connection.
type lineCounter struct{ lines int }

func (lc *lineCounter) ServeInput(ctx context.Context, c conn.Connection, p duplex.Pipe) error {
	res, ok, err := p.Input().TryRead()
	if err != nil || !ok {
		return err
	}
	consumed := res.Buffer.Start()
	for {
		i := res.Buffer.SliceFrom(consumed).IndexByte('\n')
		if i < 0 {
			break
		}
		consumed = res.Buffer.SliceFrom(consumed).PositionAt(int64(i + 1))
		lc.lines++
		fmt.Fprintf(p.Output(), "%d\n", lc.lines)
	}
	p.Input().AdvanceTo(consumed, res.Buffer.End())
	if _, err := p.Output().Flush(ctx); err != nil {
		return err
	}
	if res.Completed {
		return io.EOF
	}
	return nil
}

func TestNewInputGivesEachConnectionItsState(t *testing.T) {
	var made atomic.Int32
	s := &conn.Server{NewInput: func(conn.Connection) conn.InputHandler {
		made.Add(1)
		return &lineCounter{}
	}}
	f, l, _ := serve(t, s)
	for range 3 {
		c, rw := dial(t, f, l)
		r := bufio.NewReader(rw)
		for want := 1; want <= 3; want++ {
			_, err := io.WriteString(rw, "x\n")
			require.NoError(t, err)
			got, err := r.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("%d\n", want), got)
		}
		require.NoError(t, c.Close())
	}
	require.NoError(t, s.Shutdown(testkit.Context(t)))
	assert.EqualValues(t, 3, made.Load())
}
