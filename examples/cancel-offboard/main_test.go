package main

import (
	"io"
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

// The README's main job: with no flags it runs on the embedded emulator,
// cancels an offboarding and shows the typed error for a unit that is not
// offboarding.
func TestDefaultRun(t *testing.T) {
	r := runProgram(t)
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Empty(t, r.Stderr)
	for _, want := range []string{
		"cancel an offboarding, against the embedded emulator\n",
		"Seeded 25 random units.\n",
		"1. Cancel the offboarding of site unit ",
		"status            offboardRequested → cancelOffboardRequested",
		"last modified by  Megan Bowen <MeganB@contoso.onmicrosoft.com> via Contoso Backup Tool",
		"2. Cancel the offboarding of ",
		"which is not offboarding (status protected)",
		"error             403 OperationNotAllowed",
		"message           Offboarding cannot be cancelled as it is not in a valid state.",
		"errors.Is         ErrOperationNotAllowed=true ErrForbidden=true",
	} {
		require.Contains(t, r.Stdout, want)
	}
}

// -h prints the usage on stdout and exits 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		r := runProgram(t, arg)
		require.Equal(t, 0, r.Code)
		require.Empty(t, r.Stderr)
		for _, want := range []string{
			"Usage: cancel-offboard [flags]", "Cancels the offboarding", "Where it runs:", "$AZURE_TENANT_ID", "$AZURE_CLIENT_ID",
			"-emulator", "-tenant", "-client-id", "-signin", "-id ID", "-units n", "20 to 100000 (default 25)",
			"go run ./examples/cancel-offboard -tenant contoso.onmicrosoft.com -client-id <app-id> -id <unit-id>", "Exit status:",
		} {
			require.Contains(t, r.Stdout, want)
		}
	}
}

// Every bad command line is a usage error: exit 2, a message naming the
// flag (or variable) on stderr, then the usage; nothing on stdout, nothing
// sent, no panic.
func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		env  [2]string // AZURE_TENANT_ID, AZURE_CLIENT_ID
		args []string
		want []string
	}{
		{"units too few", [2]string{}, []string{"-units", "19"}, []string{`invalid value "19" for flag -units`, "20 to 100000"}},
		{"units too many", [2]string{}, []string{"-units", "100001"}, []string{"-units", "20 to 100000"}},
		{"units malformed", [2]string{}, []string{"-units", "lots"}, []string{"-units", "20 to 100000"}},
		{"id empty", [2]string{}, []string{"-id", ""}, []string{`invalid value "" for flag -id`, "empty"}},
		{"id dot segment", [2]string{}, []string{"-id", ".."}, []string{"-id", "dot segment"}},
		{"id control character", [2]string{}, []string{"-id", "a\x00b"}, []string{"-id", "control character"}},
		{"signin unknown", [2]string{}, []string{"-signin", "sms"}, []string{"-signin", "device-code, browser"}},
		{"signin without tenant", [2]string{}, []string{"-signin", "browser"}, []string{"-signin", "needs a tenant and a client ID"}},
		{"unknown flag", [2]string{}, []string{"-unit", "30"}, []string{"flag provided but not defined: -unit"}},
		{"argument", [2]string{}, []string{"89014d8c"}, []string{`unexpected argument "89014d8c"`}},
		{"-tenant only", [2]string{}, []string{"-tenant", tenant}, []string{"-tenant is set", "-client-id"}},
		{"-client-id only", [2]string{}, []string{"-client-id", clientID}, []string{"-client-id is set", "-tenant"}},
		{"AZURE_TENANT_ID only", [2]string{tenant, ""}, nil, []string{"AZURE_TENANT_ID is set", "AZURE_CLIENT_ID"}},
		{"AZURE_CLIENT_ID only", [2]string{"", clientID}, nil, []string{"AZURE_CLIENT_ID is set", "AZURE_TENANT_ID"}},
		{"Graph without -id", [2]string{}, []string{"-tenant", tenant, "-client-id", clientID}, []string{"-id is required against Microsoft Graph"}},
		{"both variables without -id", [2]string{tenant, clientID}, nil, []string{"-id is required against Microsoft Graph (selected by AZURE_TENANT_ID and AZURE_CLIENT_ID)"}},
		{"-units on Graph", [2]string{tenant, clientID}, []string{"-id", "u", "-units", "30"}, []string{"-units applies to the embedded emulator only"}},
		{"malformed tenant", [2]string{}, []string{"-tenant", "bad tenant", "-client-id", clientID, "-id", "u"}, []string{`-tenant "bad tenant"`}},
		{"malformed client ID", [2]string{}, []string{"-tenant", tenant, "-client-id", "my-app", "-id", "u"}, []string{`-client-id "my-app"`, "GUID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AZURE_TENANT_ID", tc.env[0])
			t.Setenv("AZURE_CLIENT_ID", tc.env[1])
			r := runProgram(t, tc.args...)
			clitest.RequireUsageError(t, "cancel-offboard", r, tc.want...)
		})
	}
}

// -id without a tenant acts on that ID in the emulator: it is seeded as
// offboarding, the output says so, and it is the unit cancelled.
func TestIDOnEmulator(t *testing.T) {
	for _, args := range [][]string{
		{"-id", "my unit/42"},
		{"-id", "my unit/42", "-units", "20"},
	} {
		r := runProgram(t, args...)
		require.Equal(t, 0, r.Code, r.Stderr)
		require.Empty(t, r.Stderr)
		require.Contains(t, r.Stdout, "and unit my unit/42 as offboarding (offboardRequested), so that cancelOffboard can act on it.\n")
		require.Contains(t, r.Stdout, "1. Cancel the offboarding of site unit my unit/42 (status offboardRequested):\n   kind              site\n   id                my unit/42\n")
		require.Contains(t, r.Stdout, "offboardRequested → cancelOffboardRequested")
		require.Contains(t, r.Stdout, "403 OperationNotAllowed")
	}
}

// -emulator overrides the sign-in settings, flags and variables alike, and
// the first line says which were ignored.
func TestEmulatorOverrides(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", clientID)
	r := runProgram(t, "-emulator")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stdout, "against the embedded emulator (-emulator: ignoring AZURE_TENANT_ID, AZURE_CLIENT_ID)\n")
	require.Contains(t, r.Stdout, "offboardRequested → cancelOffboardRequested")

	r = runProgram(t, "-emulator", "-tenant", tenant, "-id", "u1")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stdout, "(-emulator: ignoring -tenant, AZURE_CLIENT_ID)\n")
	require.Contains(t, r.Stdout, "Cancel the offboarding of site unit u1 ")
}
