package identity

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ControlPath is where the control API lives: GET ControlPath, and
// ControlPath + "/device", "/consent", "/revoke", "/requests".
const ControlPath = "/_emulator/identity"

// ControlEndpoint describes one endpoint of the control API, for help texts
// and GET /_emulator/.
type ControlEndpoint struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Description string `json:"description"`
	Query       string `json:"query,omitempty"`
	Body        string `json:"body,omitempty"`
}

// ControlEndpoints returns the control API's endpoints.
func ControlEndpoints() []ControlEndpoint {
	return []ControlEndpoint{
		{Method: "GET", Path: ControlPath, Description: "the emulated Entra ID: authority host, tenant, public client, user, consent per client, pending device codes, token requests per grant"},
		{Method: "POST", Path: ControlPath + "/device", Description: "approve or decline a pending device code (with -identity-manual-approve)", Query: "user_code=CODE&approve=true|false"},
		{Method: "POST", Path: ControlPath + "/consent", Description: "grant or revoke admin consent to delegated Graph permissions for a client",
			Body: `{"clientId": "…", "scopes": ["https://graph.microsoft.com/BackupRestore-Configuration.ReadWrite.All"], "granted": false}`},
		{Method: "POST", Path: ControlPath + "/revoke", Description: "revoke the user's sessions: every refresh token issued so far fails (AADSTS50173)"},
		{Method: "GET", Path: ControlPath + "/requests", Description: "the devicecode, authorize and token requests seen (never a token or code)"},
	}
}

// Info is what GET /_emulator/identity answers: what a client needs to
// sign in to the emulated tenant.
type Info struct {
	// AuthorityHost is the authority host to give azidentity
	// (ClientOptions.Cloud.ActiveDirectoryAuthorityHost) or MSAL.
	AuthorityHost string `json:"authorityHost"`
	// Authority is AuthorityHost + TenantID.
	Authority string `json:"authority"`
	// OpenIDConfiguration is the tenant's OpenID configuration URL.
	OpenIDConfiguration string `json:"openIdConfiguration"`
	TenantID            string `json:"tenantId"`
	TenantDomain        string `json:"tenantDomain"`
	// PublicClientID is the client registered for device code and auth
	// code + PKCE on a loopback redirect.
	PublicClientID string `json:"publicClientId"`
	User           User   `json:"user"`
	// Clients are the registered clients with their consented scopes.
	Clients []Client `json:"clients"`
	// ConsentedScopes are the consented scopes per client ID.
	ConsentedScopes map[string][]string `json:"consentedScopes"`
	ManualApprove   bool                `json:"manualApprove"`
	// TokenLifetime is the access tokens' lifetime (a Go duration).
	TokenLifetime      string          `json:"tokenLifetime"`
	PendingDeviceCodes []PendingDevice `json:"pendingDeviceCodes"`
	// TokenRequests counts the successful token requests per grant type.
	TokenRequests map[string]int `json:"tokenRequests"`
}

// Info describes the Provider as served at authorityHost (e.g.
// https://127.0.0.1:8443/).
func (p *Provider) Info(authorityHost string) Info {
	host := strings.TrimSuffix(authorityHost, "/") + "/"
	clients := p.Clients()
	consent := map[string][]string{}
	for _, c := range clients {
		consent[c.ID] = c.Consented
	}
	pending := p.PendingDevices()
	if pending == nil {
		pending = []PendingDevice{}
	}
	return Info{
		AuthorityHost: host, Authority: host + p.opts.TenantID,
		OpenIDConfiguration: host + p.opts.TenantID + "/v2.0/.well-known/openid-configuration",
		TenantID:            p.opts.TenantID, TenantDomain: p.opts.TenantDomain, PublicClientID: p.PublicClientID(),
		User: p.opts.User, Clients: clients, ConsentedScopes: consent, ManualApprove: p.opts.ManualApprove,
		TokenLifetime: p.opts.TokenLifetime.String(), PendingDeviceCodes: pending, TokenRequests: p.grantCounts(),
	}
}

// ControlHandler returns the handler of the control API under ControlPath
// (no token needed; see ControlEndpoints). Errors are Graph-style JSON
// ({"error": {"code", "message"}}): 400 for a bad query or body, 404 for an
// unknown user code or client, 405 for a wrong method.
func (p *Provider) ControlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			code := "BadRequest"
			switch status {
			case http.StatusNotFound:
				code = "NotFound"
			case http.StatusMethodNotAllowed:
				code = "MethodNotAllowed"
			}
			writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
		}
		sub := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, ControlPath), "/")
		want := map[string]string{"": http.MethodGet, "/device": http.MethodPost, "/consent": http.MethodPost, "/revoke": http.MethodPost, "/requests": http.MethodGet}
		m, ok := want[sub]
		switch {
		case !ok:
			fail(http.StatusNotFound, "no such control endpoint: "+r.URL.Path+" (GET "+ControlPath+" describes the emulated Entra ID)")
			return
		case r.Method != m:
			fail(http.StatusMethodNotAllowed, r.URL.Path+" accepts "+m)
			return
		}
		switch sub {
		case "":
			writeJSON(w, http.StatusOK, p.Info(p.authorityHost(r)))
		case "/requests":
			reqs := p.Requests()
			if reqs == nil {
				reqs = []Request{}
			}
			writeJSON(w, http.StatusOK, reqs)
		case "/revoke":
			p.RevokeSessions()
			writeJSON(w, http.StatusOK, map[string]bool{"revoked": true})
		case "/device":
			q := r.URL.Query()
			code := q.Get("user_code")
			approve, err := strconv.ParseBool(q.Get("approve"))
			if code == "" || err != nil {
				fail(http.StatusBadRequest, "want ?user_code=CODE&approve=true|false")
				return
			}
			if err := p.ApproveDevice(code, approve); err != nil {
				fail(http.StatusNotFound, err.Error())
				return
			}
			status := "approved"
			if !approve {
				status = "declined"
			}
			writeJSON(w, http.StatusOK, map[string]string{"userCode": strings.ToUpper(code), "status": status})
		case "/consent":
			var body struct {
				ClientID string   `json:"clientId"`
				Scopes   []string `json:"scopes"`
				Granted  *bool    `json:"granted"`
			}
			dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil || body.ClientID == "" || len(body.Scopes) == 0 || body.Granted == nil {
				fail(http.StatusBadRequest, `want a JSON body {"clientId": "…", "scopes": ["…"], "granted": true|false}`)
				return
			}
			consented, err := p.SetConsent(body.ClientID, body.Scopes, *body.Granted)
			switch {
			case errors.Is(err, ErrUnknownClient):
				fail(http.StatusNotFound, err.Error())
				return
			case err != nil:
				fail(http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"clientId": body.ClientID, "consentedScopes": consented})
		}
	})
}
