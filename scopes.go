package backuprestore

// The Microsoft Graph permissions of the Backup Storage API, as scopes to
// ask a credential for (Options.Scopes, azidentity's
// policy.TokenRequestOptions.Scopes, Authenticate). Ask for what the
// calls need, not for Graph's .default, when signing a user in with a
// client of your own: the token then carries exactly those scopes, and a
// scope an administrator has not consented to fails the sign-in with
// Entra ID's consent error (AADSTS65001) instead of a 403 later.
//
//	reads (units, policies)            ScopeConfigurationRead
//	offboard, cancelOffboard, PATCHes  ScopeConfigurationReadWrite (delegated only for the actions)
//	the service status (the run's gate) ScopeControlRead
const (
	// ScopeConfigurationRead is BackupRestore-Configuration.Read.All: list
	// and get protection units and policies.
	ScopeConfigurationRead = "https://graph.microsoft.com/" + PermissionConfigurationRead
	// ScopeConfigurationReadWrite is
	// BackupRestore-Configuration.ReadWrite.All: everything Read.All
	// allows, the policy PATCH, and (delegated tokens only) offboard and
	// cancelOffboard.
	ScopeConfigurationReadWrite = "https://graph.microsoft.com/" + PermissionConfigurationReadWrite
	// ScopeControlRead is BackupRestore-Control.Read.All: read the tenant's
	// Microsoft 365 Backup service status (ServiceStatus, an offboarding
	// run's gate).
	ScopeControlRead = "https://graph.microsoft.com/" + PermissionControlRead
	// ScopeDefault is Graph's .default: every Graph permission consented to
	// the client (the default of Options.Scopes, and what app-only
	// credentials must ask for).
	ScopeDefault = defaultScope
)

// The same permissions as a token's scp claim (delegated) or roles claim
// (application) names them.
const (
	PermissionConfigurationRead      = "BackupRestore-Configuration.Read.All"
	PermissionConfigurationReadWrite = permissionReadWrite
	PermissionControlRead            = "BackupRestore-Control.Read.All"
)
