//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake/identity"
)

// idEmulator is cmd/emulator -tls -identity -strict-auth as a child
// process, and what the CLI needs to reach it.
type idEmulator struct {
	t      *testing.T
	base   string
	ca     string
	client *http.Client
	cmd    *exec.Cmd
}

// startIdentityEmulator starts cmd/emulator -tls -tls-cert-out -identity
// -strict-auth with extra args.
func startIdentityEmulator(t *testing.T, args ...string) *idEmulator {
	t.Helper()
	_, emu := binaries(t)
	ca := filepath.Join(t.TempDir(), "emulator.pem")
	cmd := exec.Command(emu, append([]string{"-listen", "127.0.0.1:0", "-tls", "-tls-cert-out", ca, "-identity", "-strict-auth"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	e := &idEmulator{t: t, ca: ca, cmd: cmd}
	t.Cleanup(e.stop)
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "the emulator printed no base URL")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	e.base = sc.Text()
	require.True(t, strings.HasPrefix(e.base, "https://127.0.0.1:"), e.base)
	e.client, err = identity.HTTPClientTrusting(ca)
	require.NoError(t, err)
	return e
}

// stop ends the emulator.
func (e *idEmulator) stop() {
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	_ = e.cmd.Wait()
}

// origin is the emulator's scheme://host:port.
func (e *idEmulator) origin() string { return strings.TrimSuffix(e.base, "/v1.0") }

// control calls the control API and decodes the answer into v (nil: drop).
func (e *idEmulator) control(method, path, body string, v any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.origin()+path, strings.NewReader(body))
	require.NoError(e.t, err)
	resp, err := e.client.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "%s", b)
	if v != nil {
		require.NoError(e.t, json.Unmarshal(b, v), "%s", b)
	}
}

// graphRequests lists the Graph requests the emulator saw (method, path).
func (e *idEmulator) graphRequests() []struct{ Method, Path string } {
	var v struct {
		Value []struct{ Method, Path string }
	}
	e.control("GET", "/_emulator/requests", "", &v)
	return v.Value
}

// units lists the emulator's units.
func (e *idEmulator) units() []emuUnit {
	var v struct{ Value []emuUnit }
	e.control("GET", "/_emulator/units", "", &v)
	return v.Value
}

// tokenRequests lists the identity provider's log.
func (e *idEmulator) tokenRequests() []identity.Request {
	var v []identity.Request
	e.control("GET", identity.ControlPath+"/requests", "", &v)
	return v
}

// user is a person at a machine: their own config, cache and state
// directories, running the built command line against an emulator.
type user struct {
	t   *testing.T
	emu *idEmulator
	env []string
	// config is $XDG_CONFIG_HOME, cache $XDG_CACHE_HOME, state
	// $XDG_STATE_HOME.
	config, cache, state string
}

// newUser returns a user of emu with fresh directories.
func newUser(t *testing.T, emu *idEmulator) *user {
	u := &user{t: t, emu: emu, config: t.TempDir(), cache: t.TempDir(), state: t.TempDir()}
	u.env = append(os.Environ(), "XDG_CONFIG_HOME="+u.config, "XDG_CACHE_HOME="+u.cache, "XDG_STATE_HOME="+u.state,
		"AZURE_TENANT_ID=", "AZURE_CLIENT_ID=", "BACKUPRESTORE_PROFILE=")
	return u
}

// args are the emulator flags and then args.
func (u *user) args(args ...string) []string {
	return append([]string{"--emulator-url", u.emu.base, "--emulator-ca", u.emu.ca}, args...)
}

// run runs the command line in a new process, stdin empty (no prompt can
// be answered), and returns its exit code, stdout and stderr.
func (u *user) run(args ...string) (int, string, string) {
	u.t.Helper()
	cliBin, _ := binaries(u.t)
	cmd := exec.Command(cliBin, u.args(args...)...)
	cmd.Env = u.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(u.t, cmd.Start())
	code := waitExit(u.t, cmd, 2*time.Minute)
	return code, out.String(), errb.String()
}

// login runs auth login --device-code (approved at once by the emulator).
func (u *user) login(extra ...string) {
	u.t.Helper()
	code, out, errOut := u.run(append([]string{"auth", "login", "--device-code"}, extra...)...)
	require.Equal(u.t, exitOK, code, "stdout: %s\nstderr: %s", out, errOut)
	require.Contains(u.t, out, "Signed in as admin@contoso.onmicrosoft.com")
}

// noTokens fails if text holds anything shaped like a JWT.
func noTokens(t *testing.T, what, text string) {
	t.Helper()
	require.NotRegexp(t, `eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`, text, "%s holds a token", what)
}

// requireMode checks a file's permission bits.
func requireMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, want, fi.Mode().Perm(), "%s", path)
}
