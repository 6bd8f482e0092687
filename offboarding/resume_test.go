package offboarding_test

// Regression tests from reviews of the run's outcome logic (names kept from
// the root package, where they were regression2/5/7/10_test.go): each
// reproduced a false outcome, or a hang, before its fix.

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

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
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
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tr := &blockOffboardDial{onBlock: func() { time.AfterFunc(50*time.Millisecond, cancel) }}
	tr.fail.Store(true)
	r := newRig(t, rigOptions{units: 200, seed: 3, transport: func(next http.RoundTripper) http.RoundTripper { tr.next = next; return tr }})
	ids := unitsWhere(r.srv, 3, unprotected)
	require.NotEmpty(t, ids)
	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Offboard(ctx, ids)
	require.ErrorIs(t, err, context.Canceled)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomePending, u.Outcome, "%s: nothing reached the wire: %v", u.ID, u.Err)
		require.ErrorIs(t, u.Err, backuprestore.ErrNotSent, u.ID)
	}
	require.Zero(t, countRoute(r.srv, fake.RouteOffboard), "the emulator saw no offboard")
	st, err := offboarding.New(r.c, &offboarding.Options{Journal: j}).Status(t.Context())
	require.NoError(t, err)
	for _, u := range st.Units {
		require.NotEqual(t, offboarding.OutcomeUnknown, u.Outcome, "%s: Status says a write was sent, but nothing reached the wire", u.ID)
	}
	// Another admin offboards the first unit meanwhile; resume must not claim it.
	_, err = clientOn(t, r.srv, nil).ProtectionUnits().ByID(ids[0]).Offboard().Post(t.Context(), nil)
	require.NoError(t, err)
	tr.fail.Store(false)
	res2, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Resume(t.Context())
	require.NoError(t, err)
	require.Equal(t, offboarding.OutcomeAlready, res2.Units[0].Outcome,
		"another caller offboarded it and this run never sent anything: %s", res2.Units[0].Explain())
}

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
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tr := &applyThenLose{cancel: cancel}
	tr.on.Store(true)
	r := newRig(t, rigOptions{units: 200, seed: 3, transport: func(next http.RoundTripper) http.RoundTripper { tr.next = next; return tr }})
	ids := unitsWhere(r.srv, 2, unprotected)
	require.NotEmpty(t, ids)
	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Offboard(ctx, ids)
	require.ErrorIs(t, err, context.Canceled)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomeUnknown, u.Outcome, "%s: written, answer lost: really in doubt", u.ID)
	}
	tr.on.Store(false)
	res2, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Resume(t.Context())
	require.NoError(t, err)
	cs := causes(r.srv)
	for _, u := range res2.Units {
		require.Equal(t, 1, cs[u.ID][fake.CauseOffboard], u.ID)
		require.Equal(t, offboarding.OutcomeDone, u.Outcome, "%s: this run's own offboard (Unknown before the resume): %s", u.ID, u.Explain())
	}
}

func TestRegressionRequeueAfter403DoesNotWait(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 60, seed: 3})
	ids := unitsWhere(r.srv, 1, unprotected)
	require.Len(t, ids, 1)
	id := ids[0]
	// The service refuses the offboard 4 times (its removal "not settled"),
	// then would accept it.
	r.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, InBatch: true, UnitID: id, Kind: fake.FaultStatus, Status: 403,
		Code: "OperationNotAllowed", Count: 4})
	const poll = 300 * time.Millisecond
	res, err := offboarding.New(r.c, &offboarding.Options{PollInterval: poll, MaxPollInterval: poll, WaitTimeout: 30 * time.Second}).
		Offboard(t.Context(), []string{id})
	require.NoError(t, err)
	var times []time.Time
	for _, rq := range r.srv.Requests() {
		if rq.Route == fake.RouteOffboard && rq.UnitID == id {
			times = append(times, rq.Time)
		}
	}
	require.Len(t, times, 4, "three refusals requeued (MaxRequeues), the fourth is the answer")
	require.Equal(t, offboarding.OutcomeFailed, res.Units[0].Outcome)
	require.ErrorIs(t, res.Units[0].Err, backuprestore.ErrOperationNotAllowed)
	for i := 1; i < len(times); i++ {
		require.GreaterOrEqual(t, times[i].Sub(times[i-1]), poll, "'back to waiting' waits a poll interval before offboarding again")
	}
}

func TestRegressionCancelWaitResumeSaysAlready(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 300, seed: 9, cancelDelay: 400 * time.Millisecond})
	ids := unitsWhere(r.srv, 2, func(u fake.Unit) bool { return u.Status == models.StatusOffboardRequested })
	require.NotEmpty(t, ids)
	j := offboarding.NewMemoryJournal()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := offboarding.Options{Journal: j, WaitCancelled: true, OnProgress: func(p offboarding.Progress) {
		if p.Stage == offboarding.StageWaitCancelled {
			cancel() // the process dies while waiting
		}
	}}
	_, err := offboarding.New(r.c, fast(o)).CancelOffboard(ctx, ids)
	require.ErrorIs(t, err, context.Canceled)
	res2, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Resume(t.Context())
	require.NoError(t, err)
	cs := causes(r.srv)
	for _, u := range res2.Units {
		require.Equal(t, 1, cs[u.ID][fake.CauseCancelOffboard], u.ID)
		require.Equal(t, offboarding.OutcomeDone, u.Outcome, "%s: this run's own (answered, journaled) cancellation: %s", u.ID, u.Explain())
	}
}
