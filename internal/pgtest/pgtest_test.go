package pgtest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A started server takes TCP connections from each role with its password
// method, refuses wrong passwords, stores the passwords as asked, and is
// gone once the test that started it ends.
func TestStart(t *testing.T) {
	var s *Server
	t.Run("server", func(t *testing.T) {
		began := time.Now()
		s = Start(t)
		t.Logf("started in %v", time.Since(began))
		assert.Equal(t, "127.0.0.1", s.Host)
		assert.Equal(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), s.Addr)
		assert.Equal(t, Database, s.Database)

		for _, u := range []User{s.SCRAM, s.MD5, s.Trust} {
			out, err := s.PSQL(t, u, "SELECT current_user, current_database()")
			require.NoError(t, err, u.Name)
			assert.Equal(t, u.Name+"|"+Database, strings.TrimSpace(out))
		}
		for _, u := range []User{s.SCRAM, s.MD5} {
			_, err := s.PSQL(t, User{Name: u.Name, Password: u.Password + "x"}, "SELECT 1")
			require.Error(t, err, u.Name)
			assert.Contains(t, err.Error(), "password authentication failed", u.Name)
		}
		_, err := s.PSQL(t, User{Name: "postgres"}, "SELECT 1")
		assert.ErrorContains(t, err, "no pg_hba.conf entry", "the superuser is local only")

		out, err := s.PSQL(t, s.SCRAM, "SELECT setting FROM pg_settings WHERE name = 'fsync'")
		require.NoError(t, err)
		assert.Equal(t, "off", strings.TrimSpace(out))

		// The stored forms, read over the unix socket as the superuser.
		out, err = s.superPSQL(t, "SELECT rolname || ' ' || coalesce(left(rolpassword, 14), 'none') FROM pg_authid WHERE rolname LIKE '%_user' ORDER BY 1")
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3, out)
		assert.Regexp(t, `^md5_user md5[0-9a-f]{11}$`, lines[0])
		assert.Equal(t, "scram_user SCRAM-SHA-256$", lines[1])
		assert.Equal(t, "trust_user none", lines[2])
	})
	require.NotNil(t, s)
	_, err := os.Stat(filepath.Join(s.dataDir, "postmaster.pid"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the server stopped")
	_, err = net.DialTimeout("tcp", s.Addr, time.Second)
	assert.Error(t, err, "nothing listens any more")
}

// A server that cannot start fails with its log.
func TestStartFailureCarriesTheLog(t *testing.T) {
	_, err := start(t, "shared_buffers = 'lots'")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "server log:")
	assert.Contains(t, err.Error(), `invalid value for parameter "shared_buffers"`)
}

// superPSQL runs sql as the superuser over the unix socket.
func (s *Server) superPSQL(tb testing.TB, sql string) (string, error) {
	tb.Helper()
	saved := s.Host
	s.Host = s.SocketDir
	defer func() { s.Host = saved }()
	return s.PSQL(tb, User{Name: superuser}, sql)
}
