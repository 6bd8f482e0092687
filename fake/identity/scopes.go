package identity

import (
	"slices"
	"strings"
)

// oidcScopes are the OpenID Connect scopes MSAL adds to every request;
// they need no consent.
var oidcScopes = []string{"openid", "profile", "offline_access", "email"}

// graphResourceIDs are the ways a scope can name Microsoft Graph.
var graphResourceIDs = []string{GraphResource, GraphResource + "/", "00000003-0000-0000-c000-000000000000"}

// scopeRequest is a token request's scope parameter, read.
type scopeRequest struct {
	// oidc are the OpenID Connect scopes asked for, as sent.
	oidc []string
	// graph are the Graph permissions asked for: sent is the form
	// the client used (echoed in the answer's scope), name the
	// permission's canonical short name.
	graph []requestedScope
	// dflt is the sent form of …/.default, "" when not asked.
	dflt string
}

// requestedScope is one Graph permission of a request.
type requestedScope struct{ sent, name string }

// offlineAccess reports whether a refresh token was asked for.
func (s scopeRequest) offlineAccess() bool {
	return slices.ContainsFunc(s.oidc, func(v string) bool { return strings.EqualFold(v, "offline_access") })
}

// openID reports whether an ID token was asked for.
func (s scopeRequest) openID() bool {
	return slices.ContainsFunc(s.oidc, func(v string) bool { return strings.EqualFold(v, "openid") })
}

// parseScopes reads a scope parameter. It fails as Entra ID does for a
// resource other than Graph, an unknown Graph permission and .default mixed
// with named permissions; an empty parameter is invalid_scope too.
func parseScopes(raw string) (scopeRequest, *oauthError) {
	var req scopeRequest
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return req, errInvalidScope("The scope parameter is empty.")
	}
	for _, f := range fields {
		if slices.ContainsFunc(oidcScopes, func(o string) bool { return strings.EqualFold(o, f) }) {
			req.oidc = append(req.oidc, f)
			continue
		}
		name := f
		if i := strings.LastIndexByte(f, '/'); i >= 0 {
			resource := f[:i]
			if !slices.ContainsFunc(graphResourceIDs, func(g string) bool { return strings.EqualFold(g, resource) || strings.EqualFold(g, resource+"/") }) {
				return req, errUnknownResource(resource)
			}
			name = f[i+1:]
		}
		if strings.EqualFold(name, ".default") {
			req.dflt = f
			continue
		}
		canonical, ok := canonicalScope(name)
		if !ok {
			return req, errUnknownGraphScope(name)
		}
		req.graph = append(req.graph, requestedScope{sent: f, name: canonical})
	}
	if req.dflt != "" && len(req.graph) > 0 {
		return req, errInvalidScope("The scope " + raw + " is not valid. static scope limit exceeded.")
	}
	return req, nil
}

// canonicalScope returns the known Graph permission named (case-
// insensitively) by name.
func canonicalScope(name string) (string, bool) {
	for _, k := range knownGraphScopes {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// grant decides what a request gets from a client's consent: the scp of
// the access token (canonical short names) and the answer's scope
// parameter. A Graph permission asked for by name and not consented fails
// the request with consent_required (AADSTS65001), as does .default when
// nothing is consented; a token never carries a scope that was not
// consented.
func (s scopeRequest) grant(c *Client) (scp []string, answer []string, err *oauthError) {
	consented := func(name string) bool {
		return slices.ContainsFunc(c.Consented, func(v string) bool { return strings.EqualFold(v, name) })
	}
	switch {
	case s.dflt != "":
		if len(c.Consented) == 0 {
			return nil, nil, errConsentRequired(c, []string{s.dflt})
		}
		for _, name := range c.Consented {
			scp = append(scp, name)
			answer = append(answer, GraphResource+"/"+name)
		}
		answer = append(answer, s.dflt)
	default:
		var missing []string
		for _, g := range s.graph {
			if !consented(g.name) {
				missing = append(missing, g.sent)
				continue
			}
			if !slices.Contains(scp, g.name) {
				scp = append(scp, g.name)
				answer = append(answer, g.sent)
			}
		}
		if len(missing) > 0 {
			return nil, nil, errConsentRequired(c, missing)
		}
		if len(s.graph) == 0 {
			// Only OpenID Connect scopes: a token for Graph's userinfo.
			for _, o := range s.oidc {
				if !strings.EqualFold(o, "offline_access") {
					scp = append(scp, strings.ToLower(o))
				}
			}
		}
	}
	return scp, append(answer, s.oidc...), nil
}

// joinSpace joins scopes as a scope parameter writes them.
func joinSpace(s []string) string { return strings.Join(s, " ") }
