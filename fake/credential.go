package fake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Identities written into the tokens Credential mints, unless changed with
// SetClaim.
const (
	// TestTenantID is the "tid" claim.
	TestTenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	// TestUserID is the delegated token's "oid" claim.
	TestUserID = "5f4b2a13-9a8e-4b7e-8c1d-2e6a0c3b9d41"
	// TestUserName is the delegated token's "name" claim.
	TestUserName = "Megan Bowen"
	// TestUserUPN is the delegated token's "upn" claim.
	TestUserUPN = "MeganB@contoso.onmicrosoft.com"
	// TestAppID is the "appid" claim.
	TestAppID = "4a6c2e2f-1b3d-4f5e-9a7b-8c9d0e1f2a3b"
	// TestAppName is the "app_displayname" claim.
	TestAppName = "Contoso Backup Tool"
)

// tokenLifetime is how long minted tokens last.
const tokenLifetime = time.Hour

// Credential is an azcore.TokenCredential minting test tokens the emulator
// understands: unsigned JWTs ("alg": "none", a fixed fake signature)
// carrying "scp" (delegated) or "roles" (app-only), plus "oid", "tid",
// "name", "upn", "appid", "aud" and "exp"; or an opaque string. Real Graph
// rejects them. It counts GetToken calls, and SetError makes GetToken fail.
// Safe for concurrent use.
type Credential struct {
	mu     sync.Mutex
	claims map[string]any // nil for an opaque credential
	opaque string
	err    error
	calls  int
	scopes [][]string
}

// NewDelegatedCredential returns a credential for a signed-in user (the
// "scp" claim, space-separated) granted scopes; with no scopes it grants
// BackupRestore-Configuration.ReadWrite.All and
// BackupRestore-Control.Read.All, which allow every operation.
func NewDelegatedCredential(scopes ...string) *Credential {
	if len(scopes) == 0 {
		scopes = []string{PermissionReadWrite, PermissionControlRead}
	}
	scp := ""
	for i, s := range scopes {
		if i > 0 {
			scp += " "
		}
		scp += s
	}
	return &Credential{claims: map[string]any{
		"aud": "https://graph.microsoft.com", "tid": TestTenantID, "oid": TestUserID, "sub": TestUserID,
		"name": TestUserName, "upn": TestUserUPN, "appid": TestAppID, "app_displayname": TestAppName,
		"idtyp": "user", "scp": scp,
	}}
}

// NewAppCredential returns an app-only credential (client credentials: a
// "roles" array, no "scp") granted roles; with no roles it grants
// BackupRestore-Configuration.ReadWrite.All and
// BackupRestore-Control.Read.All. App-only tokens can list, get, read the
// service status and PATCH policies, but never offboard or cancel (403).
func NewAppCredential(roles ...string) *Credential {
	if len(roles) == 0 {
		roles = []string{PermissionReadWrite, PermissionControlRead}
	}
	return &Credential{claims: map[string]any{
		"aud": "https://graph.microsoft.com", "tid": TestTenantID, "oid": TestAppID, "sub": TestAppID,
		"appid": TestAppID, "app_displayname": TestAppName, "idtyp": "app", "roles": append([]string(nil), roles...),
	}}
}

// NewOpaqueCredential returns a credential whose token is the fixed string
// token (not a JWT). The emulator treats it as delegated
// BackupRestore-Configuration.ReadWrite.All and
// BackupRestore-Control.Read.All unless Options.StrictAuth.
func NewOpaqueCredential(token string) *Credential {
	return &Credential{opaque: token}
}

// GetToken implements azcore.TokenCredential. It fails with the context's
// error when ctx is done, or with the error given to SetError.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.scopes = append(c.scopes, append([]string(nil), opts.Scopes...))
	if err := ctx.Err(); err != nil {
		return azcore.AccessToken{}, err
	}
	if c.err != nil {
		return azcore.AccessToken{}, c.err
	}
	exp := time.Now().Add(tokenLifetime).Truncate(time.Second)
	return azcore.AccessToken{Token: c.tokenLocked(exp), ExpiresOn: exp}, nil
}

// Token returns a token as GetToken would, without counting a call: handy
// for building Authorization headers by hand.
func (c *Credential) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenLocked(time.Now().Add(tokenLifetime).Truncate(time.Second))
}

// tokenLocked mints a token expiring at exp.
func (c *Credential) tokenLocked(exp time.Time) string {
	if c.claims == nil {
		return c.opaque
	}
	claims := maps.Clone(c.claims)
	if _, set := claims["exp"]; !set {
		claims["exp"] = exp.Unix()
	}
	if _, set := claims["iat"]; !set {
		claims["iat"] = exp.Add(-tokenLifetime).Unix()
	}
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(claims)
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".ZmFrZS1zaWduYXR1cmU"
}

// SetClaim sets (or, with a nil value, removes) a claim of the tokens
// minted from now on, e.g. SetClaim("aud", "api://other") or an "exp" in
// the past. It does nothing on an opaque credential.
func (c *Credential) SetClaim(name string, value any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claims == nil {
		return
	}
	if value == nil {
		delete(c.claims, name)
		return
	}
	c.claims[name] = value
}

// SetError makes GetToken fail with err from now on; nil restores it.
func (c *Credential) SetError(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// Calls returns how many times GetToken was called.
func (c *Credential) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// Scopes returns the scopes of each GetToken call, oldest first.
func (c *Credential) Scopes() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][]string, len(c.scopes))
	for i, s := range c.scopes {
		out[i] = append([]string(nil), s...)
	}
	return out
}

// Compile-time check that Credential is a TokenCredential.
var _ azcore.TokenCredential = (*Credential)(nil)
