package middleware

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"

	"github.com/m365kit/backuprestore/internal/errs"
	"github.com/m365kit/backuprestore/internal/token"
)

// DelegatedOnly is a Kiota request option marking a request that the
// service accepts only with a delegated (user) token. Kiota's adapter puts
// request options in the request context, where Guard finds it.
type DelegatedOnly struct {
	// Operation names the call in the error, e.g. "cancelOffboard".
	Operation string
	// Permission is the delegated permission the operation needs.
	Permission string
}

var delegatedOnlyKey = abs.RequestOptionKey{Key: "backuprestore.DelegatedOnly"}

// GetKey implements abs.RequestOption.
func (*DelegatedOnly) GetKey() abs.RequestOptionKey { return delegatedOnlyKey }

// Guard refuses, before anything is sent, a request that goes to another
// origin (scheme, host and port) than the configured one, one that carries
// no bearer token, and a DelegatedOnly request whose token is an app-only
// JWT (no scp claim). Opaque tokens pass: only the service can judge them.
// Kiota's allowed-hosts check ignores the port and silently sends no token
// to a host it does not allow; this fails loudly instead.
type Guard struct {
	origin       origin
	requireToken bool
	last         atomic.Pointer[tokenVerdict]
}

type origin struct{ scheme, host, port string }

type tokenVerdict struct {
	token   string
	appOnly bool
}

// NewGuard returns a Guard for requests to base's origin. With requireToken,
// a request with no bearer token fails with errs.NoToken.
func NewGuard(base *url.URL, requireToken bool) *Guard {
	return &Guard{origin: originOf(base), requireToken: requireToken}
}

func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "https":
			o.port = "443"
		case "http":
			o.port = "80"
		}
	}
	return o
}

// SameOrigin reports whether a and b have the same scheme, host and port
// (default ports made explicit).
func SameOrigin(a, b *url.URL) bool { return originOf(a) == originOf(b) }

// Intercept implements khttp.Middleware.
func (g *Guard) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	if originOf(req.URL) != g.origin {
		return nil, fmt.Errorf("%w: %s://%s is not %s://%s", errs.ForeignHost, req.URL.Scheme, req.URL.Host, g.origin.scheme, g.origin.host)
	}
	tok := token.FromAuthorization(req.Header.Get("Authorization"))
	if tok == "" && g.requireToken {
		return nil, errs.NoToken
	}
	if opt, ok := req.Context().Value(delegatedOnlyKey).(*DelegatedOnly); ok && tok != "" && g.appOnly(tok) {
		return nil, fmt.Errorf("%w: %s accepts only delegated tokens with %s; the credential returned an app-only token (no scp claim)",
			errs.DelegatedAuthRequired, opt.Operation, opt.Permission)
	}
	return p.Next(req, i)
}

// appOnly reports whether tok is a JWT without an scp claim, remembering
// the last verdict (a credential hands out the same token for an hour).
func (g *Guard) appOnly(tok string) bool {
	if v := g.last.Load(); v != nil && v.token == tok {
		return v.appOnly
	}
	c, isJWT := token.Parse(tok)
	v := &tokenVerdict{token: tok, appOnly: isJWT && c.IsAppOnly()}
	g.last.Store(v)
	return v.appOnly
}
