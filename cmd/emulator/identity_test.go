package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
)

// emulator -tls -tls-cert-out FILE -identity -strict-auth: the first line
// is the https Graph base URL; GET /_emulator/identity says how to sign
// in; azidentity's DeviceCodeCredential, trusting FILE, signs in and its
// token lists units through the SDK; an unsigned test token is refused.
func TestRunIdentity(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "emulator.pem")
	base, stop := started(t, "-listen", "127.0.0.1:0", "-units", "3", "-tls", "-tls-cert-out", certFile,
		"-identity", "-strict-auth", "-identity-token-lifetime", "10m")
	require.True(t, strings.HasPrefix(base, "https://127.0.0.1:"), base)
	require.True(t, strings.HasSuffix(base, "/v1.0"), base)
	origin := strings.TrimSuffix(base, "/v1.0")

	client, err := identity.HTTPClientTrusting(certFile)
	require.NoError(t, err)
	resp, err := client.Get(origin + identity.ControlPath)
	require.NoError(t, err)
	var info identity.Info
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&info))
	_ = resp.Body.Close()
	require.Equal(t, origin+"/", info.AuthorityHost)
	require.Equal(t, "10m0s", info.TokenLifetime)

	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: info.AuthorityHost}, Transport: client},
		TenantID:      info.TenantID, ClientID: info.PublicClientID, DisableInstanceDiscovery: true,
		UserPrompt: func(context.Context, azidentity.DeviceCodeMessage) error { return nil },
	})
	require.NoError(t, err)
	c, err := backuprestore.NewClient(cred, &backuprestore.Options{BaseURL: base, HTTPClient: client, Scopes: []string{backuprestore.ScopeConfigurationRead}})
	require.NoError(t, err)
	n := 0
	for _, err := range c.ProtectionUnits().All(t.Context(), nil) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 3, n)

	unsigned, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: base, HTTPClient: client})
	require.NoError(t, err)
	_, err = unsigned.ProtectionUnits().Get(t.Context(), nil)
	require.ErrorIs(t, err, backuprestore.ErrUnauthorized, "-strict-auth with -identity: only the provider's tokens")
	var e *backuprestore.Error
	require.True(t, errors.As(err, &e))
	require.Contains(t, e.Message, "IDX10511")

	// Without -tls-cert-out's certificate, the client refuses the server.
	_, err = http.Get(origin + identity.ControlPath)
	require.Error(t, err)
	require.NoError(t, stop())
}

// Without -identity, -tls serves Graph over HTTPS and -strict-auth keeps
// its meaning (any JWT with scp or roles, no opaque token).
func TestRunTLSWithoutIdentity(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "emulator.pem")
	base, stop := started(t, "-listen", "127.0.0.1:0", "-units", "0", "-tls", "-tls-cert-out", certFile, "-strict-auth")
	client, err := identity.HTTPClientTrusting(certFile)
	require.NoError(t, err)
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: base, HTTPClient: client})
	require.NoError(t, err)
	_, err = c.ProtectionUnits().Get(t.Context(), nil)
	require.NoError(t, err)
	resp, err := client.Get(strings.TrimSuffix(base, "/v1.0") + "/" + identity.DefaultTenantID + "/v2.0/.well-known/openid-configuration")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.NotEqual(t, http.StatusOK, resp.StatusCode, "no identity provider without -identity")
	require.NoError(t, stop())
}

func TestRunIdentityFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-identity"},
		{"-tls-cert-out", "x.pem"},
		{"-tls", "-identity-manual-approve"},
		{"-tls", "-identity", "-identity-token-lifetime", "0s"},
		{"-tls", "-identity", "-identity-token-lifetime", "soon"},
	} {
		err := run(t.Context(), args, io.Discard)
		var ue *usageError
		require.ErrorAs(t, err, &ue, "%v", args)
	}
}
