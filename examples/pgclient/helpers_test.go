package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/f2bac256/bedrock/internal/pgtest"
	"github.com/f2bac256/bedrock/internal/testkit"
)

// netpoll's pollers (the transport auto picks on Linux) live as long as the
// process, as transports/netpoll's tests explain; every other goroutine
// must be gone when the tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/cloudwego/netpoll.(*defaultPoll).Wait"),
	)
}

// connect connects to s as u, closing the Client at t's cleanup.
func connect(t *testing.T, s *pgtest.Server, u pgtest.User) *Client {
	t.Helper()
	c, err := Connect(testkit.Context(t), s.Addr, u.Name, u.Password, s.Database)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// texts returns the rows of r as text, NULL as "NULL".
func texts(r *Result) [][]string {
	rows := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		for _, v := range row {
			rows[i] = append(rows[i], v.String())
		}
	}
	return rows
}
