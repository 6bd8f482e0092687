package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"context"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestRegressionCancelWaitResumeSaysAlready(t *testing.T) {
	srv := fake.NewServer(&fake.Options{Seed: 9, RealTimeClock: true,
		RemovalDelay: 150 * time.Millisecond, CancelDelay: 400 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(300)
	c := emulatorClient(t, srv, &Options{BaseURL: fake.DefaultBaseURL, Retry: RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
	var ids []string
	for _, u := range srv.Units() {
		if u.Status == models.StatusOffboardRequested {
			ids = append(ids, u.ID)
		}
	}
	if len(ids) == 0 {
		t.Skip("no offboarding unit")
	}
	ids = ids[:min(2, len(ids))]
	j := NewMemoryJournal()
	ctx, cancel := context.WithCancel(t.Context())
	opts := &RunOptions{Journal: j, Wait: fastWait, WaitCancelled: true, OnProgress: func(p RunProgress) {
		if p.Stage == StageWaitCancelled {
			cancel() // the process dies while waiting
		}
	}}
	res, err := c.Offboarding(opts).CancelOffboard(ctx, ids)
	t.Logf("first: err=%v", err)
	for _, u := range res.Units {
		t.Logf("  %s %s/%s (%s)", u.ID, u.Outcome, u.Stage, u.Reason)
	}
	res2, err := c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Resume(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cs := causes(srv)
	for _, u := range res2.Units {
		t.Logf("resume %s: %s (%s); cancels by this run: %d", u.ID, u.Outcome, u.Reason, cs[u.ID][fake.CauseCancelOffboard])
		if cs[u.ID][fake.CauseCancelOffboard] == 1 && u.Outcome != OutcomeDone {
			t.Errorf("%s: this run's own (answered, journaled) cancellation is reported %s after the resume", u.ID, u.Outcome)
		}
	}
}
