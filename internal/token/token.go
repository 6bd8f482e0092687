// Package token inspects bearer tokens without verifying them. It is used
// only to tell a delegated token from an app-only one before sending a
// request the service would refuse; the service remains the authority.
package token

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Claims are the few claims the client looks at.
type Claims struct {
	// Scp is the space-separated list of delegated scopes; empty for app-only.
	Scp   string   `json:"scp"`
	Roles []string `json:"roles"`
	// IdTyp is the optional "idtyp" claim ("app" or "user").
	IdTyp string `json:"idtyp"`
	// Oid is the "oid" claim: the object ID of the user (or the app's
	// service principal) the token stands for.
	Oid string `json:"oid"`
	// Upn, PreferredUsername and UniqueName name the signed-in user (the
	// first that is present is the operator an audit records).
	Upn               string `json:"upn"`
	PreferredUsername string `json:"preferred_username"`
	UniqueName        string `json:"unique_name"`
	// HasScp reports whether the scp claim was present at all.
	HasScp bool `json:"-"`
}

// IsAppOnly reports whether the claims belong to an app-only token: no scp
// claim (a user token may carry roles too, so roles alone prove nothing).
func (c Claims) IsAppOnly() bool { return !c.HasScp }

// Parse decodes the payload of a JWT-shaped token. isJWT is false for
// opaque tokens (anything that is not three dot-separated parts whose middle
// part is base64url-encoded JSON object), which callers must let through.
// The signature is not checked.
func Parse(tok string) (c Claims, isJWT bool) {
	first := strings.IndexByte(tok, '.')
	if first <= 0 {
		return Claims{}, false
	}
	rest := tok[first+1:]
	second := strings.IndexByte(rest, '.')
	if second <= 0 || strings.IndexByte(rest[second+1:], '.') >= 0 {
		return Claims{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(rest[:second], "="))
	if err != nil {
		return Claims{}, false
	}
	var raw struct {
		Scp   *string  `json:"scp"`
		Roles []string `json:"roles"`
		IdTyp string   `json:"idtyp"`
		Oid   string   `json:"oid"`
		Upn   string   `json:"upn"`
		Pref  string   `json:"preferred_username"`
		Uniq  string   `json:"unique_name"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, false
	}
	c = Claims{Roles: raw.Roles, IdTyp: raw.IdTyp, Oid: raw.Oid, Upn: raw.Upn, PreferredUsername: raw.Pref, UniqueName: raw.Uniq}
	if raw.Scp != nil {
		c.Scp, c.HasScp = *raw.Scp, true
	}
	return c, true
}

// User names the user the token stands for: its upn, else its
// preferred_username, else its unique_name, else its oid ("" for none).
func (c Claims) User() string {
	for _, s := range []string{c.Upn, c.PreferredUsername, c.UniqueName, c.Oid} {
		if s != "" {
			return s
		}
	}
	return ""
}

// FromAuthorization returns the token of an "Authorization: Bearer <token>"
// header value, or "" when the value is not a bearer credential.
func FromAuthorization(h string) string {
	const prefix = "bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(h[len(prefix):])
}
