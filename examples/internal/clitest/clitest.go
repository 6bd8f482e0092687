// Package clitest holds what the example programs' tests share: a
// TestMain that keeps them off Microsoft Graph, well-formed sign-in values,
// one run of a program with its output captured, an IDs file, and the
// check of a usage error.
package clitest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/examples/internal/cli"
)

// Well-formed sign-in values (a tenant and a client ID) for tests that
// reach the command line's checks of a Microsoft Graph target.
const (
	Tenant   = "00000000-0000-0000-0000-000000000001"
	ClientID = "00000000-0000-0000-0000-000000000002"
)

// Main runs a program's tests, from its TestMain, with the sign-in
// variables cleared, so a developer machine set up for Azure does not send
// them to Microsoft Graph. No example test gets past the command line with
// a Graph target: none reaches a network.
func Main(m *testing.M) {
	os.Unsetenv(cli.EnvTenant)
	os.Unsetenv(cli.EnvClientID)
	os.Exit(m.Run())
}

// Result is what one run of a program did.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs a program (its run function, given the output to write to)
// and returns what it did.
func Run(run func(stdout, stderr io.Writer) int) Result {
	var stdout, stderr bytes.Buffer
	code := run(&stdout, &stderr)
	return Result{code, stdout.String(), stderr.String()}
}

// IDsFile writes lines to a file in t's temporary directory and returns
// its path.
func IDsFile(t testing.TB, lines ...string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return name
}
