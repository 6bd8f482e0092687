package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// blockOffboardDial makes every $batch carrying offboard actions hang in its
// "dial" until the request's context ends, then fail as a dial error:
// nothing is ever written. It calls onBlock once when the first one blocks.
type blockOffboardDial struct {
	next    http.RoundTripper
	onBlock func()
	blocked atomic.Int32
	fail    atomic.Bool
}

func (b *blockOffboardDial) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && b.fail.Load() {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte("/offboard")) {
			if b.blocked.Add(1) == 1 && b.onBlock != nil {
				b.onBlock()
			}
			<-r.Context().Done()
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: r.Context().Err()}
		}
	}
	return b.next.RoundTrip(r)
}

func TestRegressionRunIntentLeftOpenWhenNothingSent(t *testing.T) {
	srv := fake.NewServer(&fake.Options{Seed: 3, RealTimeClock: true,
		RemovalDelay: 150 * time.Millisecond, CancelDelay: 150 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(200)
	var ids []string
	for _, u := range srv.Units() {
		if u.Status == models.StatusUnprotected && u.PolicyID == "" {
			ids = append(ids, u.ID)
		}
	}
	if len(ids) == 0 {
		t.Skip("no unprotected unit")
	}
	ids = ids[:min(3, len(ids))]
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tr := &blockOffboardDial{next: srv.Transport(), onBlock: func() { time.AfterFunc(50*time.Millisecond, cancel) }}
	tr.fail.Store(true)
	c, err := NewClient(fake.NewDelegatedCredential(), &Options{BaseURL: fake.DefaultBaseURL, HTTPClient: &http.Client{Transport: tr},
		Retry: RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	j := NewMemoryJournal()
	res, err := c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Offboard(ctx, ids)
	t.Logf("run err: %v", err)
	for _, u := range res.Units {
		t.Logf("run result %s: %s %s NotSent=%v Unknown=%v", u.ID, u.Outcome, u.Stage, errors.Is(u.Err, ErrNotSent), errors.Is(u.Err, ErrOutcomeUnknown))
	}
	if n := countRoute(srv, fake.RouteOffboard); n != 0 {
		t.Fatalf("the emulator saw %d offboards", n)
	}
	st, err := c.Offboarding(&RunOptions{Journal: j}).Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Units {
		t.Logf("status %s: %s (%s)", u.ID, u.Outcome, u.Reason)
		if u.Outcome == OutcomeUnknown {
			t.Errorf("%s: Status says Unknown (a write was sent), but nothing reached the wire", u.ID)
		}
	}
	// Another admin offboards the first unit meanwhile; resume must not claim it.
	if _, err := emulatorClient(t, srv, &Options{BaseURL: fake.DefaultBaseURL}).ProtectionUnits().ByID(ids[0]).Offboard().Post(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	tr.fail.Store(false)
	res2, err := c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Resume(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res2.Units {
		t.Logf("resume %s: %s (%s)", u.ID, u.Outcome, u.Reason)
	}
	if res2.Units[0].Outcome == OutcomeDone {
		t.Errorf("%s: resume says Done (offboarded by this run), but another caller offboarded it and this run never sent anything", ids[0])
	}
}
