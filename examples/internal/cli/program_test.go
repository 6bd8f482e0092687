package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// newTestProgram is a Program with a flag of each kind, one emulator-only
// and one Graph requires.
func newTestProgram(stdout, stderr *bytes.Buffer) *Program {
	p := New(Spec{
		Name:     "prog",
		Summary:  "Does the thing.\n\nIn two paragraphs.",
		Examples: []string{"go run ./examples/prog -units 30"},
	}, stdout, stderr)
	UnitID(p.Flags(), "id", "unit `ID`")
	IntRange(p.Flags(), "units", 25, 20, 100, "`n` units")
	p.EmulatorOnly("units")
	p.GraphRequires("id", "the unit to act on")
	return p
}

// -h and -help print the usage on stdout (what the program does, where it
// runs, every flag, the examples, the exit statuses) and exit 0, whatever
// the environment holds (here a tenant without a client ID).
func TestHelp(t *testing.T) {
	t.Setenv(EnvTenant, testTenant)
	t.Setenv(EnvClientID, "")
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			p := newTestProgram(&stdout, &stderr)
			_, err := p.Parse([]string{arg})
			require.ErrorIs(t, err, flag.ErrHelp)
			require.Equal(t, ExitOK, p.Exit(err))
			require.Empty(t, stderr.String())
			out := stdout.String()
			for _, want := range []string{
				"Usage: prog [flags]", "Does the thing.\n\nIn two paragraphs.",
				"Where it runs:", "embedded emulator", "$AZURE_TENANT_ID", "$AZURE_CLIENT_ID", "One without the other is a usage error",
				"-emulator", "-tenant", "-client-id", "-signin", "device-code, browser", "-id ID", "-units n", "20 to 100 (default 25)",
				"Examples:\n  go run ./examples/prog -units 30", "Exit status: 0",
			} {
				require.Contains(t, out, want)
			}
		})
	}
}

// Every command-line mistake is a *UsageError: the message (naming the flag)
// and the usage on stderr, nothing on stdout, exit 2.
func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name    string
		env     [2]string
		args    []string
		wantMsg string
	}{
		{"unknown flag", [2]string{}, []string{"-nope"}, "flag provided but not defined: -nope"},
		{"argument", [2]string{}, []string{"extra"}, `unexpected argument "extra"`},
		{"int out of range", [2]string{}, []string{"-units", "19"}, `invalid value "19" for flag -units: want a whole number from 20 to 100`},
		{"int malformed", [2]string{}, []string{"-units", "2x"}, `invalid value "2x" for flag -units: want a whole number from 20 to 100`},
		{"flag without value", [2]string{}, []string{"-units"}, "flag needs an argument: -units"},
		{"bad ID", [2]string{}, []string{"-id", "."}, `invalid value "." for flag -id`},
		{"emulator-only flag on Graph", [2]string{testTenant, testClientID}, []string{"-id", "u", "-units", "30"},
			"-units applies to the embedded emulator only, and Microsoft Graph is selected by AZURE_TENANT_ID and AZURE_CLIENT_ID"},
		{"required flag missing on Graph", [2]string{}, []string{"-tenant", testTenant, "-client-id", testClientID},
			"-id is required against Microsoft Graph (selected by -tenant and -client-id): the unit to act on; or pass -emulator"},
		{"tenant without client ID", [2]string{testTenant, ""}, nil, "a tenant without a client ID: AZURE_TENANT_ID is set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvTenant, tc.env[0])
			t.Setenv(EnvClientID, tc.env[1])
			var stdout, stderr bytes.Buffer
			p := newTestProgram(&stdout, &stderr)
			_, err := p.Parse(tc.args)
			var ue *UsageError
			require.True(t, errors.As(err, &ue), "want a *UsageError, got %v", err)
			require.Equal(t, ExitUsage, p.Exit(err))
			require.Empty(t, stdout.String())
			msg, usage, ok := strings.Cut(stderr.String(), "\n\n")
			require.True(t, ok, stderr.String())
			require.True(t, strings.HasPrefix(msg, "prog: "+tc.wantMsg), msg)
			require.True(t, strings.HasPrefix(usage, "Usage: prog [flags]"), usage)
		})
	}
}

// The same flags are fine where they belong: -units on the emulator, -id
// given on Graph.
func TestFlagsWhereTheyBelong(t *testing.T) {
	t.Setenv(EnvTenant, "")
	t.Setenv(EnvClientID, "")
	var stdout, stderr bytes.Buffer
	p := newTestProgram(&stdout, &stderr)
	target, err := p.Parse([]string{"-units", "100", "-id", "u"})
	require.NoError(t, err)
	require.False(t, target.Graph)
	require.Equal(t, 100, *p.Flags().Lookup("units").Value.(*intRange).p)

	p = newTestProgram(&stdout, &stderr)
	target, err = p.Parse([]string{"-tenant", testTenant, "-client-id", testClientID, "-id", "u"})
	require.NoError(t, err)
	require.True(t, target.Graph)
	require.Empty(t, stdout.String())
	require.Empty(t, stderr.String())
}

// A failure that is not a usage error exits 1 with the explained message
// and no usage.
func TestExitFailure(t *testing.T) {
	var stdout, stderr bytes.Buffer
	p := newTestProgram(&stdout, &stderr)
	require.Equal(t, ExitOK, p.Exit(nil))
	require.Equal(t, ExitFailure, p.Exit(errors.New("boom")))
	require.Equal(t, "prog: boom\n", stderr.String())
	require.Empty(t, stdout.String())
}
