package offboarding_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/schedule"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

func TestOffboardRunEndToEnd(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 400, seed: 11})
	before, ids := snapshot(r.srv)
	var stages []offboarding.Stage
	run := offboarding.New(r.c, fast(offboarding.Options{OnProgress: func(p offboarding.Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		require.Equal(t, len(ids), p.Total)
	}}))
	res, err := run.Offboard(t.Context(), ids)
	require.NoError(t, err)
	require.Equal(t, models.ServiceEnabled, res.Service.Status)
	n := checkOffboardRun(t, r.srv, before, res)
	t.Logf("outcomes: %v; stages %v", n, stages)
	require.Positive(t, n[offboarding.OutcomeDone])
	require.Positive(t, n[offboarding.OutcomeAlready])
	require.Positive(t, n[offboarding.OutcomeSkipped])
	require.Zero(t, n[offboarding.OutcomeFailed]+n[offboarding.OutcomeUnknown]+n[offboarding.OutcomePending], "%v", res.Failed())
	require.Equal(t, []offboarding.Stage{offboarding.StageRead, offboarding.StageRemove, offboarding.StageOffboard,
		offboarding.StageWaitRemoved, offboarding.StageOffboard}, stages)
	for _, u := range res.Units {
		if u.Outcome == offboarding.OutcomeDone {
			require.NotEmpty(t, u.RequestID, "%s: the offboard's request-id, for support", u.ID)
			require.False(t, u.Sent.IsZero(), u.ID)
			require.NotEmpty(t, u.Name, u.ID)
		}
	}

	// The journal's status, without a request, says the same, and the run
	// is finished (a new one may start).
	st, err := run.Status(t.Context())
	require.NoError(t, err)
	for i, u := range st.Units {
		require.Equal(t, res.Units[i].Outcome, u.Outcome, u.ID)
		require.Equal(t, res.Units[i].Reason, u.Reason, u.ID)
	}
}

// A dry run reads and plans; it writes nothing, not even to the journal.
func TestOffboardRunDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 200, seed: 5})
	before, ids := snapshot(r.srv)
	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(r.c, &offboarding.Options{DryRun: true, Journal: j}).Offboard(t.Context(), ids)
	require.NoError(t, err)
	require.True(t, res.DryRun)
	for _, rq := range r.srv.Requests() {
		require.NotContains(t, []fake.Route{fake.RoutePolicyPatch, fake.RouteOffboard, fake.RouteCancelOffboard}, rq.Route, "a dry run sent %s %s", rq.Method, rq.Path)
	}
	onlyServiceTimers(t, r.srv, "only the service's own timers changed units")
	_, _, err = j.Load(t.Context())
	require.ErrorIs(t, err, offboarding.ErrNoRun, "nothing journaled")
	stages := map[offboarding.Stage]int{}
	for _, g := range res.Plan() {
		if g.Outcome == offboarding.OutcomePlanned {
			stages[g.Stage] += len(g.Units)
		}
	}
	require.Positive(t, stages[offboarding.StageRemove])
	require.Positive(t, stages[offboarding.StageOffboard])
	for _, u := range res.Units {
		if b := before[u.ID]; b.PolicyID != "" && b.Status != models.StatusRemoveRequested && hasDynamicRule(b) {
			require.Equal(t, offboarding.OutcomeSkipped, u.Outcome)
			require.Equal(t, offboarding.ReasonDynamicRule, u.Reason, "a typed reason, not text")
		}
		if u.PolicyID != "" {
			require.NotEmpty(t, u.PolicyName, "%s: its policy's name", u.ID)
		}
	}
}

func hasDynamicRule(u fake.Unit) bool {
	return models.ParseProtectionSources(u.ProtectionSources).Has(models.SourceDynamicRule)
}

func TestOffboardRunStopsAtALockedGate(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 20, seed: 2})
	_, ids := snapshot(r.srv)
	require.NoError(t, r.srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	j := offboarding.NewMemoryJournal()
	res, err := offboarding.New(r.c, &offboarding.Options{Journal: j}).Offboard(t.Context(), ids)
	require.ErrorIs(t, err, backuprestore.ErrServiceLocked)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomeSkipped, u.Outcome)
		require.Equal(t, offboarding.ReasonServiceLocked, u.Reason)
		require.ErrorIs(t, u.Err, backuprestore.ErrServiceLocked)
	}
	require.Empty(t, r.srv.AllTransitions())
}

func TestCancelRun(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 300, seed: 9})
	_, ids := snapshot(r.srv)
	res, err := offboarding.New(r.c, fast(offboarding.Options{WaitCancelled: true})).CancelOffboard(t.Context(), ids)
	require.NoError(t, err)
	n := res.Count()
	t.Logf("cancel outcomes: %v", n)
	cs := causes(r.srv)
	for _, u := range res.Units {
		require.LessOrEqual(t, cs[u.ID][fake.CauseCancelOffboard], 1)
		if u.Outcome == offboarding.OutcomeDone {
			require.Equal(t, 1, cs[u.ID][fake.CauseCancelOffboard], u.ID)
		} else {
			require.Zero(t, cs[u.ID][fake.CauseCancelOffboard], u.ID)
		}
	}
	require.Positive(t, n[offboarding.OutcomeDone])
}

// The run: 5,000 units over 6 policies in 3 workloads, 10% faults
// on every route (429 with Retry-After, 503, resets after the service
// acted), and the process "killed" mid-run several times: each time the
// run is dropped and a new one resumes from the journal. Every unit ends
// with exactly one outcome, no unit is removed or offboarded twice, no
// applied step is reported failed, dynamic-rule units are reported and
// untouched.
func TestOffboardRunResumesAfterKillsUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 5,000-unit run takes ~20 s")
	}
	// This test is about the journal and resuming, not pacing: the
	// emulator's random 429s would otherwise make the client's adaptive
	// limiter slow the run to minutes, as it must against a service that
	// throttles that often. Its floor is raised for this client; the
	// scheduler is tested on its own (internal/schedule).
	schedule.NewPacer = func() schedule.Pacer {
		return schedule.New(schedule.Options{InitialRate: 2000, MinRate: 2000})
	}
	r := newRig(t, rigOptions{units: 5000, seed: 21})
	schedule.NewPacer = nil
	require.Len(t, r.srv.Policies(), 6)
	before, ids := snapshot(r.srv)
	for _, f := range []fake.Fault{
		{Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.05", Probability: 0.02},
		{Kind: fake.FaultStatus, Status: 503, Probability: 0.04},
		{Kind: fake.FaultResetAfter, Probability: 0.04},
		{Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.05", Probability: 0.01, InBatch: true},
		{Kind: fake.FaultStatus, Status: 503, Probability: 0.09, InBatch: true},
	} {
		r.srv.AddFault(f)
	}
	j := offboarding.NewMemoryJournal()
	rnd := rand.New(rand.NewPCG(21, 1))
	var res *offboarding.Results
	var err error
	kills := map[offboarding.Stage]int{}
	killIn := []offboarding.Stage{offboarding.StageRemove, offboarding.StageRead, offboarding.StageOffboard, offboarding.StageRead, offboarding.StageOffboard}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithCancel(t.Context())
		o := offboarding.Options{Journal: j, MaxAttempts: 20}
		if attempt < len(killIn) {
			target, after := killIn[attempt], 1+rnd.IntN(6)
			o.OnProgress = func(p offboarding.Progress) {
				if p.Stage == target {
					if after--; after == 0 {
						kills[target]++
						cancel()
					}
				}
			}
		}
		run := offboarding.New(r.c, fast(o))
		if attempt == 0 {
			res, err = run.Offboard(ctx, ids)
		} else {
			res, err = run.Resume(ctx)
		}
		cancel()
		if err == nil {
			break
		}
		require.ErrorIs(t, err, context.Canceled)
		require.Less(t, attempt, 12)
		// Status agrees with what the interrupted run reported.
		st, serr := offboarding.New(r.c, &offboarding.Options{Journal: j}).Status(t.Context())
		require.NoError(t, serr)
		for i, u := range st.Units {
			require.Equal(t, res.Units[i].Outcome, u.Outcome, "%s: the run said %s (%v), Status says %s", u.ID, res.Units[i].Outcome, res.Units[i].Err, u.Outcome)
		}
	}
	n := checkOffboardRun(t, r.srv, before, res)
	t.Logf("after kills %v: %v", kills, n)
	require.NotEmpty(t, kills)
	require.Zero(t, n[offboarding.OutcomeFailed]+n[offboarding.OutcomePending], "%v", firstN(res.Failed(), 5))
	for _, u := range res.Units {
		if u.Outcome == offboarding.OutcomeUnknown {
			require.ErrorIs(t, u.Err, backuprestore.ErrOutcomeUnknown, "%s: unknown at %v with %v", u.ID, u.Stage, u.Err)
		}
	}
}

// A journal failure stops the run at once: nothing more is sent.
func TestRunStopsWhenTheJournalFails(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{units: 100, seed: 4})
	_, ids := snapshot(r.srv)
	j := &failingJournal{MemoryJournal: offboarding.NewMemoryJournal(), failAfter: 1}
	res, err := offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Offboard(t.Context(), ids)
	require.ErrorIs(t, err, errDiskFull)
	onlyServiceTimers(t, r.srv, "the first write's intent could not be recorded: nothing sent")
	require.Len(t, res.Units, len(ids))
}

var errDiskFull = errors.New("disk full")

type failingJournal struct {
	*offboarding.MemoryJournal
	mu        sync.Mutex
	failAfter int
	records   int
}

func (f *failingJournal) Record(ctx context.Context, e ...offboarding.Entry) error {
	f.mu.Lock()
	f.records++
	n := f.records
	f.mu.Unlock()
	if n > f.failAfter {
		return errDiskFull
	}
	return f.MemoryJournal.Record(ctx, e...)
}

// A write whose answer was lost and could not be settled is Unknown, and
// stays in doubt in the journal: the resume reads it back and, finding it
// applied (the run had read the unit before in another state), reports
// Done (not Already) without sending it again.
func TestResumeSettlesAnUnknownWriteAsDone(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	var ids []string
	for i := range 5 {
		id := "removed-" + strconv.Itoa(i)
		require.NoError(t, r.srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: id, SiteID: "s" + id, Status: models.StatusUnprotected}))
		ids = append(ids, id)
	}
	j := offboarding.NewMemoryJournal()
	o := offboarding.Options{Journal: j, MaxAttempts: 2}
	o.OnProgress = func(p offboarding.Progress) {
		if p.Stage == offboarding.StageOffboard && p.StageDone == 0 {
			// Every $batch from now on is applied and its answer lost.
			r.srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultResetAfter, Count: 100})
		}
	}
	res, err := offboarding.New(r.c, fast(o)).Offboard(t.Context(), ids)
	require.NoError(t, err)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomeUnknown, u.Outcome, "%s: %v", u.ID, u.Err)
		require.ErrorIs(t, u.Err, backuprestore.ErrOutcomeUnknown)
	}
	st, err := offboarding.New(r.c, &offboarding.Options{Journal: j}).Status(t.Context())
	require.NoError(t, err)
	for _, u := range st.Units {
		require.Equal(t, offboarding.OutcomeUnknown, u.Outcome, u.ID)
		require.ErrorIs(t, u.Err, backuprestore.ErrOutcomeUnknown, "the error survives the journal")
	}
	r.srv.ClearFaults()
	res, err = offboarding.New(r.c, fast(offboarding.Options{Journal: j})).Resume(t.Context())
	require.NoError(t, err)
	cs := causes(r.srv)
	for _, u := range res.Units {
		require.Equal(t, offboarding.OutcomeDone, u.Outcome, "%s: %s %v", u.ID, u.Explain(), u.Err)
		require.Equal(t, 1, cs[u.ID][fake.CauseOffboard], "offboarded once")
	}
}
