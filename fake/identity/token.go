package identity

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// refreshGrant is an issued refresh token.
type refreshGrant struct {
	clientID string
	// gen is the sign-in's number (RevokeSessions); expires is the end of
	// its inactivity window.
	gen     uint64
	expires time.Time
}

// token serves POST /{tenant}/oauth2/v2.0/token: the device_code,
// authorization_code and refresh_token grants of a public client.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	rec := Request{Endpoint: "token"}
	fail := func(e *oauthError) {
		rec.Status, rec.Error, rec.AADSTS = e.status, e.code, e.aadsts
		p.record(rec)
		e.write(w, now)
	}
	if r.Method != http.MethodPost {
		fail(errMethod(r.Method))
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(errMissingParam("grant_type"))
		return
	}
	f := r.PostForm
	rec.GrantType, rec.ClientID, rec.Scope = f.Get("grant_type"), f.Get("client_id"), f.Get("scope")
	if rec.GrantType == "urn:ietf:params:oauth:grant-type:device_code" {
		rec.GrantType = "device_code"
	}
	switch rec.GrantType {
	case "":
		fail(errMissingParam("grant_type"))
		return
	case "device_code", "authorization_code", "refresh_token":
	default:
		fail(errUnsupportedGrant(rec.GrantType))
		return
	}
	if rec.ClientID == "" {
		fail(errMissingParam("client_id"))
		return
	}
	p.mu.Lock()
	c := p.client(rec.ClientID)
	if c == nil {
		p.mu.Unlock()
		fail(errUnknownClient(rec.ClientID, p.tenantName()))
		return
	}
	if c.Confidential {
		p.mu.Unlock()
		fail(errNotPublicClient())
		return
	}
	var s session
	var e *oauthError
	scope := rec.Scope
	switch rec.GrantType {
	case "device_code":
		if dc := f.Get("device_code"); dc == "" {
			e = errMissingParam("device_code")
		} else {
			s, e = p.redeemDevice(dc, c, now)
			if e == nil && scope == "" {
				scope = p.devices[dc].scope
			}
		}
	case "authorization_code":
		var codeScope string
		if code := f.Get("code"); code == "" {
			e = errMissingParam("code")
		} else if s, codeScope, e = p.redeemCode(code, f.Get("redirect_uri"), f.Get("code_verifier"), c, now); e == nil && scope == "" {
			scope = codeScope
		}
	case "refresh_token":
		if rt := f.Get("refresh_token"); rt == "" {
			e = errMissingParam("refresh_token")
		} else {
			s, e = p.redeemRefresh(rt, c, now)
		}
	}
	if e != nil {
		p.mu.Unlock()
		fail(e)
		return
	}
	req, e := parseScopes(scope)
	var scp, answer []string
	if e == nil {
		scp, answer, e = req.grant(c)
	}
	client := *c
	client.Consented = nil
	p.mu.Unlock()
	if e != nil {
		fail(e)
		return
	}
	host := p.authorityHost(r)
	at, _, err := p.accessToken(host, &client, scp, now)
	if err != nil {
		http.Error(w, "signing the access token failed", http.StatusInternalServerError)
		return
	}
	secs := int(math.Ceil(p.opts.TokenLifetime.Seconds()))
	body := map[string]any{
		"token_type": "Bearer", "scope": joinSpace(answer), "expires_in": secs, "ext_expires_in": secs,
		"access_token": at,
	}
	if req.offlineAccess() {
		rt := newSecret(64)
		p.mu.Lock()
		p.refresh[rt] = &refreshGrant{clientID: client.ID, gen: s.gen, expires: now.Add(p.opts.RefreshTokenLifetime)}
		p.mu.Unlock()
		body["refresh_token"] = rt
		body["refresh_token_expires_in"] = int(p.opts.RefreshTokenLifetime.Seconds())
	}
	if req.openID() {
		idt, err := p.idToken(host, &client, now)
		if err != nil {
			http.Error(w, "signing the ID token failed", http.StatusInternalServerError)
			return
		}
		body["id_token"] = idt
	}
	if f.Get("client_info") == "1" {
		body["client_info"] = p.clientInfo()
	}
	rec.Status = http.StatusOK
	p.record(rec)
	writeJSON(w, http.StatusOK, body)
}

// redeemRefresh is the refresh_token grant: a refresh token of this
// client, within its lifetime, of a session not revoked. The token stays
// redeemable (Entra ID does not revoke a refresh token when it issues the
// next one). The caller holds p.mu.
func (p *Provider) redeemRefresh(rt string, c *Client, now time.Time) (session, *oauthError) {
	g := p.refresh[rt]
	switch {
	case g == nil:
		return session{}, errBadCode()
	case !strings.EqualFold(g.clientID, c.ID):
		return session{}, errGrantClientMismatch()
	case g.gen < p.revokedBelow:
		return session{}, errRefreshRevoked()
	case now.After(g.expires):
		delete(p.refresh, rt)
		return session{}, errRefreshExpired()
	}
	return session{clientID: c.ID, gen: g.gen}, nil
}

// RevokeSessions revokes every refresh token issued so far, as an
// administrator's "revoke sessions" does: redeeming one fails with
// invalid_grant (AADSTS50173), and the user must sign in again.
func (p *Provider) RevokeSessions() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revokedBelow = p.sessions + 1
}
