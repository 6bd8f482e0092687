package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type countingTimeoutCred struct{ n atomic.Int32 }

func (c *countingTimeoutCred) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.n.Add(1)
	cc, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	<-cc.Done()
	return azcore.AccessToken{}, cc.Err()
}

func TestRegressionSingleflightSharedContextErrorLoops(t *testing.T) {
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
