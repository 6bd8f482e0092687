package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"testing"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestRegressionRequeueAfter403DoesNotWait(t *testing.T) {
	srv, c := lifecycleRig(t, 60, 3)
	id := ""
	for _, u := range srv.Units() {
		if u.Status == models.StatusUnprotected && u.PolicyID == "" {
			id = u.ID
			break
		}
	}
	// The service refuses the offboard 4 times (its removal "not settled"),
	// then would accept it.
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, InBatch: true, UnitID: id, Kind: fake.FaultStatus, Status: 403,
		Code: "OperationNotAllowed", Count: 4})
	start := time.Now()
	res, err := c.Offboarding(&RunOptions{Wait: slowPoll}).Offboard(t.Context(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	for _, rq := range srv.Requests() {
		if rq.Route == fake.RouteOffboard && rq.UnitID == id {
			times = append(times, rq.Time)
		}
	}
	t.Logf("outcome %s (%v) after %v; %d offboard attempts spanning %v (PollInterval %v)",
		res.Units[0].Outcome, res.Units[0].Err, time.Since(start), len(times), times[len(times)-1].Sub(times[0]), slowPoll.PollInterval)
	if span := times[len(times)-1].Sub(times[0]); span < slowPoll.PollInterval {
		t.Errorf("%d offboards within %v: 'back to waiting' waited not at all (MaxRequeues burnt at once)", len(times), span)
	}
}

var slowPoll = WaitOptions{PollInterval: 2 * time.Second, MaxPollInterval: 2 * time.Second, Timeout: 30 * time.Second}
