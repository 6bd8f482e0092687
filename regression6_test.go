package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// cancelAfterFirstOffboard: right after the first offboard POST is
// answered, another admin cancels that offboarding and it completes.
type cancelAfterFirstOffboard struct {
	next  http.RoundTripper
	other *Client
	id    string
	n     atomic.Int32
	t     *testing.T
}

func (c *cancelAfterFirstOffboard) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/offboard") && c.n.Add(1) == 1 {
		if _, e := c.other.ProtectionUnits().ByID(c.id).CancelOffboard().Post(r.Context(), nil); e != nil {
			c.t.Logf("other admin's cancel: %v", e)
		}
		time.Sleep(80 * time.Millisecond) // the cancellation completes: unprotected
	}
	return resp, err
}

func TestRegressionAckedOffboardIsSentAgain(t *testing.T) {
	srv := fake.NewServer(&fake.Options{Seed: 3, RealTimeClock: true, CancelDelay: 20 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(50)
	id := ""
	for _, u := range srv.Units() {
		if u.Status == models.StatusUnprotected && u.PolicyID == "" {
			id = u.ID
			break
		}
	}
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultTruncatedBody, Count: 1})
	other := emulatorClient(t, srv, &Options{BaseURL: fake.DefaultBaseURL})
	tr := &cancelAfterFirstOffboard{next: srv.Transport(), other: other, id: id, t: t}
	c, err := NewClient(fake.NewDelegatedCredential(), &Options{BaseURL: fake.DefaultBaseURL, HTTPClient: &http.Client{Transport: tr},
		Retry: RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
	st := ""
	if u != nil {
		st = string(u.Status)
	}
	n := causes(srv)[id][fake.CauseOffboard]
	t.Logf("Post: status=%s err=%v; offboards applied: %d", st, err, n)
	if n > 1 {
		t.Errorf("the service answered 2xx to the first offboard, yet the call sent it again and it was applied %d times (undoing another admin's cancel)", n)
	}
}
