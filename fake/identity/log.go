package identity

import "slices"

// Request is one request to the devicecode, authorize or token endpoint,
// as the Provider's log keeps it. It never holds a token, code or secret.
type Request struct {
	// Time is when it was answered, on the Provider's clock.
	Time string `json:"time"`
	// Endpoint is "devicecode", "authorize" or "token" (or another
	// endpoint that failed for an unknown tenant).
	Endpoint string `json:"endpoint"`
	// GrantType is a token request's grant_type.
	GrantType string `json:"grantType,omitempty"`
	// ClientID is the client_id sent.
	ClientID string `json:"clientId,omitempty"`
	// Scope is the scope parameter sent.
	Scope string `json:"scope,omitempty"`
	// Status is the answer's HTTP status (a redirect's 302 or 200 for an
	// authorize request that succeeded).
	Status int `json:"status"`
	// Error and AADSTS are the OAuth error and Entra code of a failure.
	Error  string `json:"error,omitempty"`
	AADSTS int    `json:"aadsts,omitempty"`
}

// maxLog bounds the request log; the oldest entries go first.
const maxLog = 10_000

// record appends r to the log, stamping its time.
func (p *Provider) record(r Request) {
	r.Time = p.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.log) >= maxLog {
		p.log = slices.Delete(p.log, 0, len(p.log)-maxLog+1)
	}
	p.log = append(p.log, r)
}

// Requests returns a copy of the request log, oldest first.
func (p *Provider) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// grantCounts counts the successful token requests per grant type.
func (p *Provider) grantCounts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := map[string]int{}
	for _, r := range p.log {
		if r.Endpoint == "token" && r.Error == "" {
			n[r.GrantType]++
		}
	}
	return n
}
