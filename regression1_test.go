package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"context"
	"errors"
	"net/http"
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

func TestRegressionSlowCredentialIsNotSent(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) })
	for name, cred := range map[string]azcore.TokenCredential{"callerDeadline": slowCred{}, "credOwnTimeout": selfTimeoutCred{}} {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient(cred, &Options{BaseURL: ts.URL + "/v1.0", HTTPClient: ts.Server.Client(), Retry: RetryOptions{MaxRetries: NoRetries}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			_, err = c.ProtectionUnits().ByID("u1").Offboard().Post(ctx, nil)
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
