//go:build unix

package main

import (
	"bytes"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
)

// inProcessIdentity serves a Graph emulator and an emulated Entra ID on one
// TLS origin in the test process; it returns the base URL and the
// certificate's file.
func inProcessIdentity(t *testing.T) (base, caFile string) {
	t.Helper()
	p, err := identity.New(nil)
	require.NoError(t, err)
	graph := fake.NewServer(&fake.Options{StrictAuth: true, TokenVerifier: p.Verify})
	graph.Seed(5)
	srv := httptest.NewTLSServer(identity.Mount(graph, p))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "emulator.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL + "/v1.0", caFile
}

// Where the OS offers no protected storage (azidentity/cache.New fails, as
// on Linux without a usable kernel keyring), auth login says so and
// refuses; --allow-unencrypted-cache accepts a plain file (0600), said
// loudly, and later commands sign in silently from it; logout deletes it.
func TestUnencryptedCacheOnlyWhenAccepted(t *testing.T) {
	t.Parallel()
	base, ca := inProcessIdentity(t)
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "XDG_STATE_HOME": t.TempDir()}
	noKeyring := func(string) (azidentity.Cache, error) {
		return azidentity.Cache{}, errors.New(`persistent storage isn't available due to error "couldn't get the user keyring due to error \"operation not permitted\""`)
	}
	run := func(args ...string) result {
		var out, errb bytes.Buffer
		a := &app{streams: streams{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(k string) string { return env[k] }}, openCache: noKeyring}
		code := a.execute(t.Context(), append([]string{"--emulator-url", base, "--emulator-ca", ca}, args...))
		return result{code: code, stdout: out.String(), stderr: errb.String()}
	}

	r := run("auth", "login", "--device-code")
	require.Equal(t, exitAuth, r.code, r.stderr)
	for _, w := range []string{"no protected storage for the token cache", "kernel keyring", "operation not permitted", "Nothing was saved", "--allow-unencrypted-cache", "NOT encrypted"} {
		require.Contains(t, r.stderr, w)
	}
	require.NoDirExists(t, filepath.Join(env["XDG_CONFIG_HOME"], "backuprestore", "profiles"), "nothing saved")

	r = run("--allow-unencrypted-cache", "auth", "login", "--device-code")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stderr, "Warning: the OS offers no protected storage here")
	require.Contains(t, r.stdout, "tokens UNENCRYPTED file ")
	files, err := filepath.Glob(filepath.Join(env["XDG_CONFIG_HOME"], "backuprestore", "tokens", "backuprestore-default-*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	requireMode(t, files[0], 0o600)
	requireMode(t, filepath.Join(env["XDG_CONFIG_HOME"], "backuprestore", "profiles", "default.json"), 0o600)

	r = run("units", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 6)
	r = run("auth", "status")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "Token cache: UNENCRYPTED file "+files[0])
	noTokens(t, "auth status", r.stdout+r.stderr)

	r = run("auth", "logout")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.NoFileExists(t, files[0])
	r = run("units", "list")
	require.Equal(t, exitAuth, r.code)
	require.Contains(t, r.stderr, "not signed in")
}
