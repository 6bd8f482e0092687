package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// applyThenLose lets the offboard $batch through (the service applies it),
// then cancels the run's context and loses the answer.
type applyThenLose struct {
	next   http.RoundTripper
	cancel func()
	on     atomic.Bool
}

func (a *applyThenLose) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && a.on.Load() {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte("/offboard")) {
			resp, err := a.next.RoundTrip(r)
			if err == nil {
				resp.Body.Close()
			}
			a.cancel()
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
	}
	return a.next.RoundTrip(r)
}

func TestRegressionResumeLosesUnknownEvidence(t *testing.T) {
	srv := fake.NewServer(&fake.Options{Seed: 3, RealTimeClock: true,
		RemovalDelay: 150 * time.Millisecond, CancelDelay: 150 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(200)
	var ids []string
	for _, u := range srv.Units() {
		if u.Status == models.StatusUnprotected && u.PolicyID == "" {
			ids = append(ids, u.ID)
		}
	}
	ids = ids[:min(2, len(ids))]
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tr := &applyThenLose{next: srv.Transport(), cancel: cancel}
	tr.on.Store(true)
	c, err := NewClient(fake.NewDelegatedCredential(), &Options{BaseURL: fake.DefaultBaseURL, HTTPClient: &http.Client{Transport: tr},
		Retry: RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	j := NewMemoryJournal()
	res, err := c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Offboard(ctx, ids)
	t.Logf("run err: %v", err)
	for _, u := range res.Units {
		t.Logf("run %s: %s/%s", u.ID, u.Outcome, u.Stage)
	}
	t.Logf("offboards applied by the emulator: %d", countRoute(srv, fake.RouteOffboard))
	tr.on.Store(false)
	res2, err := c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Resume(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cs := causes(srv)
	for _, u := range res2.Units {
		t.Logf("resume %s: %s (%s); offboards by this run: %d", u.ID, u.Outcome, u.Reason, cs[u.ID][fake.CauseOffboard])
		if cs[u.ID][fake.CauseOffboard] == 1 && u.Outcome == OutcomeAlready {
			t.Errorf("%s: this run's own offboard (Unknown before the resume) is reported Already, 'not by this run'", u.ID)
		}
	}
}
