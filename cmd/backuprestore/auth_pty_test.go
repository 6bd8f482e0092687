//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake/identity"
)

// auth login --device-code in a terminal against cmd/emulator -tls
// -identity -strict-auth; then units list and offboard --yes in new
// processes without any prompt; auth status; the profile and the token
// cache are 0600 and nothing printed, logged or journaled holds a token;
// auth logout, and the next command asks for a sign-in again.
func TestAuthLoginDeviceCodeThenCommands(t *testing.T) {
	emu := startIdentityEmulator(t, "-units", "40", "-removal-delay", "300ms")
	u := newUser(t, emu)

	p := startPTYEnv(t, u.env, u.args("auth", "login", "--device-code")...)
	p.waitFor(`(?s)To sign in, use a web browser to open the page https://127\.0\.0\.1:\d+/devicelogin and enter the code [A-Z0-9]{9} to authenticate\..*Signed in as admin@contoso\.onmicrosoft\.com`)
	code, lines := p.exit()
	screenText := strings.Join(lines, "\n")
	require.Equal(t, exitOK, code, screenText)
	require.Contains(t, screenText, `Profile "default" saved in `+filepath.Join(u.config, "backuprestore", "profiles", "default.json"))
	noTokens(t, "the login's terminal", screenText)

	profilePath := filepath.Join(u.config, "backuprestore", "profiles", "default.json")
	requireMode(t, profilePath, 0o600)
	caches, err := filepath.Glob(filepath.Join(u.cache, ".IdentityService", "backuprestore-default-*"))
	require.NoError(t, err)
	require.NotEmpty(t, caches, "the token cache is in azidentity/cache's place")
	for _, c := range caches {
		requireMode(t, c, 0o600)
		b, err := os.ReadFile(c)
		require.NoError(t, err)
		noTokens(t, c+" (encrypted)", string(b))
	}
	b, err := os.ReadFile(profilePath)
	require.NoError(t, err)
	noTokens(t, "the profile", string(b))

	code, out, errOut := u.run("--verbose", "units", "list", "--all")
	require.Equal(t, exitOK, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 41, "a header and 40 units")
	noTokens(t, "units list --verbose", out+errOut)

	var target emuUnit
	for _, x := range emu.units() {
		if offboardable(x) {
			target = x
			break
		}
	}
	require.NotEmpty(t, target.ID)
	code, out, errOut = u.run("--verbose", "offboard", "--yes", "--poll-interval", "100ms", target.ID)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", out, errOut)
	require.Regexp(t, `summary: 1 unit: 1 done`, out)
	noTokens(t, "offboard --verbose", out+errOut)
	journals, _ := filepath.Glob(filepath.Join(u.state, "backuprestore", "*"))
	require.NotEmpty(t, journals)
	for _, j := range journals {
		b, err := os.ReadFile(j)
		require.NoError(t, err)
		noTokens(t, "the journal "+j, string(b))
	}

	code, out, errOut = u.run("auth", "status")
	require.Equal(t, exitOK, code, errOut)
	for _, want := range []string{
		"Account:     admin@contoso.onmicrosoft.com", "Tenant:      " + identity.DefaultTenantID,
		"Client:      " + identity.DefaultPublicClientID, "Authority:   " + emu.origin() + "/",
		"Scopes:      BackupRestore-Configuration.Read.All, BackupRestore-Configuration.ReadWrite.All, BackupRestore-Control.Read.All",
		"Expires:", "Allows:      units list|get; policies list|show, rules list; service-status; offboard --dry-run; offboard, cancel-offboard, resume; policies create|rename|activate|deactivate|delete, rules create|run|delete, onboard",
		"Token cache: encrypted by azidentity/cache",
	} {
		require.Contains(t, out, want)
	}
	noTokens(t, "auth status", out+errOut)
	deviceCodes := 0
	for _, r := range emu.tokenRequests() {
		if r.Endpoint == "devicecode" {
			deviceCodes++
		}
	}
	require.Equal(t, 1, deviceCodes, "one sign-in for every command")

	code, out, _ = u.run("auth", "logout")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "Signed out admin@contoso.onmicrosoft.com")
	require.NoFileExists(t, profilePath)
	for _, c := range caches {
		require.NoFileExists(t, c)
	}
	code, _, errOut = u.run("units", "list")
	require.Equal(t, exitAuth, code)
	require.Contains(t, errOut, `not signed in (profile "default"`)
	require.Contains(t, errOut, "auth login")
}
