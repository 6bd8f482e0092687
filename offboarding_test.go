package backuprestore

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/schedule"
	"github.com/m365kit/backuprestore/models"
)

// lifecycleRig is an emulator whose clock runs in real time with short
// removal and protection delays, so a run's waits end in milliseconds.
func lifecycleRig(t *testing.T, units int, seed uint64) (*fake.Server, *Client) {
	t.Helper()
	srv := fake.NewServer(&fake.Options{Seed: seed, RealTimeClock: true,
		RemovalDelay: 150 * time.Millisecond, CancelDelay: 150 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(units)
	c := emulatorClient(t, srv, &Options{BaseURL: fake.DefaultBaseURL,
		Retry: RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
	return srv, c
}

var fastWait = WaitOptions{PollInterval: 40 * time.Millisecond, MaxPollInterval: 200 * time.Millisecond, Timeout: 30 * time.Second}

// causes counts each unit's transitions by cause.
func causes(srv *fake.Server) map[string]map[fake.Cause]int {
	out := map[string]map[fake.Cause]int{}
	for _, tr := range srv.AllTransitions() {
		if out[tr.UnitID] == nil {
			out[tr.UnitID] = map[fake.Cause]int{}
		}
		out[tr.UnitID][tr.Cause]++
	}
	return out
}

// checkOffboardRun holds a run's results against the emulator: one result
// per unit; no unit removed twice or offboarded twice; every Done unit
// offboarded by this run, every Already unit was offboarding before it,
// dynamic-rule units skipped and untouched.
func checkOffboardRun(t *testing.T, srv *fake.Server, before map[string]fake.Unit, res *RunResults) map[Outcome]int {
	t.Helper()
	require.Len(t, res.Units, len(before))
	cs := causes(srv)
	for _, r := range res.Units {
		b := before[r.ID]
		c := cs[r.ID]
		require.LessOrEqual(t, c[fake.CauseRemove], 1, "%s removed twice", r.ID)
		require.LessOrEqual(t, c[fake.CauseOffboard], 1, "%s offboarded twice", r.ID)
		switch r.Outcome {
		case OutcomeDone:
			require.Equal(t, 1, c[fake.CauseOffboard], "%s: Done without an offboard", r.ID)
			require.Equal(t, models.StatusOffboardRequested, r.Unit.Status)
		case OutcomeAlready:
			require.Contains(t, []models.ProtectionUnitStatus{models.StatusOffboardRequested, models.StatusOffboarded}, b.Status, r.ID)
			require.Zero(t, c[fake.CauseOffboard]+c[fake.CauseRemove], r.ID)
		case OutcomeSkipped:
			require.Zero(t, c[fake.CauseOffboard]+c[fake.CauseRemove], "%s skipped but touched (%s)", r.ID, r.Reason)
		case OutcomeFailed, OutcomeUnknown, OutcomePending:
			require.Zero(t, c[fake.CauseOffboard], "%s offboarded but reported %s: %v", r.ID, r.Outcome, r.Err)
		}
		if strings.Contains(b.ProtectionSources, "dynamicRule") && b.PolicyID != "" && b.Status != models.StatusRemoveRequested {
			require.Equal(t, OutcomeSkipped, r.Outcome, "%s is protected by a dynamic rule", r.ID)
			require.Zero(t, c[fake.CauseRemove])
		}
		if r.Unit != nil && r.Unit.Status == models.StatusCancelOffboardRequested {
			require.Equal(t, OutcomeSkipped, r.Outcome, r.ID)
		}
	}
	return res.Count()
}

func snapshot(srv *fake.Server) (map[string]fake.Unit, []string) {
	before := map[string]fake.Unit{}
	var ids []string
	for _, u := range srv.Units() {
		before[u.ID] = u
		ids = append(ids, u.ID)
	}
	return before, ids
}

func TestOffboardRunEndToEnd(t *testing.T) {
	srv, c := lifecycleRig(t, 400, 11)
	before, ids := snapshot(srv)
	var stages []Stage
	run := c.Offboarding(&RunOptions{Wait: fastWait, OnProgress: func(p RunProgress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		require.Equal(t, len(ids), p.Total)
	}})
	res, err := run.Offboard(t.Context(), ids)
	require.NoError(t, err)
	require.Equal(t, models.ServiceEnabled, res.Service.Status)
	n := checkOffboardRun(t, srv, before, res)
	t.Logf("outcomes: %v; stages %v", n, stages)
	require.Positive(t, n[OutcomeDone])
	require.Positive(t, n[OutcomeAlready])
	require.Positive(t, n[OutcomeSkipped])
	require.Zero(t, n[OutcomeFailed]+n[OutcomeUnknown]+n[OutcomePending], "%v", res.Failed())
	require.Equal(t, []Stage{StageRead, StageRemove, StageOffboard, StageWaitRemoved, StageOffboard}, stages)

	// The journal's status, without a request, says the same.
	st, err := run.Status(t.Context())
	require.NoError(t, err)
	for i, u := range st.Units {
		require.Equal(t, res.Units[i].Outcome, u.Outcome, u.ID)
	}
}

// A dry run reads and plans; it writes nothing.
func TestOffboardRunDryRunWritesNothing(t *testing.T) {
	srv, c := lifecycleRig(t, 200, 5)
	before, ids := snapshot(srv)
	j := NewMemoryJournal()
	res, err := c.Offboarding(&RunOptions{DryRun: true, Journal: j}).Offboard(t.Context(), ids)
	require.NoError(t, err)
	require.True(t, res.DryRun)
	for _, rq := range srv.Requests() {
		require.NotContains(t, []fake.Route{fake.RoutePolicyPatch, fake.RouteOffboard, fake.RouteCancelOffboard}, rq.Route, "a dry run sent %s %s", rq.Method, rq.Path)
	}
	for _, tr := range srv.AllTransitions() {
		require.Contains(t, []fake.Cause{fake.CauseTimer, fake.CauseRemoved, fake.CauseProtected}, tr.Cause, "only the service's own timers changed units")
	}
	_, _, err = j.Load(t.Context())
	require.ErrorIs(t, err, ErrNoRun, "nothing journaled")
	plan := res.Plan()
	stages := map[Stage]int{}
	for _, g := range plan {
		if g.Outcome == OutcomePlanned {
			stages[g.Stage] += len(g.Units)
		}
	}
	require.Positive(t, stages[StageRemove])
	require.Positive(t, stages[StageOffboard])
	for _, r := range res.Units {
		if b := before[r.ID]; strings.Contains(b.ProtectionSources, "dynamicRule") && b.PolicyID != "" && b.Status != models.StatusRemoveRequested {
			require.Equal(t, OutcomeSkipped, r.Outcome)
			require.Contains(t, r.Reason, "dynamic rule")
		}
	}
}

func TestOffboardRunStopsAtALockedGate(t *testing.T) {
	srv, c := lifecycleRig(t, 20, 2)
	_, ids := snapshot(srv)
	require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	res, err := c.Offboarding(nil).Offboard(t.Context(), ids)
	require.ErrorIs(t, err, ErrServiceLocked)
	for _, r := range res.Units {
		require.Equal(t, OutcomeSkipped, r.Outcome)
		require.ErrorIs(t, r.Err, ErrServiceLocked)
	}
	require.Empty(t, srv.AllTransitions())
}

func TestCancelRun(t *testing.T) {
	srv, c := lifecycleRig(t, 300, 9)
	_, ids := snapshot(srv)
	res, err := c.Offboarding(&RunOptions{Wait: fastWait, WaitCancelled: true}).CancelOffboard(t.Context(), ids)
	require.NoError(t, err)
	n := res.Count()
	t.Logf("cancel outcomes: %v", n)
	cs := causes(srv)
	for _, r := range res.Units {
		require.LessOrEqual(t, cs[r.ID][fake.CauseCancelOffboard], 1)
		if r.Outcome == OutcomeDone {
			require.Equal(t, 1, cs[r.ID][fake.CauseCancelOffboard], r.ID)
		} else {
			require.Zero(t, cs[r.ID][fake.CauseCancelOffboard], r.ID)
		}
	}
	require.Positive(t, n[OutcomeDone])
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
	// emulator's random 429s (Retry-After 50 ms) would otherwise make the
	// client's adaptive limiter slow the 5,000-unit run to minutes, as it
	// must against a service that throttles that often. Its floor is
	// raised for this client; the scheduler is tested on its own
	// (internal/schedule, throttle_test.go, BenchmarkThrottledBulk).
	schedule.NewPacer = func() schedule.Pacer {
		return schedule.New(schedule.Options{InitialRate: 2000, MinRate: 2000})
	}
	srv, c := lifecycleRig(t, 5000, 21)
	schedule.NewPacer = nil
	require.Len(t, srv.Policies(), 6)
	before, ids := snapshot(srv)
	for _, f := range []fake.Fault{
		// 10% of every route's requests fail: 429 with Retry-After (each
		// whole-request 429 is a congestion signal the client's limiter
		// slows down for, as it must), 503, a reset after the service
		// acted; and as many again of the items inside $batch.
		{Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.05", Probability: 0.02},
		{Kind: fake.FaultStatus, Status: 503, Probability: 0.04},
		{Kind: fake.FaultResetAfter, Probability: 0.04},
		{Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.05", Probability: 0.01, InBatch: true},
		{Kind: fake.FaultStatus, Status: 503, Probability: 0.09, InBatch: true},
	} {
		srv.AddFault(f)
	}
	j := NewMemoryJournal()
	opts := &RunOptions{Journal: j, Wait: fastWait, Bulk: BulkOptions{MaxAttempts: 20}}
	rnd := rand.New(rand.NewPCG(21, 1))
	var res *RunResults
	var err error
	kills := map[Stage]int{}
	// Each attempt but the last is "killed" in a chosen stage, after a
	// random number of its progress reports: mid-read, mid-removal (a
	// PATCH in flight), mid-offboarding (a $batch in flight), mid-wait.
	killIn := []Stage{StageRemove, StageRead, StageOffboard, StageRead, StageOffboard}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithCancel(t.Context())
		o := *opts
		if attempt < len(killIn) {
			target, after := killIn[attempt], 1+rnd.IntN(6)
			o.OnProgress = func(p RunProgress) {
				if p.Stage == target {
					if after--; after == 0 {
						kills[target]++
						cancel()
					}
				}
			}
		}
		run := c.Offboarding(&o)
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
	}
	n := checkOffboardRun(t, srv, before, res)
	t.Logf("after kills %v: %v", kills, n)
	require.NotEmpty(t, kills)
	require.Zero(t, n[OutcomeFailed]+n[OutcomePending], "%v", firstN(res.Failed(), 5))
	for _, r := range res.Units {
		if r.Outcome == OutcomeUnknown {
			// Only a write in doubt that could not be settled.
			require.ErrorIs(t, r.Err, ErrOutcomeUnknown, "%s: unknown at %v with %v", r.ID, r.Stage, r.Err)
		}
	}
	// An unknown outcome is allowed only where a write was in doubt; none
	// was offboarded (checked above).
	var entries int
	_, all, err := j.Load(t.Context())
	require.NoError(t, err)
	entries = len(all)
	t.Logf("journal entries: %d", entries)
}

func firstN(rs []RunResult, n int) []string {
	var out []string
	for i, r := range rs {
		if i == n {
			break
		}
		out = append(out, r.ID+": "+r.Outcome.String()+": "+errString(r.Err))
	}
	return out
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// A journal failure stops the run at once: nothing more is sent.
func TestRunStopsWhenTheJournalFails(t *testing.T) {
	srv, c := lifecycleRig(t, 100, 4)
	_, ids := snapshot(srv)
	j := &failingJournal{MemoryJournal: NewMemoryJournal(), failAfter: 1}
	res, err := c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Offboard(t.Context(), ids)
	require.Error(t, err)
	require.ErrorIs(t, err, errDiskFull)
	for _, tr := range srv.AllTransitions() {
		require.Contains(t, []fake.Cause{fake.CauseTimer, fake.CauseRemoved, fake.CauseProtected}, tr.Cause,
			"the first write's intent could not be recorded: nothing sent")
	}
	require.Len(t, res.Units, len(ids))
}

var errDiskFull = errors.New("disk full")

type failingJournal struct {
	*MemoryJournal
	mu        sync.Mutex
	failAfter int
	records   int
}

func (f *failingJournal) Record(ctx context.Context, e ...JournalEntry) error {
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
// Done — not Already — without sending it again.
func TestResumeSettlesAnUnknownWriteAsDone(t *testing.T) {
	srv, c := lifecycleRig(t, 0, 3)
	var ids []string
	for i := range 5 {
		id := "removed-" + itoa(i)
		require.NoError(t, srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: id, SiteID: "s" + id, Status: models.StatusUnprotected}))
		ids = append(ids, id)
	}
	j := NewMemoryJournal()
	opts := &RunOptions{Journal: j, Wait: fastWait, Bulk: BulkOptions{MaxAttempts: 2}}
	opts.OnProgress = func(p RunProgress) {
		if p.Stage == StageOffboard && p.StageDone == 0 {
			// Every $batch from now on is applied and its answer lost.
			srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultResetAfter, Count: 100})
		}
	}
	res, err := c.Offboarding(opts).Offboard(t.Context(), ids)
	require.NoError(t, err)
	for _, r := range res.Units {
		require.Equal(t, OutcomeUnknown, r.Outcome, "%s: %v", r.ID, r.Err)
		require.ErrorIs(t, r.Err, ErrOutcomeUnknown)
	}
	st, err := c.Offboarding(&RunOptions{Journal: j}).Status(t.Context())
	require.NoError(t, err)
	for _, r := range st.Units {
		require.Equal(t, OutcomeUnknown, r.Outcome, r.ID)
	}
	srv.ClearFaults()
	res, err = c.Offboarding(&RunOptions{Journal: j, Wait: fastWait}).Resume(t.Context())
	require.NoError(t, err)
	cs := causes(srv)
	for _, r := range res.Units {
		require.Equal(t, OutcomeDone, r.Outcome, "%s: %s %v", r.ID, r.Reason, r.Err)
		require.Equal(t, 1, cs[r.ID][fake.CauseOffboard], "offboarded once")
	}
}
