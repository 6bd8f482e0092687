package msgraph

import (
	"fmt"
	"os"
	"testing"

	"github.com/m365kit/backuprestore/bench/benchserver"
)

// servers is set by TestMain before any test or benchmark runs.
var servers benchserver.URLs

// TestMain starts the server process (or, in it, serves) and points the
// tests and benchmarks at it, as bench's TestMain does.
func TestMain(m *testing.M) {
	urls, stop, err := benchserver.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	servers = urls
	code := m.Run()
	stop()
	os.Exit(code)
}
