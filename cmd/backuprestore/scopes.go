package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/internal/token"
)

// loginScopes are what auth login asks for: everything the commands use.
// --read-only leaves out the write.
func loginScopes(readOnly bool) []string {
	if readOnly {
		return []string{backuprestore.ScopeConfigurationRead, backuprestore.ScopeControlRead}
	}
	return []string{backuprestore.ScopeConfigurationRead, backuprestore.ScopeConfigurationReadWrite, backuprestore.ScopeControlRead}
}

// scopesFor are the scopes a command asks for, from the permission it
// needs: reads Configuration.Read.All, the service status
// Control.Read.All, runs (offboard, cancel-offboard, resume)
// Configuration.ReadWrite.All and Control.Read.All for their gate, a dry
// run Read.All and Control.Read.All.
func (a *app) scopesFor() []string {
	switch a.need {
	case permControlRead:
		return []string{backuprestore.ScopeControlRead}
	case permReadWrite:
		if a.dryRun {
			return []string{backuprestore.ScopeConfigurationRead, backuprestore.ScopeControlRead}
		}
		return []string{backuprestore.ScopeConfigurationReadWrite, backuprestore.ScopeControlRead}
	}
	return []string{backuprestore.ScopeConfigurationRead}
}

// satisfies reports whether the granted scp claim holds perm, or the
// permission that includes it (ReadWrite includes Read).
func satisfies(scp []string, perm string) bool {
	alts := []string{perm}
	switch perm {
	case permRead:
		alts = append(alts, permReadWrite)
	case permControlRead:
		alts = append(alts, "BackupRestore-Control.ReadWrite.All")
	}
	return slices.ContainsFunc(scp, func(s string) bool {
		return slices.ContainsFunc(alts, func(a string) bool { return strings.EqualFold(s, a) })
	})
}

// permissionOf is a scope's short name (its scp form).
func permissionOf(scope string) string {
	if i := strings.LastIndexByte(scope, '/'); i >= 0 {
		return scope[i+1:]
	}
	return scope
}

// missingScopes returns the permissions of scopes the token's scp lacks;
// nil for an opaque token (only the service can judge it). An app-only
// token (no scp) lacks them all.
func missingScopes(tok string, scopes []string) []string {
	c, isJWT := token.Parse(tok)
	if !isJWT {
		return nil
	}
	scp := strings.Fields(c.Scp)
	var out []string
	for _, s := range scopes {
		if p := permissionOf(s); !satisfies(scp, p) {
			out = append(out, p)
		}
	}
	return out
}

// adminConsentURL is the URL where a tenant's administrator grants the
// client's permissions for the whole organisation.
func adminConsentURL(authorityHost, tenant, clientID string) string {
	if tenant == "" || strings.EqualFold(tenant, "organizations") || strings.EqualFold(tenant, "common") {
		tenant = "organizations"
	}
	return strings.TrimSuffix(authorityHost, "/") + "/" + tenant + "/adminconsent?client_id=" + url.QueryEscape(clientID)
}

// scopeError is the exit-4 error of a token without a permission the
// command needs: it names the permissions and how to get them.
func scopeError(missing []string, p *profile, tenant, clientID, authorityHost string) error {
	fix := "Sign in again with them: backuprestore auth login"
	if p != nil && p.Name != defaultProfile {
		fix += " --profile " + p.Name
	}
	return withCode(exitAuth, fmt.Errorf("the token lacks %s, which this command needs; nothing was sent.\n"+
		"%s. If Entra ID refuses them, an administrator of the tenant must consent to them for the application %s: %s "+
		"(or: az ad app permission admin-consent --id %s)", strings.Join(missing, " and "), fix, clientID,
		adminConsentURL(authorityHost, tenant, clientID), clientID))
}

// allowedCommands lists, for auth status, what a token's scp allows.
func allowedCommands(scp []string) (allowed, denied []string) {
	table := []struct {
		cmd   string
		perms []string
	}{
		{"units list|get", []string{permRead}},
		{"policies list|show, rules list", []string{permRead}},
		{"service-status", []string{permControlRead}},
		{"offboard --dry-run", []string{permRead, permControlRead}},
		{"offboard, cancel-offboard, resume", []string{permReadWrite, permControlRead}},
		{"policies create|rename|activate|deactivate|delete, rules create|run|delete, onboard", []string{permReadWrite}},
	}
	for _, row := range table {
		var lack []string
		for _, p := range row.perms {
			if !satisfies(scp, p) {
				lack = append(lack, p)
			}
		}
		if len(lack) == 0 {
			allowed = append(allowed, row.cmd)
		} else {
			denied = append(denied, row.cmd+" (needs "+strings.Join(lack, ", ")+")")
		}
	}
	return allowed, denied
}
