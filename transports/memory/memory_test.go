package memory_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/internal/testkit"
	"github.com/f2bac256/bedrock/transports/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBindAndConnectErrors(t *testing.T) {
	var f memory.Factory
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("db"), conn.Properties{})
	require.NoError(t, err)
	_, err = f.Bind(ctx, memory.Addr("db"), conn.Properties{})
	assert.ErrorIs(t, err, memory.ErrAddressInUse)
	assert.ErrorContains(t, err, `"db"`)

	_, err = f.Connect(ctx, memory.Addr("nobody"), conn.Properties{})
	assert.ErrorIs(t, err, memory.ErrConnectionRefused)

	var other memory.Factory
	_, err = other.Connect(ctx, memory.Addr("db"), conn.Properties{})
	assert.ErrorIs(t, err, memory.ErrConnectionRefused, "factories are separate namespaces")

	require.NoError(t, l.Close())
	assert.ErrorIs(t, l.Close(), net.ErrClosed)
	_, err = f.Connect(ctx, memory.Addr("db"), conn.Properties{})
	assert.ErrorIs(t, err, memory.ErrConnectionRefused, "a closed listener unbinds its name")
	l, err = f.Bind(ctx, memory.Addr("db"), conn.Properties{})
	require.NoError(t, err, "and the name can be bound again")
	l.Close()
}

func TestAnonymousNamesAreUnique(t *testing.T) {
	var f memory.Factory
	ctx := testkit.Context(t)
	a, err := f.Bind(ctx, memory.Addr(""), conn.Properties{})
	require.NoError(t, err)
	defer a.Close()
	b, err := f.Bind(ctx, nil, conn.Properties{})
	require.NoError(t, err)
	defer b.Close()
	assert.NotEqual(t, a.Addr(), b.Addr())
	assert.Equal(t, "memory", a.Addr().Network())
}

func TestAcceptHonoursContextAndClose(t *testing.T) {
	var f memory.Factory
	l, err := f.Bind(testkit.Context(t), memory.Addr("x"), conn.Properties{})
	require.NoError(t, err)
	_, err = l.Accept(testkit.Canceled())
	assert.ErrorIs(t, err, context.Canceled)

	var acceptErr error
	done := testkit.Async(func() { _, acceptErr = l.Accept(testkit.Context(t)) })
	testkit.RequireBlocked(t, done)
	l.Close()
	testkit.RequireDone(t, done)
	assert.ErrorIs(t, acceptErr, net.ErrClosed)
}

func TestCloseAbortsConnectionsNotAccepted(t *testing.T) {
	var f memory.Factory
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("x"), conn.Properties{})
	require.NoError(t, err)
	c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
	require.NoError(t, err)
	l.Close()
	p, err := c.Pipe()
	require.NoError(t, err)
	_, err = p.Input().Read(ctx)
	assert.ErrorIs(t, err, net.ErrClosed, "the client learns nobody will answer")
	c.Close()
}

func TestBacklogFullRefuses(t *testing.T) {
	var f memory.Factory
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("busy"), conn.Properties{})
	require.NoError(t, err)
	defer l.Close()
	var refused error
	for i := range 200 {
		c, err := f.Connect(ctx, l.Addr(), conn.Properties{})
		if err != nil {
			refused = fmt.Errorf("connection %d: %w", i, err)
			break
		}
		defer c.Close()
	}
	require.Error(t, refused, "a backlog of 128 cannot hold 200")
	assert.True(t, errors.Is(refused, memory.ErrConnectionRefused))
	assert.ErrorContains(t, refused, "connection 128: ")
}

func TestPropertiesReachBothSides(t *testing.T) {
	type client struct{}
	type server struct{}
	var f memory.Factory
	ctx := testkit.Context(t)
	l, err := f.Bind(ctx, memory.Addr("p"), conn.With(conn.Properties{}, server{}))
	require.NoError(t, err)
	defer l.Close()
	c, err := f.Connect(ctx, l.Addr(), conn.With(conn.Properties{}, client{}))
	require.NoError(t, err)
	defer c.Close()
	s, err := l.Accept(ctx)
	require.NoError(t, err)
	defer s.Close()
	_, ok := conn.Get[client](c.Properties())
	assert.True(t, ok)
	_, ok = conn.Get[server](s.Properties())
	assert.True(t, ok)
	_, ok = conn.Get[server](l.Properties())
	assert.True(t, ok)
}
