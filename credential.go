package backuprestore

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/sync/singleflight"
)

// credentialGuard wraps the caller's credential:
//
//   - a token is reused until 5 minutes before it expires (or its
//     RefreshOn), instead of asking the credential on every request;
//   - concurrent token requests with the same options are coalesced into
//     one call (golang.org/x/sync/singleflight), so a bulk call's batches
//     cannot storm Entra ID, which azidentity's own cache does not prevent
//     while a token is being fetched or when fetching fails;
//   - a failure is marked with ErrCredential (wrapping the credential's
//     error, so errors.As still reaches azidentity's types), which the
//     client reads as "nothing was sent" and bulk as "stop at once".
type credentialGuard struct {
	cred  azcore.TokenCredential
	group singleflight.Group
	// cache holds the last token per request options until shortly before
	// it expires, as azcore's BearerTokenPolicy does (Kiota's token
	// provider asks the credential on every request). A claims challenge
	// (CAE) asks with other options, so it is never served from here.
	mu    sync.Mutex
	cache map[tokenKey]azcore.AccessToken
}

// tokenKey identifies a token request.
type tokenKey struct {
	scopes, claims, tenant string
	cae                    bool
}

// tokenRefreshMargin is how long before its expiry a cached token is
// replaced.
const tokenRefreshMargin = 5 * time.Minute

// GetToken implements azcore.TokenCredential.
func (g *credentialGuard) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	k := tokenKey{strings.Join(opts.Scopes, " "), opts.Claims, opts.TenantID, opts.EnableCAE}
	g.mu.Lock()
	tok, ok := g.cache[k]
	g.mu.Unlock()
	now := time.Now()
	if ok && now.Add(tokenRefreshMargin).Before(tok.ExpiresOn) && (tok.RefreshOn.IsZero() || now.Before(tok.RefreshOn)) {
		return tok, nil
	}
	tok, err := g.fetch(ctx, k, opts)
	if err == nil {
		g.mu.Lock()
		if g.cache == nil {
			g.cache = map[tokenKey]azcore.AccessToken{}
		}
		g.cache[k] = tok
		g.mu.Unlock()
	}
	return tok, err
}

// fetch asks the credential, coalescing concurrent requests.
func (g *credentialGuard) fetch(ctx context.Context, k tokenKey, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	key := k.scopes + "\x00" + k.claims + "\x00" + k.tenant + "\x00" + strconv.FormatBool(k.cae)
	askedAgain := false
	for {
		ch := g.group.DoChan(key, func() (any, error) { return g.cred.GetToken(ctx, opts) })
		select {
		case <-ctx.Done():
			return azcore.AccessToken{}, wrapErr("getting a token", ErrNotSent, context.Cause(ctx))
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(azcore.AccessToken), nil
			}
			if isContextError(r.Err) && ctx.Err() != nil {
				// Our own context ended while the token was being fetched:
				// nothing was sent.
				return azcore.AccessToken{}, wrapErr("getting a token", ErrNotSent, context.Cause(ctx))
			}
			if isContextError(r.Err) && r.Shared && !askedAgain {
				// Another caller's context ended, not ours: ask once more.
				askedAgain = true
				continue
			}
			// The credential failed, or timed out on its own.
			return azcore.AccessToken{}, &credentialError{err: r.Err}
		}
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// credentialError is a credential's failure to produce a token.
type credentialError struct{ err error }

// Error implements error.
func (e *credentialError) Error() string {
	return ErrCredential.Error() + ": " + strings.TrimPrefix(e.err.Error(), errPrefix)
}

// Unwrap returns ErrCredential and the credential's error.
func (e *credentialError) Unwrap() []error { return []error{ErrCredential, e.err} }

// isNil reports whether v is nil or a nil pointer, map, slice, func, chan
// or interface inside a non-nil interface (a "typed nil").
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
