package pgtest

import (
	"testing"

	"go.uber.org/goleak"
)

// The commands a Server runs leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
