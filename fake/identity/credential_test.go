package identity_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
	"github.com/m365kit/backuprestore/models"
)

// browserEnv makes the test binary play a browser (TestMain): a stand-in
// xdg-open runs it with the authorize URL.
const (
	browserEnv   = "IDENTITY_TEST_BROWSER"
	browserCAEnv = "IDENTITY_TEST_BROWSER_CA"
)

func TestMain(m *testing.M) {
	if os.Getenv(browserEnv) == "1" {
		os.Exit(playBrowser(os.Args[len(os.Args)-1]))
	}
	os.Exit(m.Run())
}

// playBrowser is the stand-in browser: identity.Browse with a client that
// trusts the emulator's certificate.
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

// standInBrowser puts an xdg-open first on PATH that runs this test binary
// as the browser (azidentity opens the authorize URL with
// github.com/pkg/browser, which runs xdg-open on Linux).
func standInBrowser(t *testing.T, caFile string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	script := "#!/bin/sh\n" + browserEnv + "=1 " + browserCAEnv + "='" + caFile + "' exec '" + exe + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// sdkClient is an SDK client of the env's Graph emulator.
func (e *env) sdkClient(t *testing.T, cred azcore.TokenCredential, scopes ...string) *backuprestore.Client {
	t.Helper()
	c, err := backuprestore.NewClient(cred, &backuprestore.Options{BaseURL: e.srv.URL + "/v1.0", HTTPClient: e.client, Scopes: scopes})
	require.NoError(t, err)
	return c
}

// listAndCancel lists the units and cancels one's offboarding through c.
func (e *env) listAndCancel(t *testing.T, c *backuprestore.Client) {
	t.Helper()
	require.NoError(t, e.graph.AddUnit(fake.Unit{ID: "site-1", SiteID: "contoso.sharepoint.com,1,1", Status: models.StatusOffboardRequested, PolicyID: "p1"}))
	n := 0
	for _, err := range c.ProtectionUnits().All(t.Context(), nil) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 1, n)
	u, err := c.ProtectionUnits().ByID("site-1").CancelOffboard().Post(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, models.StatusCancelOffboardRequested, u.Status)
	require.Equal(t, e.p.User().UserPrincipalName, u.LastModifiedBy.User.Email, "the action is the signed-in user's")
}

// azidentity's real DeviceCodeCredential signs in against the emulated
// Entra ID unchanged (only the authority host, the transport trusting the
// certificate and DisableInstanceDiscovery set), its token lists units and
// cancels an offboarding through the SDK against a Graph emulator that
// accepts only tokens the provider signed, and the token carries what
// Entra ID's would.
func TestDeviceCodeCredential(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var prompts []azidentity.DeviceCodeMessage
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: e.clientOptions(), TenantID: e.p.TenantID(), ClientID: e.p.PublicClientID(),
		DisableInstanceDiscovery: true,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			prompts = append(prompts, m)
			return nil
		},
	})
	require.NoError(t, err)
	// EnableCAE: the SDK asks with CAE on (Kiota's default), and azidentity
	// keeps CAE and non-CAE tokens apart; signing in without it would make
	// the SDK's first call prompt again.
	rec, err := cred.Authenticate(t.Context(), &policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeConfigurationReadWrite}, EnableCAE: true})
	require.NoError(t, err)
	require.Len(t, prompts, 1)
	require.Regexp(t, `^[A-Z0-9]{9}$`, prompts[0].UserCode)
	require.Equal(t, e.host+"devicelogin", prompts[0].VerificationURL)
	require.Contains(t, prompts[0].Message, prompts[0].UserCode)
	require.Equal(t, e.p.User().UserPrincipalName, rec.Username)
	require.Equal(t, e.p.TenantID(), rec.TenantID)
	require.Equal(t, e.p.PublicClientID(), rec.ClientID)
	require.Equal(t, strings.TrimSuffix(e.host, "/"), rec.Authority)
	require.Equal(t, e.p.User().ObjectID+"."+e.p.TenantID(), rec.HomeAccountID)

	tok, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeConfigurationReadWrite}, EnableCAE: true})
	require.NoError(t, err)
	require.NoError(t, e.p.Verify(tok.Token))
	claims := decodeClaims(t, tok.Token)
	require.Equal(t, identity.GraphResource, claims["aud"])
	require.Equal(t, e.p.TenantID(), claims["tid"])
	require.Equal(t, e.p.User().ObjectID, claims["oid"])
	require.Equal(t, e.p.User().UserPrincipalName, claims["upn"])
	require.Equal(t, backuprestore.PermissionConfigurationReadWrite, claims["scp"])
	require.WithinDuration(t, e.clock.Now().Add(identity.DefaultTokenLifetime), tok.ExpiresOn, 2*time.Second)

	e.listAndCancel(t, e.sdkClient(t, cred, backuprestore.ScopeConfigurationReadWrite))
	require.Len(t, prompts, 1, "the SDK's calls signed in silently")
}

// azidentity's real InteractiveBrowserCredential signs in with auth code +
// PKCE on its loopback redirect: the browser is a stand-in xdg-open that
// follows the authorize URL and submits the form_post page, as a browser
// would. Its token lists units and cancels an offboarding.
func TestInteractiveBrowserCredential(t *testing.T) {
	e := newEnv(t, nil)
	standInBrowser(t, e.caFile)
	cred, err := azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
		ClientOptions: e.clientOptions(), TenantID: e.p.TenantID(), ClientID: e.p.PublicClientID(),
		DisableInstanceDiscovery: true,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	rec, err := cred.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeConfigurationReadWrite}, EnableCAE: true})
	require.NoError(t, err)
	require.Equal(t, e.p.User().UserPrincipalName, rec.Username)
	e.listAndCancel(t, e.sdkClient(t, cred, backuprestore.ScopeConfigurationReadWrite))

	var authorize []identity.Request
	for _, r := range e.p.Requests() {
		if r.Endpoint == "authorize" {
			authorize = append(authorize, r)
		}
	}
	require.Len(t, authorize, 1, "one browser sign-in")
	require.Equal(t, 1, countGrants(e.p, "authorization_code"))
}

// MSAL's public client, driven directly, signs in with auth code + PKCE
// through identity.Browse as its WithOpenURL.
func TestMSALInteractiveWithBrowse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	app, err := public.New(e.p.PublicClientID(), public.WithAuthority(e.host+e.p.TenantID()),
		public.WithHTTPClient(e.client), public.WithInstanceDiscovery(false))
	require.NoError(t, err)
	res, err := app.AcquireTokenInteractive(t.Context(), []string{backuprestore.ScopeConfigurationRead},
		public.WithOpenURL(func(u string) error { return identity.Browse(t.Context(), e.client, u) }))
	require.NoError(t, err)
	require.Equal(t, backuprestore.PermissionConfigurationRead, decodeClaims(t, res.AccessToken)["scp"])
	require.Equal(t, e.p.User().UserPrincipalName, res.Account.PreferredUsername)

	// A later silent request for the account is served without a prompt.
	accts, err := app.Accounts(t.Context())
	require.NoError(t, err)
	require.Len(t, accts, 1)
	_, err = app.AcquireTokenSilent(t.Context(), []string{backuprestore.ScopeConfigurationRead}, public.WithSilentAccount(accts[0]))
	require.NoError(t, err)
}

// With a lifetime under MSAL's 5-minute margin, every GetToken redeems the
// refresh token: after the provider's clock passed the first token's
// expiry, that token is refused by Graph and the credential's next token,
// fetched silently, is accepted; nobody is prompted again.
func TestRefreshAfterExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &identity.Options{TokenLifetime: time.Minute})
	prompts := 0
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: e.clientOptions(), TenantID: e.p.TenantID(), ClientID: e.p.PublicClientID(), DisableInstanceDiscovery: true,
		UserPrompt: func(context.Context, azidentity.DeviceCodeMessage) error { prompts++; return nil },
	})
	require.NoError(t, err)
	opts := policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeConfigurationRead}}
	first, err := cred.GetToken(t.Context(), opts)
	require.NoError(t, err)
	require.NoError(t, e.p.Verify(first.Token))

	e.clock.Advance(2 * time.Minute)
	require.ErrorIs(t, e.p.Verify(first.Token), identity.ErrTokenExpired)
	second, err := cred.GetToken(t.Context(), opts)
	require.NoError(t, err)
	require.NotEqual(t, first.Token, second.Token)
	require.NoError(t, e.p.Verify(second.Token))
	require.Equal(t, 1, prompts)
	require.Equal(t, 1, countGrants(e.p, "device_code"))
	require.Equal(t, 1, countGrants(e.p, "refresh_token"))
}

// A refresh token that expired, or whose session an administrator
// revoked, fails the silent request with Entra ID's invalid_grant; a
// credential that may prompt then asks the user again (azidentity's
// fallback), so the provider's log is where the failure shows.
func TestRefreshTokenEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(e *env)
		code int
	}{
		{"expired", func(e *env) { e.clock.Advance(identity.DefaultRefreshTokenLifetime + time.Hour) }, 700082},
		{"revoked", func(e *env) { e.p.RevokeSessions() }, 50173},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &identity.Options{TokenLifetime: time.Minute})
			prompts := 0
			cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
				ClientOptions: e.clientOptions(), TenantID: e.p.TenantID(), ClientID: e.p.PublicClientID(), DisableInstanceDiscovery: true,
				UserPrompt: func(context.Context, azidentity.DeviceCodeMessage) error { prompts++; return nil },
			})
			require.NoError(t, err)
			opts := policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeConfigurationRead}}
			_, err = cred.GetToken(t.Context(), opts)
			require.NoError(t, err)
			_, err = cred.GetToken(t.Context(), opts) // silent: the refresh token works
			require.NoError(t, err)
			require.Equal(t, 1, prompts)
			tt.end(e)
			_, err = cred.GetToken(t.Context(), opts)
			require.NoError(t, err)
			require.Equal(t, 2, prompts, "the refresh failed, so the user was asked again")
			var failed []identity.Request
			for _, r := range e.p.Requests() {
				if r.GrantType == "refresh_token" && r.Error != "" {
					failed = append(failed, r)
				}
			}
			require.Len(t, failed, 1)
			require.Equal(t, "invalid_grant", failed[0].Error)
			require.Equal(t, tt.code, failed[0].AADSTS)
		})
	}
}

// countGrants counts the provider's successful token requests of a grant.
func countGrants(p *identity.Provider, grant string) int {
	n := 0
	for _, r := range p.Requests() {
		if r.Endpoint == "token" && r.GrantType == grant && r.Error == "" {
			n++
		}
	}
	return n
}
