package fake

import "net/http"

// The permissions of the service-status read (GET /solutions/backupRestore).
const (
	// PermissionControlRead is BackupRestore-Control.Read.All: read the
	// service status (delegated or application), as the documentation's
	// permission table requires.
	PermissionControlRead = "BackupRestore-Control.Read.All"
	// PermissionControlReadWrite is BackupRestore-Control.ReadWrite.All:
	// enable or disable the service, and read its status.
	PermissionControlReadWrite = "BackupRestore-Control.ReadWrite.All"
)

// forbidden is a 403 of the permission check.
func forbidden(msg string) *graphError {
	return &graphError{status: http.StatusForbidden, code: "Forbidden", message: msg}
}

// missing is the message of a permission check that failed.
func (p *principal) missing(need string) string {
	kind, claim := "scope", "Scopes"
	if p.app {
		kind, claim = "role", "Roles"
	}
	return "Missing " + kind + " permissions on the request. API requires one of '" + need + "'. " + claim + " on the request '" + p.raw + "'."
}

// authorizePolicyWrite checks the policy PATCH: ReadWrite.All, delegated
// or application (unlike offboard and cancelOffboard, the PATCH accepts
// application permissions).
func (p *principal) authorizePolicyWrite() *graphError {
	if p.has(PermissionReadWrite) {
		return nil
	}
	return forbidden(p.missing(PermissionReadWrite))
}

// authorizeControlRead checks the service-status read:
// BackupRestore-Control.Read.All or Control.ReadWrite.All, delegated or
// application. The Configuration permissions do not grant it.
func (p *principal) authorizeControlRead() *graphError {
	if p.has(PermissionControlRead, PermissionControlReadWrite) {
		return nil
	}
	return forbidden(p.missing(PermissionControlRead + ", " + PermissionControlReadWrite))
}
