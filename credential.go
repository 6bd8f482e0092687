package backuprestore

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/sync/singleflight"
)

// credentialGuard wraps the caller's credential:
//
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
}

// GetToken implements azcore.TokenCredential.
func (g *credentialGuard) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	key := strings.Join(opts.Scopes, " ") + "\x00" + opts.Claims + "\x00" + opts.TenantID + "\x00" + strconv.FormatBool(opts.EnableCAE)
	for {
		ch := g.group.DoChan(key, func() (any, error) { return g.cred.GetToken(ctx, opts) })
		select {
		case <-ctx.Done():
			return azcore.AccessToken{}, context.Cause(ctx)
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(azcore.AccessToken), nil
			}
			if isContextError(r.Err) {
				if ctx.Err() != nil {
					return azcore.AccessToken{}, context.Cause(ctx)
				}
				if r.Shared {
					continue // another caller's context ended, not ours: ask again
				}
				return azcore.AccessToken{}, r.Err
			}
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
