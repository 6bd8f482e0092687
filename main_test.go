package backuprestore

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: no
// retry timer, body reader, batch worker or iterator may be left behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
