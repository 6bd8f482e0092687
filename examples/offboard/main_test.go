package main

import (
	"io"
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

// stepsInOrder checks the state after each step, in order.
func stepsInOrder(t *testing.T, out, id string) {
	t.Helper()
	rest := out
	for _, want := range []string{
		"before           ", id, "status unprotected\n",
		"offboard         ", id, "status offboardRequested, offboard requested 2026-01-01T00:00:00Z\n",
		"offboard again   refused, 403 OperationNotAllowed", "(errors.Is ErrOperationNotAllowed: true)\n",
		"cancelOffboard   ", id, "status cancelOffboardRequested, offboard requested 2026-01-01T00:00:00Z\n",
		"two hours later  ", id, "status unprotected\n",
	} {
		i := strings.Index(rest, want)
		require.GreaterOrEqual(t, i, 0, "%q missing (in order) from:\n%s", want, out)
		rest = rest[i+len(want):]
	}
}

// With no flags it runs on the embedded emulator: a unit removed from its
// policy is offboarded, refused a second time, restored, and two hours
// later unprotected again.
func TestDefaultRun(t *testing.T) {
	r := runProgram(t)
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Empty(t, r.Stderr)
	require.Contains(t, r.Stdout, "then cancel, against the embedded emulator\nSeeded 30 random units; offboarding ")
	_, after, ok := strings.Cut(r.Stdout, "Seeded 30 random units; offboarding ")
	require.True(t, ok)
	id, _, _ := strings.Cut(after, ",")
	stepsInOrder(t, r.Stdout, id)
}

// -h prints the usage on stdout and exits 0.
func TestHelp(t *testing.T) {
	r := runProgram(t, "-h")
	require.Equal(t, 0, r.Code)
	require.Empty(t, r.Stderr)
	for _, want := range []string{
		"Usage: offboard [flags]", "Offboards a protection unit", "Where it runs:", "$AZURE_TENANT_ID", "$AZURE_CLIENT_ID",
		"-emulator", "-tenant", "-client-id", "-signin", "-id ID",
		"go run ./examples/offboard -tenant contoso.onmicrosoft.com -client-id <app-id> -id <unit-id>", "Exit status:",
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
		{"id empty", [2]string{}, []string{"-id", ""}, []string{`invalid value "" for flag -id`}},
		{"id blank", [2]string{}, []string{"-id", "  "}, []string{"-id", "all white space"}},
		{"id too long", [2]string{}, []string{"-id", strings.Repeat("x", 1025)}, []string{"-id", "longer than 1024 bytes"}},
		{"signin unknown", [2]string{}, []string{"-signin", "sms"}, []string{"-signin", "device-code, browser"}},
		{"-units is not a flag here", [2]string{}, []string{"-units", "30"}, []string{"flag provided but not defined: -units"}},
		{"argument", [2]string{}, []string{"x"}, []string{`unexpected argument "x"`}},
		{"AZURE_TENANT_ID only", [2]string{tenant, ""}, nil, []string{"AZURE_TENANT_ID is set"}},
		{"AZURE_CLIENT_ID only", [2]string{"", clientID}, []string{"-id", "u"}, []string{"AZURE_CLIENT_ID is set"}},
		{"-tenant only", [2]string{}, []string{"-tenant", tenant, "-id", "u"}, []string{"-tenant is set"}},
		{"Graph without -id", [2]string{tenant, clientID}, nil, []string{"-id is required against Microsoft Graph"}},
		{"malformed client ID", [2]string{tenant, "app"}, []string{"-id", "u"}, []string{`AZURE_CLIENT_ID="app"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AZURE_TENANT_ID", tc.env[0])
			t.Setenv("AZURE_CLIENT_ID", tc.env[1])
			r := runProgram(t, tc.args...)
			clitest.RequireUsageError(t, "offboard", r, tc.want...)
		})
	}
}

// -id without a tenant acts on that ID in the emulator, seeded as removed
// from its policy, and the output says so.
func TestIDOnEmulator(t *testing.T) {
	r := runProgram(t, "-id", "unit-7")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Empty(t, r.Stderr)
	require.Contains(t, r.Stdout, "Seeded 30 random units, and unit unit-7 as removed from its policy (unprotected, no policy), so that offboard can act on it.\n")
	stepsInOrder(t, r.Stdout, "site unit-7 (Seeded for -id)")
}

// -emulator overrides both sign-in variables and says so.
func TestEmulatorOverrides(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", clientID)
	r := runProgram(t, "-emulator", "-id", "u")
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stdout, "against the embedded emulator (-emulator: ignoring AZURE_TENANT_ID, AZURE_CLIENT_ID)\n")
	stepsInOrder(t, r.Stdout, "site u (Seeded for -id)")
}
