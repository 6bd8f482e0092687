package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Provider is an emulated Microsoft Entra ID tenant: an http.Handler for
// the v2.0 endpoints a public client uses (see the package documentation).
// It is safe for concurrent use.
type Provider struct {
	opts Options
	key  *rsa.PrivateKey
	kid  string

	mu      sync.Mutex
	clients []*Client
	devices map[string]*deviceGrant // by device code
	codes   map[string]*authCode    // by authorization code
	refresh map[string]*refreshGrant
	// sessions counts sign-ins; refresh tokens of a sign-in numbered below
	// revokedBelow fail (RevokeSessions).
	sessions, revokedBelow uint64
	log                    []Request
}

// session is a user's sign-in to a client: what a grant stands for.
type session struct {
	clientID string
	// gen numbers the sign-in (refresh tokens carry it on).
	gen uint64
}

// newSession numbers a new sign-in of c. The caller holds p.mu.
func (p *Provider) newSession(c *Client) session {
	p.sessions++
	return session{clientID: c.ID, gen: p.sessions}
}

// New returns a Provider for opts (nil: the defaults). It fails only when
// it cannot generate a signing key or opts names a client twice.
func New(opts *Options) (*Provider, error) {
	o := opts.withDefaults()
	p := &Provider{opts: o, key: o.Key, devices: map[string]*deviceGrant{}, codes: map[string]*authCode{}, refresh: map[string]*refreshGrant{}}
	if p.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("identity: generating the signing key: %w", err)
		}
		p.key = k
	}
	sum := sha256.Sum256(p.key.N.Bytes())
	p.kid = base64.RawURLEncoding.EncodeToString(sum[:15])
	seen := map[string]bool{}
	for _, c := range o.Clients {
		id := strings.ToLower(c.ID)
		if id == "" || seen[id] {
			return nil, fmt.Errorf("identity: client ID %q is empty or registered twice", c.ID)
		}
		seen[id] = true
		c.Consented = append([]string(nil), c.Consented...)
		p.clients = append(p.clients, &c)
	}
	return p, nil
}

// TenantID returns the tenant's ID.
func (p *Provider) TenantID() string { return p.opts.TenantID }

// PublicClientID returns the ID of the first registered client (by default
// DefaultPublicClientID).
func (p *Provider) PublicClientID() string { return p.opts.Clients[0].ID }

// User returns the account that signs in.
func (p *Provider) User() User { return p.opts.User }

// now reads the Provider's clock.
func (p *Provider) now() time.Time { return p.opts.Now() }

// client returns the registered client id names (case-insensitively), or
// nil. The caller holds p.mu.
func (p *Provider) client(id string) *Client {
	for _, c := range p.clients {
		if strings.EqualFold(c.ID, id) {
			return c
		}
	}
	return nil
}

// tenantOK reports whether a path's tenant segment names this tenant.
func (p *Provider) tenantOK(seg string) bool {
	switch strings.ToLower(seg) {
	case strings.ToLower(p.opts.TenantID), strings.ToLower(p.opts.TenantDomain), "organizations", "common":
		return true
	}
	return false
}

// tenantName is the directory's name in error messages.
func (p *Provider) tenantName() string {
	name, _, _ := strings.Cut(p.opts.TenantDomain, ".")
	if name == "" {
		return p.opts.TenantID
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// authorityHost returns the authority host (with a trailing slash) that r
// reached.
func (p *Provider) authorityHost(r *http.Request) string {
	if p.opts.AuthorityHost != "" {
		return strings.TrimSuffix(p.opts.AuthorityHost, "/") + "/"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/"
}

// ServeHTTP implements http.Handler: it serves the Entra ID endpoints and
// answers anything else with 404 in Entra's error shape.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	now := p.now()
	switch {
	case len(segs) == 3 && strings.EqualFold(segs[0], "common") && segs[1] == "discovery" && segs[2] == "instance":
		p.instanceDiscovery(w, r)
		return
	case len(segs) == 1 && segs[0] == "devicelogin":
		p.deviceLogin(w, r)
		return
	case len(segs) < 2:
		errNotFound(r.URL.Path).write(w, now)
		return
	}
	tenant, rest := segs[0], strings.Join(segs[1:], "/")
	known := map[string]bool{
		"v2.0/.well-known/openid-configuration": true, "discovery/v2.0/keys": true, "discovery/keys": true,
		"oauth2/v2.0/devicecode": true, "oauth2/v2.0/token": true, "oauth2/v2.0/authorize": true,
	}
	if !known[rest] {
		errNotFound(r.URL.Path).write(w, now)
		return
	}
	if !p.tenantOK(tenant) {
		e := errInvalidTenant(tenant)
		p.record(Request{Endpoint: endpointName(rest), Status: e.status, Error: e.code, AADSTS: e.aadsts})
		if rest == "oauth2/v2.0/authorize" {
			e.writeHTML(w)
			return
		}
		e.write(w, now)
		return
	}
	switch rest {
	case "v2.0/.well-known/openid-configuration":
		p.openIDConfiguration(w, r, tenant)
	case "discovery/v2.0/keys", "discovery/keys":
		p.keys(w)
	case "oauth2/v2.0/devicecode":
		p.deviceCode(w, r)
	case "oauth2/v2.0/authorize":
		p.authorize(w, r)
	case "oauth2/v2.0/token":
		p.token(w, r)
	}
}

// endpointName names an endpoint in the request log.
func endpointName(rest string) string {
	i := strings.LastIndexByte(rest, '/')
	return rest[i+1:]
}

// newID returns a random GUID-shaped identifier.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newSecret returns n random bytes, base64url-encoded: codes and refresh
// tokens.
func newSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
