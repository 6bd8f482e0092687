package fake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The permissions of the protection-unit API.
const (
	// PermissionRead is BackupRestore-Configuration.Read.All: list and get.
	PermissionRead = "BackupRestore-Configuration.Read.All"
	// PermissionReadWrite is BackupRestore-Configuration.ReadWrite.All:
	// list and get, the policy PATCH (delegated or application), and
	// (delegated only) offboard and cancelOffboard.
	PermissionReadWrite = "BackupRestore-Configuration.ReadWrite.All"
)

// graphAudiences are the "aud" values the emulator accepts (an absent aud
// is accepted too).
var graphAudiences = []string{
	"https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000",
}

// principal is the caller a bearer token names.
type principal struct {
	// app is set for app-only tokens (roles, no scp).
	app bool
	// perms are the granted scopes or roles, normalised by normPerm.
	perms []string
	// raw is the claim as sent, for error messages.
	raw string
	// who is written into lastModifiedBy by the actions.
	who IdentitySet
	// exp is the token's expiry in Unix seconds; 0 when it has none.
	exp int64
	// appID and tenantID (the appid or azp, and tid claims; "" when
	// absent or opaque) select the throttling buckets.
	appID, tenantID string
}

// normPerm lower-cases a permission and drops a resource prefix.
func normPerm(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return strings.ToLower(p)
}

// has reports whether any of perms was granted.
func (p *principal) has(perms ...string) bool {
	for _, want := range perms {
		w := normPerm(want)
		for _, g := range p.perms {
			if g == w {
				return true
			}
		}
	}
	return false
}

// authorize checks the docs' permission table: reads need Read.All or
// ReadWrite.All (delegated or application); the actions need delegated
// ReadWrite.All and refuse app-only tokens.
func (p *principal) authorize(write bool) *graphError {
	deny := func(msg string) *graphError {
		return &graphError{status: http.StatusForbidden, code: "Forbidden", message: msg}
	}
	if write {
		if p.app {
			return deny("Missing role permissions on the request. API requires one of ''. Roles on the request '" + p.raw +
				"'. offboard and cancelOffboard support only the delegated permission " + PermissionReadWrite + "; application permissions are not supported.")
		}
		if !p.has(PermissionReadWrite) {
			return deny("Missing scope permissions on the request. API requires one of '" + PermissionReadWrite + "'. Scopes on the request '" + p.raw + "'.")
		}
		return nil
	}
	if p.has(PermissionRead, PermissionReadWrite) {
		return nil
	}
	kind, claim := "scope", "Scopes"
	if p.app {
		kind, claim = "role", "Roles"
	}
	return deny("Missing " + kind + " permissions on the request. API requires one of '" + PermissionRead + ", " + PermissionReadWrite + "'. " + claim + " on the request '" + p.raw + "'.")
}

// unauthorized is a 401 without a claims challenge.
func unauthorized(msg string) *graphError {
	return &graphError{status: http.StatusUnauthorized, code: "InvalidAuthenticationToken", message: msg}
}

// opaqueUser is who an opaque token stands for.
var opaqueUser = IdentitySet{User: &Identity{ID: "00000000-0000-0000-0000-0000000e0001", DisplayName: "Emulator User", Email: "emulator.user@contoso.onmicrosoft.com"}}

// tokenCache remembers parsed tokens; a client sends the same token many
// times.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*principal
}

// maxCachedTokens bounds tokenCache; it is cleared when full.
const maxCachedTokens = 4096

// get returns the principal cached for tok.
func (c *tokenCache) get(tok string) (*principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[tok]
	return p, ok
}

// put caches p for tok, clearing the cache first when it is full.
func (c *tokenCache) put(tok string, p *principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[string]*principal)
	}
	c.m[tok] = p
}

// jwtClaims are the claims the emulator reads.
type jwtClaims struct {
	Scp               string          `json:"scp"`
	Roles             []string        `json:"roles"`
	Oid               string          `json:"oid"`
	Name              string          `json:"name"`
	Upn               string          `json:"upn"`
	PreferredUsername string          `json:"preferred_username"`
	UniqueName        string          `json:"unique_name"`
	AppID             string          `json:"appid"`
	Azp               string          `json:"azp"`
	Tid               string          `json:"tid"`
	AppDisplayName    string          `json:"app_displayname"`
	Aud               json.RawMessage `json:"aud"`
	Exp               float64         `json:"exp"`
}

// authenticate reads the bearer token of a request.
func (s *Server) authenticate(h http.Header) (*principal, *graphError) {
	v := h.Get("Authorization")
	if strings.TrimSpace(v) == "" {
		return nil, unauthorized("Access token is empty.")
	}
	scheme, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return nil, unauthorized("Access token is empty or not a Bearer token.")
	}
	if g := s.verifyToken(tok); g != nil {
		return nil, g
	}
	p, ok := s.tokens.get(tok)
	if !ok {
		var g *graphError
		if p, g = s.parseToken(tok); g != nil {
			return nil, g
		}
		s.tokens.put(tok, p)
	}
	if p.exp > 0 && time.Now().Unix() >= p.exp {
		return nil, unauthorized("Lifetime validation failed, the token is expired.")
	}
	return p, nil
}

// parseToken turns a bearer token into a principal.
func (s *Server) parseToken(tok string) (*principal, *graphError) {
	parts := strings.Split(tok, ".")
	if len(parts) == 1 {
		if s.opts.StrictAuth {
			return nil, unauthorized("IDX14100: JWT is not well formed, there are no dots (.).")
		}
		return &principal{perms: []string{normPerm(PermissionReadWrite), normPerm(PermissionControlRead)},
			raw: PermissionReadWrite + " " + PermissionControlRead, who: opaqueUser}, nil
	}
	malformed := unauthorized("IDX14100: JWT is not well formed: it needs a header, a payload and a signature, each base64url-encoded JSON.")
	if len(parts) != 3 {
		return nil, malformed
	}
	var hdr map[string]any
	var c jwtClaims
	hb, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	cb, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &c) != nil {
		return nil, malformed
	}
	if len(c.Aud) > 0 && string(c.Aud) != "null" {
		var aud string
		if json.Unmarshal(c.Aud, &aud) != nil {
			return nil, malformed
		}
		okAud := false
		for _, a := range graphAudiences {
			if strings.EqualFold(aud, a) {
				okAud = true
			}
		}
		if !okAud {
			return nil, unauthorized("Invalid audience: '" + aud + "'.")
		}
	}
	p := &principal{exp: int64(c.Exp)}
	appID := c.AppID
	if appID == "" {
		appID = c.Azp
	}
	p.appID, p.tenantID = appID, c.Tid
	var app *Identity
	if appID != "" {
		app = &Identity{ID: appID, DisplayName: c.AppDisplayName}
	}
	switch {
	case strings.TrimSpace(c.Scp) != "":
		p.raw = c.Scp
		for _, f := range strings.Fields(c.Scp) {
			p.perms = append(p.perms, normPerm(f))
		}
		email := c.Upn
		if email == "" {
			email = c.PreferredUsername
		}
		if email == "" {
			email = c.UniqueName
		}
		p.who = IdentitySet{Application: app, User: &Identity{ID: c.Oid, DisplayName: c.Name, Email: email}}
	case len(c.Roles) > 0:
		p.app = true
		p.raw = strings.Join(c.Roles, " ")
		for _, r := range c.Roles {
			p.perms = append(p.perms, normPerm(r))
		}
		if app == nil {
			app = &Identity{ID: c.Oid}
		}
		p.who = IdentitySet{Application: app}
	default:
		return nil, unauthorized("Either scp or roles claim need to be present in the token.")
	}
	return p, nil
}
