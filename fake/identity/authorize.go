package identity

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authCode is an issued authorization code.
type authCode struct {
	clientID, redirectURI, scope string
	challenge, method            string
	expires                      time.Time
	redeemed                     bool
}

// loopbackRedirect reports whether u is a loopback redirect URI Entra ID
// accepts for a public client registered with http://localhost: http, host
// localhost, 127.0.0.1 or [::1], any port.
func loopbackRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// authorize serves GET (or POST) /{tenant}/oauth2/v2.0/authorize: the
// emulated user is signed in at once and the code goes back to the
// loopback redirect URI by the response_mode asked for (form_post, as MSAL
// asks, query or fragment). An unknown client or a redirect URI that is not
// a loopback one gets Entra ID's error page (no redirect); other errors go
// back to the redirect URI as error and error_description. Consent is
// judged when the code is redeemed.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	_ = r.ParseForm()
	q := r.Form
	rec := Request{Endpoint: "authorize", ClientID: q.Get("client_id"), Scope: q.Get("scope")}
	page := func(e *oauthError) {
		rec.Status, rec.Error, rec.AADSTS = e.status, e.code, e.aadsts
		p.record(rec)
		e.writeHTML(w)
	}
	p.mu.Lock()
	c := p.client(rec.ClientID)
	p.mu.Unlock()
	redirect := q.Get("redirect_uri")
	switch {
	case rec.ClientID == "":
		page(errMissingParam("client_id"))
		return
	case c == nil:
		page(errUnknownClient(rec.ClientID, p.tenantName()))
		return
	case !loopbackRedirect(redirect):
		page(&oauthError{status: http.StatusBadRequest, code: "invalid_request", aadsts: 50011,
			message: fmt.Sprintf("The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'.", redirect, c.ID)})
		return
	}
	mode := q.Get("response_mode")
	back := func(status int, vals url.Values) {
		rec.Status = status
		p.record(rec)
		respond(w, r, redirect, mode, vals)
	}
	fail := func(e *oauthError) {
		rec.Error, rec.AADSTS = e.code, e.aadsts
		back(http.StatusOK, url.Values{"error": {e.code}, "error_description": {e.description()}, "state": {q.Get("state")}})
	}
	if rt := q.Get("response_type"); rt != "code" {
		fail(&oauthError{code: "unsupported_response_type", aadsts: 700054, message: fmt.Sprintf("response_type '%s' is not enabled for the application.", rt)})
		return
	}
	switch mode {
	case "", "query", "fragment", "form_post":
	default:
		fail(&oauthError{code: "invalid_request", aadsts: 900144, message: fmt.Sprintf("The response_mode '%s' is not supported.", mode)})
		return
	}
	if _, e := parseScopes(rec.Scope); e != nil {
		fail(e)
		return
	}
	method := q.Get("code_challenge_method")
	challenge := q.Get("code_challenge")
	if challenge != "" && method == "" {
		method = "plain"
	}
	if challenge != "" && method != "S256" && method != "plain" {
		fail(&oauthError{code: "invalid_request", aadsts: 501491, message: fmt.Sprintf("Invalid code_challenge_method '%s'.", method)})
		return
	}
	code := newSecret(48)
	p.mu.Lock()
	p.codes[code] = &authCode{clientID: c.ID, redirectURI: redirect, scope: rec.Scope, challenge: challenge, method: method,
		expires: now.Add(DefaultAuthCodeLifetime)}
	p.mu.Unlock()
	back(http.StatusOK, url.Values{"code": {code}, "state": {q.Get("state")}, "session_state": {newID()}})
}

// respond sends vals back to the redirect URI by the response mode: an
// auto-submitting form (form_post), or a 302 with a query or a fragment.
func respond(w http.ResponseWriter, r *http.Request, redirect, mode string, vals url.Values) {
	switch mode {
	case "form_post":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store, no-cache")
		var b strings.Builder
		fmt.Fprintf(&b, "<html><head><title>Working...</title></head><body><form method=\"POST\" name=\"hiddenform\" action=\"%s\">", html.EscapeString(redirect))
		for _, k := range []string{"code", "error", "error_description", "state", "session_state"} {
			if v := vals.Get(k); v != "" || (k == "state" && vals.Has(k)) {
				fmt.Fprintf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\" />", k, html.EscapeString(v))
			}
		}
		b.WriteString("<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" /></noscript></form><script language=\"javascript\">document.forms[0].submit();</script></body></html>")
		_, _ = w.Write([]byte(b.String()))
	case "fragment":
		http.Redirect(w, r, redirect+"#"+vals.Encode(), http.StatusFound)
	default:
		sep := "?"
		if strings.Contains(redirect, "?") {
			sep = "&"
		}
		http.Redirect(w, r, redirect+sep+vals.Encode(), http.StatusFound)
	}
}

// redeemCode is the authorization_code grant: the code must be this
// client's, unused, unexpired, sent with the same redirect URI and a
// verifier that matches its PKCE challenge. The caller holds p.mu.
func (p *Provider) redeemCode(code, redirect, verifier string, c *Client, now time.Time) (session, string, *oauthError) {
	a := p.codes[code]
	switch {
	case a == nil:
		return session{}, "", errBadCode()
	case !strings.EqualFold(a.clientID, c.ID):
		return session{}, "", errGrantClientMismatch()
	case a.redeemed:
		return session{}, "", errCodeRedeemed()
	case now.After(a.expires):
		delete(p.codes, code)
		return session{}, "", errCodeExpired()
	case redirect != a.redirectURI:
		return session{}, "", errRedirectMismatch()
	}
	if a.challenge != "" {
		got := verifier
		if a.method == "S256" {
			sum := sha256.Sum256([]byte(verifier))
			got = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if verifier == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.challenge)) != 1 {
			return session{}, "", errVerifierMismatch()
		}
	}
	a.redeemed = true
	return p.newSession(c), a.scope, nil
}
