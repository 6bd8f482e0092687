package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
)

// Help, version and completion work and exit 0; the help documents the
// exit codes and says the tool can be tried with no tenant.
func TestHelpVersionCompletion(t *testing.T) {
	var c cli
	r := c.run(t, "--help")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"--emulator", "Try it with no tenant", "Exit codes:", "0    every unit succeeded", "1    some units failed",
		"2    usage or input error", "3    the outcome of some units is unknown", "4    authentication failed",
		"5    not confirmed", "130  interrupted by Ctrl-C (SIGINT; 143 for SIGTERM)", "--wide", "--no-headers",
		"units", "policies", "service-status", "--output", "--journal", "--yes", "--quiet", "--verbose",
		"--tenant", "--client-id", "--auth profile|azurecli|devicecode|browser", "auth login", "--profile", "--emulator-ca", permReadWrite,
	} {
		require.Contains(t, r.stdout, want)
	}
	r = c.run(t, "--version")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stdout, backuprestore.Version)
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r = c.run(t, "completion", shell)
		require.Equal(t, 0, r.code, r.stderr)
		require.Contains(t, r.stdout, "backuprestore")
	}
	r = c.run(t, "__complete", "--output", "")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "table\njson\njsonl\ncsv\nhtml\n:4\n", r.stdout, "--output completes to its values")
	r = c.run(t, "__complete", "units", "list", "--status", "off")
	require.Contains(t, r.stdout, "offboardRequested\n")
}

// Usage errors exit 2 with a message, whatever finds them: cobra (an
// unknown command or flag, a bad value) or the command.
func TestUsageErrors(t *testing.T) {
	var c cli
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"units", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"--output", "xml", "units", "list"}, `"xml" is not one of table, json, jsonl, csv`},
		{[]string{"--auth", "password", "units", "list"}, `"password" is not one of profile, azurecli, devicecode, browser`},
		{[]string{"--emulator", "--emulator-url", "http://127.0.0.1:1/v1.0", "units", "list"}, "--emulator and --emulator-url exclude each other"},
		{[]string{"--emulator", "--tenant", "t", "units", "list"}, "--tenant is for Microsoft Graph"},
		{[]string{"--emulator", "--quiet", "--verbose", "units", "list"}, "--quiet and --verbose exclude each other"},
		{[]string{"--emulator-url", "ftp://x/v1.0", "units", "list"}, `--emulator-url "ftp://x/v1.0" is not an http(s) URL`},
		{[]string{"--emulator-url", "http://192.0.2.1:8080/v1.0", "units", "list"}, "http"},
		{[]string{"--emulator", "units", "get"}, "takes 1 argument(s), got 0"},
		{[]string{"--emulator", "units", "get", "a", "b"}, "takes 1 argument(s), got 2"},
		{[]string{"--emulator", "service-status", "x"}, "takes no arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := c.run(t, tc.args...)
			require.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
			require.Contains(t, r.stderr, tc.msg)
			require.True(t, strings.HasPrefix(r.stderr, "backuprestore: "), r.stderr)
			require.Empty(t, r.stdout)
		})
	}
}

// A credential that cannot get a token, and a token the service rejects,
// are authentication failures: exit 4, with how to sign in.
func TestAuthFailures(t *testing.T) {
	cred := fake.NewDelegatedCredential()
	cred.SetError(errors.New("AADSTS700082: the refresh token has expired"))
	c := cli{cred: cred}
	r := c.run(t, "--emulator", "units", "list")
	require.Equal(t, exitAuth, r.code, r.stderr)
	require.Contains(t, r.stderr, "authentication failed")
	require.Contains(t, r.stderr, "AADSTS700082")
	require.Contains(t, r.stderr, "az login")

	c = cli{cred: fake.NewDelegatedCredential("User.Read")}
	r = c.run(t, "--emulator", "units", "list")
	require.Equal(t, exitAuth, r.code, r.stderr)
	require.Contains(t, r.stderr, "needs the delegated permission "+permRead)
	require.Contains(t, r.stderr, "Missing scope permissions")
}

// --verbose logs every HTTP attempt at debug level on stderr, never the
// token; without it nothing is logged.
func TestVerbose(t *testing.T) {
	cred := fake.NewDelegatedCredential()
	c := cli{cred: cred}
	r := c.run(t, "--emulator", "--verbose", "units", "list", "--limit", "1")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "level=DEBUG")
	require.Contains(t, r.stderr, "/solutions/backupRestore/protectionUnits")
	tok := cred.Token()
	require.NotEmpty(t, tok)
	require.NotContains(t, r.stderr, tok)
	require.NotContains(t, r.stderr, tok[:20], "not even a prefix of the token")
	require.NotContains(t, r.stdout, tok[:20])

	r = c.run(t, "--emulator", "units", "list", "--limit", "1")
	require.NotContains(t, r.stderr, "level=")
}
