package identity

import (
	"crypto/rsa"
	"time"
)

// The defaults of Options.
const (
	// DefaultTenantID is the emulated tenant's ID.
	DefaultTenantID = "8c3dad1d-b6bc-4f8b-939b-8263372eced6"
	// DefaultTenantDomain is the emulated tenant's initial domain.
	DefaultTenantDomain = "contoso.onmicrosoft.com"
	// DefaultPublicClientID is the application (client) ID of the public
	// client registered in the emulated tenant: device code and auth code +
	// PKCE on a loopback redirect, with every Backup Storage delegated
	// permission consented.
	DefaultPublicClientID = "5b3e6f0a-6c1d-4e1b-9a8e-2f7c9d4b1a20"
	// DefaultTokenLifetime is the access tokens' lifetime.
	DefaultTokenLifetime = time.Hour
	// DefaultRefreshTokenLifetime is how long a refresh token can be
	// redeemed (Entra ID's 90-day inactivity limit).
	DefaultRefreshTokenLifetime = 90 * 24 * time.Hour
	// DefaultDeviceCodeLifetime is how long a device code can be approved
	// and redeemed (Entra ID's 15 minutes).
	DefaultDeviceCodeLifetime = 15 * time.Minute
	// DefaultAuthCodeLifetime is how long an authorization code can be
	// redeemed (Entra ID's 10 minutes).
	DefaultAuthCodeLifetime = 10 * time.Minute
)

// The delegated Microsoft Graph permissions the emulated tenant knows, as
// they appear in scp.
const (
	ScopeConfigurationRead      = "BackupRestore-Configuration.Read.All"
	ScopeConfigurationReadWrite = "BackupRestore-Configuration.ReadWrite.All"
	ScopeControlRead            = "BackupRestore-Control.Read.All"
	ScopeControlReadWrite       = "BackupRestore-Control.ReadWrite.All"
	ScopeUserRead               = "User.Read"
)

// GraphResource is Microsoft Graph's resource URI, the prefix of its scopes
// and the aud of its access tokens.
const GraphResource = "https://graph.microsoft.com"

// knownGraphScopes are the Graph permissions a client may ask for.
var knownGraphScopes = []string{
	ScopeConfigurationRead, ScopeConfigurationReadWrite, ScopeControlRead, ScopeControlReadWrite, ScopeUserRead,
}

// Client is an application registered in the emulated tenant.
type Client struct {
	// ID is the application (client) ID.
	ID string `json:"clientId"`
	// DisplayName is the application's name, used in error messages.
	DisplayName string `json:"displayName"`
	// Confidential marks a client that is not allowed public client flows
	// (device code, and auth code without a secret): its token requests fail
	// with invalid_client (AADSTS7000218), as Entra ID answers for an app
	// whose "Allow public client flows" is off.
	Confidential bool `json:"confidential,omitempty"`
	// Consented are the delegated Graph permissions an administrator
	// consented to for this client (short names, e.g.
	// BackupRestore-Configuration.Read.All). ConsentControl changes them.
	Consented []string `json:"consentedScopes"`
}

// User is the account that signs in.
type User struct {
	// ObjectID is the user's oid.
	ObjectID string `json:"id"`
	// UserPrincipalName is the upn and preferred_username.
	UserPrincipalName string `json:"userPrincipalName"`
	// DisplayName is the name claim.
	DisplayName string `json:"displayName"`
}

// Options configures a Provider. The zero value (or nil) gives the
// documented defaults.
type Options struct {
	// TenantID is the tenant's ID (default DefaultTenantID).
	TenantID string
	// TenantDomain is the tenant's domain, accepted in place of its ID in
	// paths (default DefaultTenantDomain).
	TenantDomain string
	// Clients are the registered applications. Default: one public client,
	// DefaultPublicClientID, with BackupRestore-Configuration.Read.All,
	// BackupRestore-Configuration.ReadWrite.All,
	// BackupRestore-Control.Read.All and User.Read consented.
	Clients []Client
	// User is the account that approves device codes and signs in in the
	// browser (default "Megan Bowen", admin@contoso.onmicrosoft.com).
	User User
	// TokenLifetime is the access tokens' lifetime (default
	// DefaultTokenLifetime). MSAL treats a token that expires within 5
	// minutes as expired, so a lifetime under 5 minutes makes every
	// GetToken redeem the refresh token.
	TokenLifetime time.Duration
	// RefreshTokenLifetime is how long a refresh token stays redeemable
	// (default DefaultRefreshTokenLifetime).
	RefreshTokenLifetime time.Duration
	// DeviceCodeLifetime is a device code's lifetime (default
	// DefaultDeviceCodeLifetime).
	DeviceCodeLifetime time.Duration
	// ManualApprove leaves device codes pending until ApproveDevice (or
	// the control API) approves or declines them. By default the user
	// approves each one at once.
	ManualApprove bool
	// AuthorityHost is the authority host the Provider is served at, e.g.
	// https://127.0.0.1:8443/ (used in issuers and endpoint URLs). Empty:
	// taken from each request (its Host, https when it came over TLS).
	AuthorityHost string
	// Now is the Provider's clock (default time.Now): token, code and
	// device-code lifetimes are measured on it.
	Now func() time.Time
	// Key signs ID and access tokens (RS256). Nil: a 2048-bit key is
	// generated.
	Key *rsa.PrivateKey
}

// defaultUser is the account of the default Options.
var defaultUser = User{
	ObjectID:          "d3a1f4b2-7c5e-4a9d-8b6f-1e2c3d4a5b6c",
	UserPrincipalName: "admin@" + DefaultTenantDomain,
	DisplayName:       "Megan Bowen",
}

// withDefaults returns a copy of o (nil allowed) with defaults filled in.
func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.TenantID == "" {
		v.TenantID = DefaultTenantID
	}
	if v.TenantDomain == "" {
		v.TenantDomain = DefaultTenantDomain
	}
	if v.Clients == nil {
		v.Clients = []Client{{
			ID: DefaultPublicClientID, DisplayName: "backuprestore (emulated public client)",
			Consented: []string{ScopeConfigurationRead, ScopeConfigurationReadWrite, ScopeControlRead, ScopeUserRead},
		}}
	}
	if v.User == (User{}) {
		v.User = defaultUser
	}
	if v.TokenLifetime <= 0 {
		v.TokenLifetime = DefaultTokenLifetime
	}
	if v.RefreshTokenLifetime <= 0 {
		v.RefreshTokenLifetime = DefaultRefreshTokenLifetime
	}
	if v.DeviceCodeLifetime <= 0 {
		v.DeviceCodeLifetime = DefaultDeviceCodeLifetime
	}
	if v.Now == nil {
		v.Now = time.Now
	}
	return v
}
