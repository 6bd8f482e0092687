package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of SetConsent.
var (
	// ErrUnknownClient: no registered client has that ID.
	ErrUnknownClient = errors.New("identity: no client with that ID is registered in the emulated tenant")
	// ErrUnknownScope: not a delegated Graph permission the tenant knows.
	ErrUnknownScope = errors.New("identity: not a delegated Microsoft Graph permission the emulated tenant knows")
)

// SetConsent grants (granted true) or revokes an administrator's consent to
// the delegated Graph permissions scopes for the client clientID. A scope
// may be written short (BackupRestore-Configuration.ReadWrite.All) or with
// Graph's resource prefix. Tokens already issued keep their scp; later
// token requests naming a revoked scope fail with consent_required
// (AADSTS65001), and .default no longer includes it. It returns the
// client's consented scopes after the change, or ErrUnknownClient or
// ErrUnknownScope (wrapped, naming the culprit) and changes nothing.
func (p *Provider) SetConsent(clientID string, scopes []string, granted bool) ([]string, error) {
	names := make([]string, 0, len(scopes))
	for _, s := range scopes {
		name := s
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			resource := s[:i]
			if !slices.ContainsFunc(graphResourceIDs, func(g string) bool { return strings.EqualFold(g, resource) }) {
				return nil, fmt.Errorf("%w: %q (only Microsoft Graph's)", ErrUnknownScope, s)
			}
			name = s[i+1:]
		}
		canonical, ok := canonicalScope(name)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownScope, s)
		}
		names = append(names, canonical)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.client(clientID)
	if c == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownClient, clientID)
	}
	for _, n := range names {
		i := slices.Index(c.Consented, n)
		switch {
		case granted && i < 0:
			c.Consented = append(c.Consented, n)
		case !granted && i >= 0:
			c.Consented = slices.Delete(c.Consented, i, i+1)
		}
	}
	return slices.Clone(c.Consented), nil
}

// Clients returns a copy of the registered clients with their current
// consent.
func (p *Provider) Clients() []Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Client, len(p.clients))
	for i, c := range p.clients {
		out[i] = *c
		out[i].Consented = slices.Clone(c.Consented)
	}
	return out
}
