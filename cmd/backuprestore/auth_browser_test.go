//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake/identity"
)

// browserEnv makes the test binary play the browser (TestMain): the
// stand-in xdg-open runs it with the authorize URL; browserCAEnv names the
// certificate it trusts.
const (
	browserEnv   = "BACKUPRESTORE_TEST_BROWSER"
	browserCAEnv = "BACKUPRESTORE_TEST_BROWSER_CA"
)

// playBrowser follows the authorize URL and submits the form_post page to
// the CLI's loopback redirect, as a browser would (identity.Browse).
func playBrowser(authorizeURL string) int {
	client, err := identity.HTTPClientTrusting(os.Getenv(browserCAEnv))
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = identity.Browse(ctx, client, authorizeURL)
	}
	if err != nil {
		_, _ = os.Stderr.WriteString("stand-in browser: " + err.Error() + "\n")
		return 1
	}
	return 0
}

// auth login without --device-code signs in with the browser (auth code +
// PKCE on a loopback redirect, azidentity's InteractiveBrowserCredential):
// a stand-in xdg-open first on PATH plays the browser. Later commands sign
// in silently.
func TestAuthLoginBrowser(t *testing.T) {
	t.Parallel()
	emu := startIdentityEmulator(t, "-units", "4")
	u := newUser(t, emu)
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	script := "#!/bin/sh\n" + browserEnv + "=1 " + browserCAEnv + "='" + emu.ca + "' exec '" + exe + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755))
	for i, kv := range u.env {
		if len(kv) > 5 && kv[:5] == "PATH=" {
			u.env[i] = "PATH=" + dir + string(os.PathListSeparator) + kv[5:]
		}
	}
	code, out, errOut := u.run("auth", "login")
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", out, errOut)
	require.Contains(t, errOut, "Opening the browser to sign in")
	require.Contains(t, out, "Signed in as admin@contoso.onmicrosoft.com")
	code, _, errOut = u.run("units", "list")
	require.Equal(t, exitOK, code, errOut)
	authorizes, codes := 0, 0
	for _, r := range emu.tokenRequests() {
		if r.Endpoint == "authorize" {
			authorizes++
		}
		if r.GrantType == "authorization_code" && r.Error == "" {
			codes++
		}
	}
	require.Equal(t, 1, authorizes)
	require.Equal(t, 1, codes)
}
