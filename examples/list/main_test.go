package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/examples/internal/clitest"
)

// TestMain keeps these tests off Microsoft Graph (see clitest.Main).
func TestMain(m *testing.M) { clitest.Main(m) }

const (
	tenant   = clitest.Tenant
	clientID = clitest.ClientID
)

func runProgram(t *testing.T, args ...string) clitest.Result {
	return clitest.Run(func(stdout, stderr io.Writer) int { return run(t.Context(), args, stdout, stderr) })
}

// rowPattern is one table row: kind, GUID, name, status, policy.
var rowPattern = regexp.MustCompile(`(?m)^(site|drive|mailbox) +[0-9a-f-]{36}  .+  [a-zA-Z]+ +\S+$`)

// With no flags it lists the 40 seeded units of the embedded emulator,
// every one a row, and counts them per status.
func TestDefaultRun(t *testing.T) {
	r := runProgram(t)
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Empty(t, r.Stderr)
	require.True(t, strings.HasPrefix(r.Stdout, "Listing the embedded emulator, seeded with 40 random units\n\nKIND "), r.Stdout)
	require.Len(t, rowPattern.FindAllString(r.Stdout, -1), 40)
	require.Contains(t, r.Stdout, "\n40 units\n")
	for _, status := range []string{"offboardRequested", "offboarded", "cancelOffboardRequested", "protected", "unprotected", "removeRequested"} {
		require.Regexp(t, `\n  `+status+` +\d+\n`, r.Stdout)
	}
	require.Contains(t, r.Stdout, "(removed)")
}

func TestFilterAndKind(t *testing.T) {
	r := runProgram(t, "-kind", "site", "-filter", "status eq 'offboardRequested'")
	require.Equal(t, 0, r.Code, r.Stderr)
	rows := rowPattern.FindAllString(r.Stdout, -1)
	require.NotEmpty(t, rows)
	for _, row := range rows {
		require.True(t, strings.HasPrefix(row, "site "), row)
		require.Contains(t, row, " offboardRequested ")
	}
	require.Regexp(t, `\n  offboardRequested +\d+\n$`, r.Stdout)

	r = runProgram(t, "-units", "0")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stdout, "\n0 units\n")
}

// A filter the service refuses ends the listing with its 400: exit 1, and
// the message says the service answered.
func TestFilterRefused(t *testing.T) {
	r := runProgram(t, "-filter", "bogus eq 1")
	require.Equal(t, 1, r.Code)
	require.Contains(t, r.Stderr, "list: the service answered: listing stopped after 0 units: ")
	require.Contains(t, r.Stderr, "400 BadRequest")
}

// -h prints the usage on stdout and exits 0.
func TestHelp(t *testing.T) {
	r := runProgram(t, "-h")
	require.Equal(t, 0, r.Code)
	require.Empty(t, r.Stderr)
	for _, want := range []string{
		"Usage: list [flags]", "Lists protection units", "Where it runs:", "$AZURE_TENANT_ID", "$AZURE_CLIENT_ID",
		"-emulator", "-tenant", "-client-id", "-signin", "-filter expression", "-kind kind", "site, drive, mailbox", "-units n", "0 to 100000 (default 40)",
		"go run ./examples/list -tenant contoso.onmicrosoft.com -client-id <app-id>", "Exit status:",
	} {
		require.Contains(t, r.Stdout, want)
	}
}

// Every bad command line is a usage error: exit 2, a message naming the
// flag (or variable), then the usage, on stderr; nothing on stdout.
func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		env  [2]string
		args []string
		want []string
	}{
		{"kind unknown", [2]string{}, []string{"-kind", "teams"}, []string{`invalid value "teams" for flag -kind: want one of site, drive, mailbox`}},
		{"kind case", [2]string{}, []string{"-kind", "Site"}, []string{"-kind"}},
		{"units negative", [2]string{}, []string{"-units", "-1"}, []string{"-units", "0 to 100000"}},
		{"units too many", [2]string{}, []string{"-units", "100001"}, []string{"-units", "0 to 100000"}},
		{"units malformed", [2]string{}, []string{"-units", "4O"}, []string{"-units", "0 to 100000"}},
		{"filter without value", [2]string{}, []string{"-filter"}, []string{"flag needs an argument: -filter"}},
		{"-id is not a flag here", [2]string{}, []string{"-id", "u"}, []string{"flag provided but not defined: -id"}},
		{"argument", [2]string{}, []string{"site"}, []string{`unexpected argument "site"`}},
		{"AZURE_TENANT_ID only", [2]string{tenant, ""}, nil, []string{"AZURE_TENANT_ID is set"}},
		{"AZURE_CLIENT_ID only", [2]string{"", clientID}, nil, []string{"AZURE_CLIENT_ID is set"}},
		{"-client-id only", [2]string{}, []string{"-client-id", clientID}, []string{"-client-id is set"}},
		{"-units on Graph", [2]string{}, []string{"-tenant", tenant, "-client-id", clientID, "-units", "10"}, []string{"-units applies to the embedded emulator only"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AZURE_TENANT_ID", tc.env[0])
			t.Setenv("AZURE_CLIENT_ID", tc.env[1])
			r := runProgram(t, tc.args...)
			clitest.RequireUsageError(t, "list", r, tc.want...)
		})
	}
}

// -emulator overrides both sign-in variables and says so.
func TestEmulatorOverrides(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", clientID)
	r := runProgram(t, "-emulator", "-units", "5")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.True(t, strings.HasPrefix(r.Stdout, "Listing the embedded emulator (-emulator: ignoring AZURE_TENANT_ID, AZURE_CLIENT_ID), seeded with 5 random units\n"), r.Stdout)
	require.Len(t, rowPattern.FindAllString(r.Stdout, -1), 5)
}
