package identity

import (
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
)

// openIDConfiguration serves /{tenant}/v2.0/.well-known/openid-configuration
// as Entra ID does: endpoints under the tenant segment as sent, the issuer
// with the tenant's ID ("{tenantid}" for common and organizations).
func (p *Provider) openIDConfiguration(w http.ResponseWriter, r *http.Request, tenant string) {
	host := p.authorityHost(r)
	base := host + tenant + "/"
	issuerTenant := p.opts.TenantID
	switch strings.ToLower(tenant) {
	case "common", "organizations":
		issuerTenant = "{tenantid}"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                host + issuerTenant + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":                base + "oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     base + "kerberos",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://"), "/"),
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// keys serves the JSON Web Key Set of the signing key.
func (p *Provider) keys(w http.ResponseWriter) {
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": p.kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// instanceDiscovery serves /common/discovery/instance as Entra ID does for
// its own hosts: the tenant discovery endpoint of the authorization
// endpoint asked about, and this host as its own only alias. MSAL asks it
// only of login.microsoftonline.com, never of an authority it does not
// trust, so clients of the emulator turn instance discovery off; the
// endpoint is here for clients that call it themselves.
func (p *Provider) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	host := p.authorityHost(r)
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if i := strings.Index(ae, "://"); i >= 0 {
			parts := strings.Split(ae[i+3:], "/")
			if len(parts) > 1 && parts[1] != "" {
				tenant = parts[1]
			}
		}
	}
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://"), "/")
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": host + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": name, "preferred_cache": name, "aliases": []string{name},
		}},
	})
}
