package main

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/examples/internal/clitest"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/cli"
	"github.com/m365kit/backuprestore/fake"
)

// TestMain keeps these tests off Microsoft Graph (see clitest.Main).
func TestMain(m *testing.M) { clitest.Main(m) }

const (
	tenant   = clitest.Tenant
	clientID = clitest.ClientID
)

func runProgram(t *testing.T, stdin string, args ...string) clitest.Result {
	return runProgramCtx(t.Context(), stdin, args...)
}

func runProgramCtx(ctx context.Context, stdin string, args ...string) clitest.Result {
	return clitest.Run(func(stdout, stderr io.Writer) int { return run(ctx, args, strings.NewReader(stdin), stdout, stderr) })
}

// With no flags it seeds 1,000 units with 5% faults and cancels every
// offboarding one, plus three that are not (refused, as intended): every
// offboarding unit is cancelled, nothing is in doubt, exit 0.
func TestDefaultRun(t *testing.T) {
	r := runProgram(t, "")
	require.Equal(t, 0, r.Code, r.Stderr)
	m := regexp.MustCompile(`Seeded 1000 random units, (\d+) offboarding; cancelling those and 3 that are not \(their 403 is intended\)\.`).FindStringSubmatch(r.Stdout)
	require.NotNil(t, m, r.Stdout)
	offboarding, _ := strconv.Atoi(m[1])
	require.Greater(t, offboarding, 100)
	require.Contains(t, r.Stdout, "against the embedded emulator, 5% of requests faulted\n")
	require.Contains(t, r.Stdout, "OUTCOME")
	require.Regexp(t, `\nrefused: not offboarding \(403 OperationNotAllowed\), intended +3 +[0-9a-f-]{36}\n`, r.Stdout)
	require.Contains(t, r.Stdout, "\ncancelled "+m[1]+", refused as intended 3, refused otherwise 0, not sent 0, in doubt 0\n")
	require.Contains(t, r.Stderr, "cancelling offboarding 100%", "the progress bar goes to stderr")
	require.NotContains(t, r.Stdout, "cancelling offboarding 100%")
}

// -h prints the usage on stdout and exits 0.
func TestHelp(t *testing.T) {
	r := runProgram(t, "", "-h")
	require.Equal(t, 0, r.Code)
	require.Empty(t, r.Stderr)
	for _, want := range []string{
		"Usage: bulk-cancel-offboard [flags]", "Cancels the offboarding of many", "not sent (the service cannot have acted)", "Where it runs:", "$AZURE_TENANT_ID", "$AZURE_CLIENT_ID",
		"-emulator", "-tenant", "-client-id", "-signin", "-ids file", "-units n", "20 to 100000 (default 1000)", "-faults share", "0 to 1 (default 0.05)",
		"-batch-size n", "1 to 20 (default 20)", "-concurrency n", "1 to 64 (default 4)", "-attempts n", "1 to 100 (default 8)", "-quiet",
		"go run ./examples/bulk-cancel-offboard -tenant contoso.onmicrosoft.com -client-id <app-id> -ids ids.txt", "Exit status:",
	} {
		require.Contains(t, r.Stdout, want)
	}
}

// Every bad command line is a usage error: exit 2, a message naming the
// flag (or variable), then the usage, on stderr; nothing on stdout, no
// panic (-faults 2 used to panic).
func TestUsageErrors(t *testing.T) {
	empty := clitest.IDsFile(t, "", "# nothing", "  ")
	cases := []struct {
		name string
		env  [2]string
		args []string
		want []string
	}{
		{"faults above 1", [2]string{}, []string{"-faults", "2"}, []string{`invalid value "2" for flag -faults: want a number from 0 to 1`}},
		{"faults negative", [2]string{}, []string{"-faults", "-0.5"}, []string{"-faults", "0 to 1"}},
		{"faults NaN", [2]string{}, []string{"-faults", "NaN"}, []string{"-faults", "0 to 1"}},
		{"faults percent", [2]string{}, []string{"-faults", "5%"}, []string{"-faults", "0 to 1"}},
		{"units too few", [2]string{}, []string{"-units", "19"}, []string{"-units", "20 to 100000"}},
		{"units too many", [2]string{}, []string{"-units", "100001"}, []string{"-units", "20 to 100000"}},
		{"batch-size 0", [2]string{}, []string{"-batch-size", "0"}, []string{"-batch-size", "1 to 20"}},
		{"batch-size 21", [2]string{}, []string{"-batch-size", "21"}, []string{"-batch-size", "1 to 20"}},
		{"concurrency 0", [2]string{}, []string{"-concurrency", "0"}, []string{"-concurrency", "1 to 64"}},
		{"concurrency 65", [2]string{}, []string{"-concurrency", "65"}, []string{"-concurrency", "1 to 64"}},
		{"attempts 0", [2]string{}, []string{"-attempts", "0"}, []string{"-attempts", "1 to 100"}},
		{"attempts 101", [2]string{}, []string{"-attempts", "101"}, []string{"-attempts", "1 to 100"}},
		{"quiet with a value", [2]string{}, []string{"-quiet=maybe"}, []string{"-quiet"}},
		{"ids missing file", [2]string{}, []string{"-ids", filepath.Join(t.TempDir(), "none.txt")}, []string{"-ids: open ", "no such file"}},
		{"ids without ID", [2]string{}, []string{"-ids", empty}, []string{"-ids " + empty + " holds no unit ID"}},
		{"ids stdin empty", [2]string{}, []string{"-ids", "-"}, []string{"-ids - holds no unit ID"}},
		{"argument", [2]string{}, []string{"ids.txt"}, []string{`unexpected argument "ids.txt"`}},
		{"AZURE_TENANT_ID only", [2]string{tenant, ""}, nil, []string{"AZURE_TENANT_ID is set"}},
		{"AZURE_CLIENT_ID only", [2]string{"", clientID}, nil, []string{"AZURE_CLIENT_ID is set"}},
		{"-tenant only", [2]string{}, []string{"-tenant", tenant}, []string{"-tenant is set"}},
		{"Graph without -ids", [2]string{tenant, clientID}, nil, []string{"-ids is required against Microsoft Graph"}},
		{"-faults on Graph", [2]string{tenant, clientID}, []string{"-ids", "-", "-faults", "0"}, []string{"-faults applies to the embedded emulator only"}},
		{"-units on Graph", [2]string{}, []string{"-tenant", tenant, "-client-id", clientID, "-ids", "-", "-units", "50"}, []string{"-units applies to the embedded emulator only"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AZURE_TENANT_ID", tc.env[0])
			t.Setenv("AZURE_CLIENT_ID", tc.env[1])
			r := runProgram(t, "", tc.args...)
			clitest.RequireUsageError(t, "bulk-cancel-offboard", r, tc.want...)
		})
	}
}

// -ids without a tenant acts on those IDs in the emulator: they are seeded
// as offboarding, the output says so, and exactly they are cancelled.
func TestIDsOnEmulator(t *testing.T) {
	name := clitest.IDsFile(t, "unit-a", "", "# a comment", "  unit-b  ", "unit-c", "unit-a")
	for _, tc := range []struct {
		args      []string
		wantDupes string
	}{
		{[]string{"-ids", name, "-quiet"}, " (1 duplicate line skipped).\n\n"},
		{[]string{"-ids", "-", "-quiet", "-faults", "0", "-units", "20"}, ".\n\n"},
	} {
		r := runProgram(t, "unit-a\nunit-b\nunit-c\n", tc.args...)
		require.Equal(t, 0, r.Code, r.Stderr)
		require.Empty(t, r.Stderr)
		require.Regexp(t, `Seeded (1000|20) random units, and the 3 valid IDs from -ids as offboarding \(offboardRequested\), so that cancelOffboard can act on them\. Cancelling the 3 units from -ids`, r.Stdout)
		require.Contains(t, r.Stdout, "Cancelling the 3 units from -ids"+tc.wantDupes)
		require.Contains(t, r.Stdout, "3 units in ")
		require.Regexp(t, `\ncancelled +3 +unit-a\n`, r.Stdout)
		require.Contains(t, r.Stdout, "\ncancelled 3, refused as intended 0, refused otherwise 0, not sent 0, in doubt 0\n")
	}
}

// A malformed ID in the file is not seeded and is reported not sent (the
// SDK refuses it before sending): exit 1, counted apart from the rest.
func TestMalformedIDInFile(t *testing.T) {
	r := runProgram(t, "", "-ids", clitest.IDsFile(t, "unit-a", "bad\x01id"), "-quiet", "-faults", "0")
	require.Equal(t, 1, r.Code)
	require.Contains(t, r.Stdout, "; 1 line is not a valid unit ID: not seeded, and the SDK sends nothing for it. Cancelling the 2 units from -ids.\n")
	require.Regexp(t, `\nnot sent: malformed ID +1 +"bad\\x01id"\n`, r.Stdout)
	require.Contains(t, r.Stdout, "\ncancelled 1, refused as intended 0, refused otherwise 0, not sent 1, in doubt 0\n")
	require.Equal(t, "bulk-cancel-offboard: 1 not sent: the service did not act on them\n", r.Stderr)
}

// When every $batch answer is lost (-faults 1: each is reset after it was
// applied, read-backs too), no unit is reported cancelled or refused: all
// are in doubt, named on stderr, and the exit status is 1.
func TestEveryAnswerLost(t *testing.T) {
	r := runProgram(t, "", "-units", "20", "-faults", "1", "-attempts", "2", "-quiet")
	require.Equal(t, 1, r.Code)
	require.Contains(t, r.Stdout, "cancelling those and 3 that are not")
	require.Regexp(t, `\nin doubt: sent, answer lost, read-back did not settle it +6 `, r.Stdout)
	require.Contains(t, r.Stdout, "\ncancelled 0, refused as intended 0, refused otherwise 0, not sent 0, in doubt 6\n")
	require.Regexp(t, `^bulk-cancel-offboard: 6 in doubt \([0-9a-f-]{36}, .*, …\): read them back before acting on them again\n$`, r.Stderr)
}

// Interrupted before anything was sent: every unit is reported not sent,
// none cancelled or in doubt, exit 1.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := runProgramCtx(ctx, "", "-units", "20", "-quiet")
	require.Equal(t, 1, r.Code)
	require.Regexp(t, `\nnot sent: interrupted +6 `, r.Stdout)
	require.Contains(t, r.Stdout, "\ncancelled 0, refused as intended 0, refused otherwise 0, not sent 6, in doubt 0\n")
	require.Equal(t, "bulk-cancel-offboard: interrupted (context canceled): 6 not sent: the service did not act on them\n", r.Stderr)
}

// The ranges of -batch-size, -concurrency and -attempts are the SDK's: the
// flags' maxima run, one more is refused by BulkOptions with
// ErrInvalidOptions (the flags refuse it as a usage error, above).
func TestBulkFlagRangesAreTheSDKs(t *testing.T) {
	r := runProgram(t, "", "-units", "20", "-faults", "0", "-quiet", "-batch-size", "20", "-concurrency", "64", "-attempts", "100")
	require.Equal(t, 0, r.Code, r.Stderr)
	r = runProgram(t, "", "-units", "20", "-faults", "0", "-quiet", "-batch-size", "1", "-concurrency", "1", "-attempts", "1")
	require.Equal(t, 0, r.Code, r.Stderr)

	srv := fake.NewServer(nil)
	c, err := cli.NewEmulatorClient(srv, nil)
	require.NoError(t, err)
	for _, opts := range []backuprestore.BulkOptions{{BatchSize: 21}, {MaxConcurrency: 65}, {MaxAttempts: 101}, {BatchSize: -1}} {
		for _, res := range c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"u"}, &opts) {
			require.ErrorIs(t, res.Err, backuprestore.ErrInvalidOptions, "%+v", opts)
		}
	}
}
