package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// The sign-in's defaults on Microsoft Graph (see docs/sign-in.md).
const (
	// defaultAuthorityHost is Entra ID's global authority host.
	defaultAuthorityHost = "https://login.microsoftonline.com/"
	// defaultClientID is the client when neither --client-id nor
	// $AZURE_CLIENT_ID names one: Microsoft Graph Command Line Tools, the
	// public client Connect-MgGraph uses. Unlike the Azure CLI's
	// application, it is not limited to a preauthorized set of Graph
	// permissions: an administrator can consent to BackupRestore-*
	// permissions for it (incremental consent), so its tokens carry them.
	defaultClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
	// defaultTenant is the tenant without --tenant: the user's home tenant.
	defaultTenant = "organizations"
	// azureCLIClientID is the Azure CLI's application, named in messages.
	azureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	// loginTimeout bounds an interactive sign-in.
	loginTimeout = 10 * time.Minute
)

// signInCredential is a credential that can also sign the user in.
type signInCredential interface {
	azcore.TokenCredential
	Authenticate(context.Context, *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error)
}

// signIn is a profile's credential and the transport that watches it.
type signIn struct {
	p    *profile
	cred signInCredential
	tr   *signInTransport
}

// httpClient returns an HTTP client trusting the system's roots and, when
// caFile is set, the certificates in it (an emulator's self-signed one).
func httpClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return nil, usageErrorf("--emulator-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, usageErrorf("--emulator-ca: %s holds no PEM certificate (the emulator writes one with -tls-cert-out)", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// newSignIn builds the credential of p: azidentity's, with its encrypted
// persistent cache, or (p.UnencryptedCache) MSAL's with a plain file.
// Interactive credentials sign in by device code or browser; the others
// only silently (DisableAutomaticAuthentication).
func (a *app) newSignIn(p *profile, interactive, device bool) (*signIn, error) {
	hc, err := httpClient(p.CAFile)
	if err != nil {
		return nil, err
	}
	s := &signIn{p: p, tr: &signInTransport{client: hc}}
	prompt := func(_ context.Context, m azidentity.DeviceCodeMessage) error {
		_, err := fmt.Fprintln(a.err, m.Message)
		return err
	}
	if p.UnencryptedCache {
		path, err := unencryptedCachePath(a.getenv, p.CacheName)
		if err != nil {
			return nil, err
		}
		s.cred, err = newFileCredential(p, path, s.tr, device, prompt)
		return s, err
	}
	c, err := a.openPersistentCache(p.CacheName)
	if err != nil {
		return nil, cacheRefusal(err)
	}
	co := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: p.AuthorityHost}, Transport: s.tr}
	noDiscovery := !trustedAuthority(p.AuthorityHost)
	if device || !interactive {
		s.cred, err = azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, TenantID: p.TenantID, ClientID: p.ClientID, Cache: c, AuthenticationRecord: p.Record,
			DisableAutomaticAuthentication: !interactive, DisableInstanceDiscovery: noDiscovery, UserPrompt: prompt,
		})
	} else {
		s.cred, err = azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			ClientOptions: co, TenantID: p.TenantID, ClientID: p.ClientID, Cache: c, AuthenticationRecord: p.Record,
			DisableInstanceDiscovery: noDiscovery,
		})
	}
	if err != nil {
		return nil, withCode(exitAuth, fmt.Errorf("sign-in: %w", err))
	}
	return s, nil
}

// token asks the credential for scopes, silently unless it is an
// interactive one; CAE on, as the SDK asks (azidentity keeps CAE and
// non-CAE tokens apart, so both must ask alike to share the cache).
func (s *signIn) token(ctx context.Context, scopes []string) (azcore.AccessToken, error) {
	s.tr.reset()
	return s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: scopes, EnableCAE: true})
}

// explain turns a failed sign-in or token request into the CLI's exit-4
// error: one distinct message per cause, from what Entra ID answered (the
// transport saw it even where azidentity hides it) or the network failure.
func (s *signIn) explain(err error, scopes []string, login bool) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	p := s.p
	ee, netErr := s.tr.lastError()
	again := "backuprestore auth login"
	if p.Name != defaultProfile {
		again += " --profile " + p.Name
	}
	var msg string
	switch {
	case ee != nil && (ee.has(90002) || ee.Code == "invalid_tenant"):
		msg = fmt.Sprintf("the tenant %q does not exist at %s (%s).\nCheck --tenant: a tenant ID or its domain, e.g. contoso.onmicrosoft.com", p.TenantID, p.AuthorityHost, ee.summary())
	case ee != nil && ee.has(700016):
		msg = fmt.Sprintf("the application (client) ID %s is not registered in tenant %s (%s).\nCheck --client-id, or register the application: see docs/sign-in.md", p.ClientID, p.TenantID, ee.summary())
	case ee != nil && ee.has(7000218):
		msg = fmt.Sprintf("the application %s does not allow public client flows (%s).\nTurn on \"Allow public client flows\" in its registration: see docs/sign-in.md", p.ClientID, ee.summary())
	case ee != nil && (ee.has(65001) || ee.Suberror == "consent_required"):
		perms := make([]string, len(scopes))
		for i, sc := range scopes {
			perms[i] = permissionOf(sc)
		}
		msg = fmt.Sprintf("Entra ID refused the permissions %s for the application %s: they are not consented in tenant %s (%s); nothing was sent.\n"+
			"An administrator of the tenant must grant admin consent: %s (or: az ad app permission admin-consent --id %s); then run %s",
			strings.Join(perms, ", "), p.ClientID, p.TenantID, ee.summary(), adminConsentURL(p.AuthorityHost, p.TenantID, p.ClientID), p.ClientID, again)
	case ee != nil && (ee.Code == "authorization_declined" || ee.Code == "access_denied"):
		msg = "the sign-in was declined (" + ee.summary() + "); nothing was saved. Run " + again + " to try again"
	case ee != nil && (ee.Code == "expired_token" || ee.has(70019)):
		msg = "the device code expired before the sign-in was approved (" + ee.summary() + "); nothing was saved. Run " + again + " and enter the code sooner"
	case ee != nil && ee.Code == "invalid_grant" && !login:
		msg = "the saved sign-in of " + p.Record.Username + " has expired or was revoked (" + ee.summary() + ").\nSign in again: " + again
	case ee != nil:
		msg = "Entra ID refused the sign-in: " + ee.summary()
	case netErr != nil:
		msg = fmt.Sprintf("cannot reach the sign-in service at %s: this is a network problem (name resolution, connection or TLS certificate), not a rejected sign-in: %v\n"+
			"Check the address, your network or proxy (and --emulator-ca for an emulator)", p.AuthorityHost, netErr)
	case errors.As(err, new(*azidentity.AuthenticationRequiredError)) || errors.Is(err, errSilentFailed):
		msg = "the saved sign-in (profile " + p.Name + ", " + p.Record.Username + ") cannot get a token without you: its session ended or its token cache is gone.\nSign in again: " + again
	default:
		msg = "sign-in failed: " + err.Error()
	}
	return withCode(exitAuth, errors.New(msg))
}

// emulatorIdentity reads GET /_emulator/identity of the emulator at
// graphURL: its authority host, tenant and public client.
func emulatorIdentity(ctx context.Context, hc *http.Client, graphURL string) (host, tenant, client string, err error) {
	u, err := url.Parse(graphURL)
	if err != nil {
		return "", "", "", err
	}
	origin := u.Scheme + "://" + u.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/_emulator/identity", nil)
	if err != nil {
		return "", "", "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", "", "", withCode(exitAuth, fmt.Errorf("cannot reach the emulator at %s: a network problem (connection or TLS certificate: is --emulator-ca its -tls-cert-out file?): %w", origin, err))
	}
	defer resp.Body.Close()
	var info struct {
		AuthorityHost  string `json:"authorityHost"`
		TenantID       string `json:"tenantId"`
		PublicClientID string `json:"publicClientId"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&info) != nil || info.AuthorityHost == "" {
		return "", "", "", withCode(exitAuth, fmt.Errorf("the emulator at %s does not play Entra ID (GET /_emulator/identity answered %s): start it with -tls -identity", origin, resp.Status))
	}
	return info.AuthorityHost, info.TenantID, info.PublicClientID, nil
}

// savedCredential is the credential of later commands: the saved sign-in
// of --profile, silent only. It gets a token for the command's scopes at
// once and checks its scp, so a sign-in that ended or a permission that is
// missing fails here, exit 4, before anything is sent.
func (a *app) savedCredential(ctx context.Context, ep endpoint, graphURL string) (azcore.TokenCredential, *http.Client, []string, error) {
	p, path, err := loadProfile(a.getenv, ep.Profile)
	switch {
	case errors.Is(err, errNoProfile):
		login := "backuprestore auth login"
		if ep.Mode == modeURL {
			login = "backuprestore --emulator-url " + ep.URL + " --emulator-ca " + ep.CAFile + " auth login"
		}
		if ep.Profile != defaultProfile {
			login += " --profile " + ep.Profile
		}
		return nil, nil, nil, withCode(exitAuth, fmt.Errorf("not signed in (profile %q; no %s).\nSign in first: %s (add --device-code on a machine without a browser)%s",
			ep.Profile, path, login, map[bool]string{true: ", or use --auth azurecli", false: ""}[ep.Mode == modeGraph]))
	case err != nil:
		return nil, nil, nil, withCode(exitAuth, err)
	}
	if !strings.EqualFold(strings.TrimSuffix(p.GraphURL, "/"), strings.TrimSuffix(graphURL, "/")) {
		return nil, nil, nil, withCode(exitAuth, fmt.Errorf("the saved sign-in of profile %q is for %s, not %s: sign in for this one with auth login (another --profile keeps both)", p.Name, p.GraphURL, graphURL))
	}
	if ep.CAFile != "" {
		p.CAFile = ep.CAFile
	}
	s, err := a.newSignIn(p, false, false)
	if err != nil {
		return nil, nil, nil, err
	}
	scopes := a.scopesFor()
	tok, err := s.token(ctx, scopes)
	if err != nil {
		return nil, nil, nil, s.explain(err, scopes, false)
	}
	if missing := missingScopes(tok.Token, scopes); len(missing) > 0 {
		return nil, nil, nil, scopeError(missing, p, p.TenantID, p.ClientID, p.AuthorityHost)
	}
	a.noteOperator(tok.Token)
	a.log.Debug("signed in silently", "profile", p.Name, "account", p.Record.Username, "scopes", strings.Join(scopes, " "), "expires", tok.ExpiresOn)
	hc, err := httpClient(p.CAFile)
	return s.cred, hc, scopes, err
}

// checkCredential gets a token of cred (--auth azurecli, devicecode,
// browser) and checks its scp for the command's permissions.
func (a *app) checkCredential(ctx context.Context, cred azcore.TokenCredential, ep endpoint, scopes []string) error {
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: scopes, EnableCAE: true})
	if err != nil {
		return withCode(exitAuth, fmt.Errorf("--auth %s: %w", ep.Auth, err))
	}
	want := a.scopesFor()
	if missing := missingScopes(tok.Token, want); len(missing) > 0 {
		client, host := ep.ClientID, defaultAuthorityHost
		if ep.Auth == "azurecli" {
			return withCode(exitAuth, fmt.Errorf("the Azure CLI's token lacks %s, which this command needs; nothing was sent.\n"+
				"The Azure CLI's own application (%s) is preauthorized for a fixed set of Graph permissions and cannot be granted this one. "+
				"Sign in with an application that can: backuprestore auth login (see docs/sign-in.md)", strings.Join(missing, " and "), azureCLIClientID))
		}
		return scopeError(missing, nil, ep.Tenant, client, host)
	}
	a.noteOperator(tok.Token)
	return nil
}
