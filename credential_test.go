package backuprestore

// Tests of the credential guard (credential.go): token requests shared
// between callers, and credentials that hang or time out on their own.

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// slowCred blocks until its context ends (an Entra ID that hangs).
type slowCred struct{}

func (slowCred) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	<-ctx.Done()
	return azcore.AccessToken{}, ctx.Err()
}

// selfTimeoutCred fails with its own deadline while the caller's ctx is alive.
type selfTimeoutCred struct{}

func (selfTimeoutCred) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	<-c.Done()
	return azcore.AccessToken{}, c.Err()
}

// A credential that hangs until the caller's deadline, or fails with its
// own timeout: nothing was sent, so the call says ErrNotSent, never
// ErrOutcomeUnknown. (A regression test from a review of the outcome
// logic: it reproduced a false outcome before its fix.)
func TestRegressionSlowCredentialIsNotSent(t *testing.T) {
	t.Parallel()
	for name, cred := range map[string]azcore.TokenCredential{"callerDeadline": slowCred{}, "credOwnTimeout": selfTimeoutCred{}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) },
				cred: cred, client: &Options{Retry: RetryOptions{MaxRetries: NoRetries}}})
			ts, c := rig.ts, rig.c
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			_, err := c.ProtectionUnits().ByID("u1").Offboard().Post(ctx, nil)
			t.Logf("err=%v", err)
			t.Logf("NotSent=%v Unknown=%v Credential=%v requests=%d", errors.Is(err, ErrNotSent), errors.Is(err, ErrOutcomeUnknown), errors.Is(err, ErrCredential), len(ts.seen()))
			if !errors.Is(err, ErrNotSent) || errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("nothing was sent (server saw %d requests), want ErrNotSent only", len(ts.seen()))
			}
			res := c.ProtectionUnits().OffboardAll(ctx, []string{"u1", "u2"}, nil)
			for _, x := range res {
				t.Logf("bulk %s: NotSent=%v Unknown=%v err=%v", x.ID, errors.Is(x.Err, ErrNotSent), errors.Is(x.Err, ErrOutcomeUnknown), x.Err)
			}
		})
	}
}

// countingTimeoutCred counts its calls, each failing with its own 5 ms
// timeout.
type countingTimeoutCred struct{ n atomic.Int32 }

func (c *countingTimeoutCred) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.n.Add(1)
	cc, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	<-cc.Done()
	return azcore.AccessToken{}, cc.Err()
}

// Eight callers share one token request (singleflight) whose credential
// fails with its own timeout while their contexts live: the guard must
// not loop on the shared failure. (A regression test from a review of the
// outcome logic: it reproduced a hang before its fix.)
func TestRegressionSingleflightSharedContextErrorLoops(t *testing.T) {
	t.Parallel()
	cred := &countingTimeoutCred{}
	g := &credentialGuard{cred: cred}
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = g.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"s"}})
		}()
	}
	wg.Wait()
	t.Logf("8 callers took %v; credential called %d times; errs[0]=%v", time.Since(start), cred.n.Load(), errs[0])
	if cred.n.Load() > 8 {
		t.Errorf("a credential failing with its own timeout was called %d times for 8 callers: the shared-result retry loops until the callers' contexts end", cred.n.Load())
	}
}
