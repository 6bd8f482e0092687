package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	extcache "github.com/AzureAD/microsoft-authentication-extensions-for-go/cache"
	"github.com/AzureAD/microsoft-authentication-extensions-for-go/cache/accessor/file"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// fileCredential signs in with MSAL's public client directly, its token
// cache an unencrypted file (mode 0600): the --allow-unencrypted-cache
// path, for machines whose OS offers no protected storage (azidentity's
// credentials accept only azidentity/cache's encrypted caches). It
// behaves like azidentity's credentials with DisableAutomaticAuthentication
// and an AuthenticationRecord: GetToken is silent only.
type fileCredential struct {
	app    public.Client
	record azidentity.AuthenticationRecord
	device bool
	prompt func(context.Context, azidentity.DeviceCodeMessage) error
}

// newFileCredential returns the MSAL client of p with its cache at path.
func newFileCredential(p *profile, path string, tr *signInTransport, device bool, prompt func(context.Context, azidentity.DeviceCodeMessage) error) (*fileCredential, error) {
	acc, err := file.New(path)
	if err != nil {
		return nil, err
	}
	xc, err := extcache.New(acc, path)
	if err != nil {
		return nil, err
	}
	opts := []public.Option{public.WithAuthority(strings.TrimSuffix(p.AuthorityHost, "/") + "/" + p.TenantID),
		public.WithCache(xc), public.WithHTTPClient(tr)}
	if !trustedAuthority(p.AuthorityHost) {
		opts = append(opts, public.WithInstanceDiscovery(false))
	}
	app, err := public.New(p.ClientID, opts...)
	if err != nil {
		return nil, err
	}
	return &fileCredential{app: app, record: p.Record, device: device, prompt: prompt}, nil
}

// errSilentFailed is fileCredential's error when no token can be had
// without the user (azidentity's counterpart: ErrAuthenticationRequired).
var errSilentFailed = errors.New("the saved sign-in cannot get a token without the user")

// GetToken implements azcore.TokenCredential, silently only.
func (c *fileCredential) GetToken(ctx context.Context, tro policy.TokenRequestOptions) (azcore.AccessToken, error) {
	accts, err := c.app.Accounts(ctx)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	for _, a := range accts {
		if a.HomeAccountID != c.record.HomeAccountID {
			continue
		}
		ar, err := c.app.AcquireTokenSilent(ctx, tro.Scopes, public.WithSilentAccount(a), public.WithClaims(tro.Claims))
		if err != nil {
			return azcore.AccessToken{}, fmt.Errorf("%w: %v", errSilentFailed, err)
		}
		return azcore.AccessToken{Token: ar.AccessToken, ExpiresOn: ar.ExpiresOn.UTC(), RefreshOn: ar.Metadata.RefreshOn.UTC()}, nil
	}
	return azcore.AccessToken{}, errSilentFailed
}

// Authenticate signs the user in (device code, or the browser on a
// loopback redirect) and returns the account's record.
func (c *fileCredential) Authenticate(ctx context.Context, tro *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error) {
	var ar public.AuthResult
	var err error
	if c.device {
		dc, e := c.app.AcquireTokenByDeviceCode(ctx, tro.Scopes)
		if e != nil {
			return azidentity.AuthenticationRecord{}, e
		}
		if err = c.prompt(ctx, azidentity.DeviceCodeMessage{UserCode: dc.Result.UserCode, VerificationURL: dc.Result.VerificationURL, Message: dc.Result.Message}); err == nil {
			ar, err = dc.AuthenticationResult(ctx)
		}
	} else {
		ar, err = c.app.AcquireTokenInteractive(ctx, tro.Scopes)
	}
	if err != nil {
		return azidentity.AuthenticationRecord{}, err
	}
	rec := azidentity.AuthenticationRecord{ClientID: ar.IDToken.Audience, HomeAccountID: ar.Account.HomeAccountID,
		TenantID: ar.IDToken.TenantID, Username: ar.Account.PreferredUsername, Version: "1.0"}
	if u, err := url.Parse(ar.IDToken.Issuer); err == nil {
		rec.Authority = u.Scheme + "://" + u.Host
	}
	c.record = rec
	return rec, nil
}

// trustedAuthority reports whether host is one MSAL validates itself
// (Microsoft's authority hosts); for any other, instance discovery is off.
func trustedAuthority(host string) bool {
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net",
		"login.microsoftonline.us", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn":
		return true
	}
	return false
}
