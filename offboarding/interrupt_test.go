package offboarding_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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

// Interrupted runs report Unknown only for writes really in doubt, and
// Resume and Status agree on every unit (issue 20, point 2).

// handOff passes requests to a real *http.Transport, except that, once
// armed, a request whose body holds marker has the run's context cancelled
// as it is handed over, and the transport's answer is what net/http gives
// for a request whose context ended before it asked for a connection:
// context.Canceled, nothing written.
type handOff struct {
	next   http.RoundTripper
	marker []byte
	cancel func()
	armed  atomic.Bool
	hits   atomic.Int32
}

func (h *handOff) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && h.armed.Load() {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, h.marker) {
			h.hits.Add(1)
			h.cancel()
			return nil, context.Canceled
		}
	}
	return h.next.RoundTrip(r)
}

// overHTTP serves srv on 127.0.0.1 and returns a client that reaches it
// through wrap(a real *http.Transport).
func overHTTP(t *testing.T, srv *fake.Server, wrap func(http.RoundTripper) http.RoundTripper) *backuprestore.Client {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: hs.URL + "/v1.0",
		HTTPClient: &http.Client{Transport: wrap(tr)},
		Retry:      backuprestore.RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
	require.NoError(t, err)
	return c
}

func TestContextEndingAtTheHandOffIsNotSent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		marker string
		ids    func(*fake.Server) []string
		stage  offboarding.Stage
	}{
		{"offboard $batch", "/offboard", func(s *fake.Server) []string { return unitsWhere(s, 4, unprotected) }, offboarding.StageOffboard},
		{"policy PATCH", "@removed", func(s *fake.Server) []string { return removableInOnePolicy(s, 4) }, offboarding.StageRemove},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake.NewServer(&fake.Options{Seed: 7, RealTimeClock: true, RemovalDelay: 150 * time.Millisecond, ProtectDelay: 24 * time.Hour})
			srv.Seed(300)
			ids := tc.ids(srv)
			require.NotEmpty(t, ids)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			h := &handOff{marker: []byte(tc.marker), cancel: cancel}
			c := overHTTP(t, srv, func(next http.RoundTripper) http.RoundTripper { h.next = next; return h })
			h.armed.Store(true)
			j := offboarding.NewMemoryJournal()
			res, err := offboarding.New(c, fast(offboarding.Options{Journal: j})).Offboard(ctx, ids)
			require.ErrorIs(t, err, context.Canceled)
			require.Positive(t, h.hits.Load(), "the request was handed over")
			for _, u := range res.Units {
				require.Equal(t, offboarding.OutcomePending, u.Outcome, "%s: nothing was written: %v", u.ID, u.Err)
				require.Equal(t, tc.stage, u.Stage, u.ID)
				require.NotErrorIs(t, u.Err, backuprestore.ErrOutcomeUnknown, u.ID)
			}
			onlyServiceTimers(t, srv, "nothing of the run reached the emulator")
			requireStatusAgrees(t, c, j, res)
			h.armed.Store(false)
			res, err = offboarding.New(c, fast(offboarding.Options{Journal: j})).Resume(t.Context())
			require.NoError(t, err)
			for _, u := range res.Units {
				require.Equal(t, offboarding.OutcomeDone, u.Outcome, "%s: %s %v", u.ID, u.Explain(), u.Err)
			}
		})
	}
}

// removableInOnePolicy returns up to n units of one policy that a run
// would remove from it (protected manually).
func removableInOnePolicy(srv *fake.Server, n int) []string {
	policy := ""
	return unitsWhere(srv, n, func(u fake.Unit) bool {
		if u.Status != models.StatusProtected || u.PolicyID == "" || hasDynamicRule(u) || (policy != "" && u.PolicyID != policy) {
			return false
		}
		policy = u.PolicyID
		return true
	})
}

// requireStatusAgrees checks that Status, from the journal alone, reports
// every unit's outcome as res did.
func requireStatusAgrees(t *testing.T, c *backuprestore.Client, j offboarding.Journal, res *offboarding.Results) {
	t.Helper()
	st, err := offboarding.New(c, &offboarding.Options{Journal: j}).Status(t.Context())
	require.NoError(t, err)
	require.Len(t, st.Units, len(res.Units))
	for i, u := range st.Units {
		require.Equal(t, res.Units[i].Outcome, u.Outcome, "%s: the run said %s (%v), Status says %s (%v)",
			u.ID, res.Units[i].Outcome, res.Units[i].Err, u.Outcome, u.Err)
	}
}

// loseAnswer lets a request whose body holds marker reach the service (it
// acts on it), then cancels the run's context and loses the answer.
type loseAnswer struct {
	next   http.RoundTripper
	marker []byte
	cancel func()
	on     atomic.Bool
}

func (l *loseAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && l.on.Load() {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, l.marker) {
			resp, err := l.next.RoundTrip(r)
			if err == nil {
				resp.Body.Close()
			}
			l.cancel()
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
	}
	return l.next.RoundTrip(r)
}

// A removal in doubt, settled by the resume's read-back, is journaled: when
// that resume is interrupted while waiting, with nothing in flight, the
// units are Pending, not Unknown, in the results and in Status.
func TestResumeRecordsTheWriteItsReadSettles(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := &loseAnswer{marker: []byte("@removed"), cancel: cancel}
	srv := fake.NewServer(&fake.Options{Seed: 7, RealTimeClock: true, RemovalDelay: time.Hour, ProtectDelay: 24 * time.Hour})
	srv.Seed(300)
	ids := removableInOnePolicy(srv, 4)
	require.NotEmpty(t, ids)
	c := clientOn(t, srv, func(next http.RoundTripper) http.RoundTripper { l.next = next; return l })
	l.on.Store(true)
	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(c, fast(offboarding.Options{Journal: j})).Offboard(ctx, ids)
	require.ErrorIs(t, err, context.Canceled)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomeUnknown, u.Outcome, "%s: the PATCH was applied and its answer lost: %s %s %v %v", u.ID, u.Stage, u.Explain(), u.Err, causes(srv)[u.ID])
	}
	requireStatusAgrees(t, c, j, res)

	// The resume reads them (removeRequested: settled) and is interrupted
	// while waiting for the removal (an hour on the emulator's clock).
	l.on.Store(false)
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	o := offboarding.Options{Journal: j, OnProgress: func(p offboarding.Progress) {
		if p.Stage == offboarding.StageWaitRemoved {
			cancel2()
		}
	}}
	res, err = offboarding.New(c, fast(o)).Resume(ctx2)
	require.ErrorIs(t, err, context.Canceled)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomePending, u.Outcome, "%s: its removal was settled by the read; nothing is in doubt: %v", u.ID, u.Err)
		require.NotErrorIs(t, u.Err, backuprestore.ErrNotSent, "%s: no stale 'not sent'", u.ID)
	}
	requireStatusAgrees(t, c, j, res)
	cs := causes(srv)
	for _, id := range ids {
		require.Equal(t, 1, cs[id][fake.CauseRemove], "%s removed once", id)
	}
}

// A resume whose re-read of a unit in doubt fails reports it Unknown (it is
// still in doubt), as Status does.
func TestResumeWhoseReadFailsKeepsTheDoubt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := &loseAnswer{marker: []byte("/offboard"), cancel: cancel}
	srv := fake.NewServer(&fake.Options{Seed: 5, RealTimeClock: true, RemovalDelay: 150 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(200)
	ids := unitsWhere(srv, 3, unprotected)
	require.NotEmpty(t, ids)
	c := clientOn(t, srv, func(next http.RoundTripper) http.RoundTripper { l.next = next; return l })
	l.on.Store(true)
	j := offboarding.NewMemoryJournal()
	_, err := offboarding.New(c, fast(offboarding.Options{Journal: j, MaxAttempts: 1})).Offboard(ctx, ids)
	require.ErrorIs(t, err, context.Canceled)
	l.on.Store(false)
	// Every read of the resume fails (the service answers 500 to every
	// $batch).
	srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultStatus, Status: 500, Count: 1000})
	res, err := offboarding.New(c, fast(offboarding.Options{Journal: j, MaxAttempts: 1})).Resume(t.Context())
	require.NoError(t, err)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomeUnknown, u.Outcome, "%s: still in doubt: %v", u.ID, u.Err)
		require.ErrorIs(t, u.Err, backuprestore.ErrOutcomeUnknown)
	}
	requireStatusAgrees(t, c, j, res)
}

// Errors survive the journal: errors.Is holds after Status and Resume as it
// did in the first run.
func TestErrorsSurviveTheJournal(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 50, seed: 8})
	ids := append(unitsWhere(r.srv, 2, unprotected), "no-such-unit")
	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Offboard(t.Context(), ids)
	require.NoError(t, err)
	last := res.Units[len(res.Units)-1]
	require.Equal(t, offboarding.OutcomeFailed, last.Outcome)
	require.ErrorIs(t, last.Err, backuprestore.ErrNotFound)
	st, err := offboarding.New(r.c, &offboarding.Options{Journal: j}).Status(t.Context())
	require.NoError(t, err)
	got := st.Units[len(st.Units)-1]
	require.ErrorIs(t, got.Err, backuprestore.ErrNotFound, "after a reload: %v", got.Err)
	var be *backuprestore.Error
	require.ErrorAs(t, got.Err, &be)
	require.Equal(t, 404, be.StatusCode)
	require.Equal(t, last.Err.Error(), got.Err.Error())
}

// StageDone advances with every batch of every stage.
func TestProgressAdvancesWithEveryBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 400, seed: 11})
	_, ids := snapshot(r.srv)
	seen := map[offboarding.Stage]map[int]bool{}
	o := offboarding.Options{BatchSize: 5, MaxConcurrency: 1, OnProgress: func(p offboarding.Progress) {
		if seen[p.Stage] == nil {
			seen[p.Stage] = map[int]bool{}
		}
		seen[p.Stage][p.StageDone] = true
		require.LessOrEqual(t, p.StageDone, p.StageTotal)
	}}
	_, err := offboarding.New(r.c, fast(o)).Offboard(t.Context(), ids)
	require.NoError(t, err)
	for _, s := range []offboarding.Stage{offboarding.StageRemove, offboarding.StageOffboard} {
		require.Greater(t, len(seen[s]), 3, "%s: StageDone took %d values", s, len(seen[s]))
	}
}
