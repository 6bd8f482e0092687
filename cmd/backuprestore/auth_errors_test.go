//go:build unix

package main

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"

	"github.com/m365kit/backuprestore/fake/identity"
)

// Consent to ReadWrite.All revoked after sign-in: the token request of
// offboard fails with Entra ID's consent error, and offboard exits 4
// naming the permission and the admin-consent fix before any write (the
// emulator saw no PATCH or POST); read commands, which ask only for
// Read.All, still work. (A 2-minute token lifetime makes every command
// redeem the refresh token, as a command run after the cached token
// expired does.)
func TestAuthConsentRevoked(t *testing.T) {
	t.Parallel()
	emu := startIdentityEmulator(t, "-units", "10", "-identity-token-lifetime", "2m")
	u := newUser(t, emu)
	u.login()
	emu.control("POST", identity.ControlPath+"/consent",
		`{"clientId":"`+identity.DefaultPublicClientID+`","scopes":["https://graph.microsoft.com/BackupRestore-Configuration.ReadWrite.All"],"granted":false}`, nil)
	var target string
	for _, x := range emu.units() {
		if offboardable(x) {
			target = x.ID
			break
		}
	}
	before := len(emu.graphRequests())
	code, out, errOut := u.run("offboard", "--yes", target)
	require.Equal(t, exitAuth, code, "stdout: %s\nstderr: %s", out, errOut)
	require.Contains(t, errOut, "BackupRestore-Configuration.ReadWrite.All")
	require.Contains(t, errOut, "AADSTS65001")
	require.Contains(t, errOut, emu.origin()+"/"+identity.DefaultTenantID+"/adminconsent?client_id="+identity.DefaultPublicClientID)
	require.Contains(t, errOut, "nothing was sent")
	for _, r := range emu.graphRequests()[before:] {
		require.NotContains(t, []string{"PATCH", "POST"}, r.Method, "nothing written: %s %s", r.Method, r.Path)
	}
	require.Len(t, emu.graphRequests(), before, "not even a read was sent")
	consentErrors := 0
	for _, r := range emu.tokenRequests() {
		if r.AADSTS == 65001 {
			consentErrors++
		}
	}
	require.Positive(t, consentErrors, "Entra's consent error answered the token request")

	code, _, errOut = u.run("units", "list")
	require.Equal(t, exitOK, code, errOut)
	code, out, errOut = u.run("auth", "status")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "Refused:     BackupRestore-Configuration.ReadWrite.All")
	require.Contains(t, out, "Not allowed: offboard, cancel-offboard, resume (needs BackupRestore-Configuration.ReadWrite.All)")
}

// A token whose scp lacks the command's permission fails before anything
// is sent, naming the permission and the fix; ReadWrite covers Read; an
// opaque token is left to the service; the Azure CLI's token is told
// apart (its application cannot be granted the permission).
func TestScopeCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		token   string
		need    string
		dryRun  bool
		missing []string
	}{
		{"read with Read", fake.NewDelegatedCredential(permRead).Token(), permRead, false, nil},
		{"read with ReadWrite", fake.NewDelegatedCredential(permReadWrite).Token(), permRead, false, nil},
		{"write with Read", fake.NewDelegatedCredential(permRead, permControlRead).Token(), permReadWrite, false, []string{permReadWrite}},
		{"write without the gate's", fake.NewDelegatedCredential(permReadWrite).Token(), permReadWrite, false, []string{permControlRead}},
		{"dry run with Read", fake.NewDelegatedCredential(permRead, permControlRead).Token(), permReadWrite, true, nil},
		{"service status with Control.ReadWrite", fake.NewDelegatedCredential("BackupRestore-Control.ReadWrite.All").Token(), permControlRead, false, nil},
		{"app-only", fake.NewAppCredential(permReadWrite).Token(), permRead, false, []string{permRead}},
		{"opaque", "opaque-token", permReadWrite, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &app{need: tt.need, dryRun: tt.dryRun}
			require.Equal(t, tt.missing, missingScopes(tt.token, a.scopesFor()))
		})
	}
	err := scopeError([]string{permReadWrite}, &profile{Name: "prod"}, "contoso.onmicrosoft.com", "c1", defaultAuthorityHost)
	code, msg := classify(err, permReadWrite)
	require.Equal(t, exitAuth, code)
	for _, w := range []string{"lacks " + permReadWrite, "nothing was sent", "backuprestore auth login --profile prod",
		"https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=c1", "az ad app permission admin-consent --id c1"} {
		require.Contains(t, msg, w)
	}

	a := &app{need: permReadWrite}
	a.log = slog.New(slog.DiscardHandler)
	err = a.checkCredential(t.Context(), fake.NewDelegatedCredential(permRead), endpoint{Mode: modeGraph, Auth: "azurecli"}, []string{"https://graph.microsoft.com/.default"})
	code, msg = classify(err, permReadWrite)
	require.Equal(t, exitAuth, code)
	require.Contains(t, msg, "The Azure CLI's own application ("+azureCLIClientID+")")
	require.Contains(t, msg, "backuprestore auth login")
}

// An access token that expires mid-run is renewed silently from the
// refresh token: the run finishes, each write was sent once, no request
// was refused.
func TestAuthTokenExpiresMidRun(t *testing.T) {
	t.Parallel()
	emu := startIdentityEmulator(t, "-units", "30", "-removal-delay", "1500ms", "-identity-token-lifetime", "2s")
	u := newUser(t, emu)
	u.login()
	var targets []string
	for _, x := range emu.units() {
		if offboardable(x) && x.Status == "protected" && len(targets) < 3 {
			targets = append(targets, x.ID)
		}
	}
	require.Len(t, targets, 3)
	refreshesBefore := grants(emu, "refresh_token")
	start := time.Now()
	code, out, errOut := u.run(append([]string{"offboard", "--yes", "--poll-interval", "250ms"}, targets...)...)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", out, errOut)
	require.Contains(t, out, "summary: 3 units: 3 done")
	require.Greater(t, time.Since(start), 2*time.Second, "the run outlived the first token")
	require.Greater(t, grants(emu, "refresh_token")-refreshesBefore, 2, "tokens were renewed silently during the run")
	offboards := map[string]int{}
	for _, r := range emu.graphRequests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/offboard") {
			offboards[r.Path]++
		}
	}
	require.Len(t, offboards, 3)
	for p, n := range offboards {
		require.Equal(t, 1, n, "%s sent once", p)
	}
	var reqs struct {
		Value []struct {
			Status int
			Path   string
		}
	}
	emu.control("GET", "/_emulator/requests", "", &reqs)
	for _, r := range reqs.Value {
		require.NotEqual(t, 401, r.Status, "no token was refused: %s", r.Path)
	}
}

// grants counts the identity provider's successful token requests of a
// grant type.
func grants(emu *idEmulator, grant string) int {
	n := 0
	for _, r := range emu.tokenRequests() {
		if r.Endpoint == "token" && r.GrantType == grant && r.Error == "" {
			n++
		}
	}
	return n
}

// Bad input and broken sign-ins: each a distinct, clear message, exit 4.
func TestAuthBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		emu  []string
		// setup runs before the command (e.g. a login to revoke).
		setup func(t *testing.T, emu *idEmulator, u *user)
		args  []string
		// during runs while the command waits (e.g. declining its code).
		during func(t *testing.T, emu *idEmulator)
		want   []string
	}{
		{name: "wrong tenant", args: []string{"--tenant", "fabrikam.onmicrosoft.com", "auth", "login", "--device-code"},
			want: []string{`the tenant "fabrikam.onmicrosoft.com" does not exist`, "AADSTS90002", "Check --tenant"}},
		{name: "unknown client ID", args: []string{"--client-id", "11111111-2222-3333-4444-555555555555", "auth", "login", "--device-code"},
			want: []string{"the application (client) ID 11111111-2222-3333-4444-555555555555 is not registered", "AADSTS700016", "docs/sign-in.md"}},
		{name: "denied device code", emu: []string{"-identity-manual-approve"}, args: []string{"auth", "login", "--device-code"},
			during: func(t *testing.T, emu *idEmulator) { decideDevice(t, emu, false) },
			want:   []string{"the sign-in was declined", "authorization_declined"}},
		{name: "expired device code", emu: []string{"-identity-manual-approve", "-identity-device-code-lifetime", "2s"}, args: []string{"auth", "login", "--device-code"},
			want: []string{"the device code expired before the sign-in was approved"}},
		{name: "sessions revoked", emu: []string{"-identity-token-lifetime", "2m"}, setup: func(t *testing.T, emu *idEmulator, u *user) {
			u.login()
			emu.control("POST", identity.ControlPath+"/revoke", "", nil)
		}, args: []string{"units", "list"},
			want: []string{"has expired or was revoked", "AADSTS50173", "Sign in again: backuprestore auth login"}},
		{name: "unreachable authority", emu: []string{"-identity-token-lifetime", "2m"}, setup: func(t *testing.T, emu *idEmulator, u *user) {
			u.login()
			emu.stop()
		}, args: []string{"units", "list"},
			want: []string{"cannot reach the sign-in service at https://127.0.0.1:", "network problem", "not a rejected sign-in"}},
		{name: "unreachable emulator at login", setup: func(t *testing.T, emu *idEmulator, u *user) { emu.stop() },
			args: []string{"auth", "login", "--device-code"},
			want: []string{"cannot reach the emulator at https://127.0.0.1:", "a network problem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			emu := startIdentityEmulator(t, append([]string{"-units", "3"}, tt.emu...)...)
			u := newUser(t, emu)
			if tt.setup != nil {
				tt.setup(t, emu, u)
			}
			done := make(chan struct{})
			if tt.during != nil {
				go func() { defer close(done); tt.during(t, emu) }()
			} else {
				close(done)
			}
			code, out, errOut := u.run(tt.args...)
			<-done
			require.Equal(t, exitAuth, code, "stdout: %s\nstderr: %s", out, errOut)
			for _, w := range tt.want {
				require.Contains(t, errOut, w)
			}
			require.True(t, strings.HasPrefix(errOut, "backuprestore: ") || strings.Contains(errOut, "\nbackuprestore: "), errOut)
			noTokens(t, "stderr", errOut)
		})
	}
}

// decideDevice waits for a pending device code and approves or declines
// it through the control API.
func decideDevice(t *testing.T, emu *idEmulator, approve bool) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var info identity.Info
		emu.control("GET", identity.ControlPath, "", &info)
		if len(info.PendingDeviceCodes) > 0 {
			emu.control("POST", identity.ControlPath+"/device?"+url.Values{"user_code": {info.PendingDeviceCodes[0].UserCode},
				"approve": {map[bool]string{true: "true", false: "false"}[approve]}}.Encode(), "", nil)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Error("no device code became pending")
}
