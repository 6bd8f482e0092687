package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"errors"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestRegressionAcked2xxThenReadFailsIsUnknown(t *testing.T) {
	srv := fake.NewServer(&fake.Options{Seed: 3})
	srv.Seed(50)
	id := ""
	for _, u := range srv.Units() {
		if u.Status == models.StatusUnprotected && u.PolicyID == "" {
			id = u.ID
			break
		}
	}
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultTruncatedBody, Count: 1})
	srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultStatus, Status: 500})
	c := emulatorClient(t, srv, &Options{BaseURL: fake.DefaultBaseURL, Retry: RetryOptions{MaxRetries: 1, BaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond}})
	_, err := c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
	t.Logf("err=%v", err)
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("the service answered 2xx (applied: %d offboards), yet the call reports ErrOutcomeUnknown", causes(srv)[id][fake.CauseOffboard])
	}
}
