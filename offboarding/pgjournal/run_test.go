package pgjournal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/pgjournal"
)

// Runs on the emulator with the journal in PostgreSQL: workers that stop,
// die or are fenced, and others that finish their runs.

// emulator returns an emulator of units units whose clock runs in real
// time with short removal delays, so a run's waits end in milliseconds.
func emulator(units int, seed uint64) *fake.Server {
	srv := fake.NewServer(&fake.Options{Seed: seed, RealTimeClock: true,
		RemovalDelay: 300 * time.Millisecond, CancelDelay: 150 * time.Millisecond, ProtectDelay: 24 * time.Hour})
	srv.Seed(units)
	return srv
}

// client returns a client of the emulator at baseURL through tr.
func client(t testing.TB, baseURL string, tr http.RoundTripper) *backuprestore.Client {
	t.Helper()
	c, err := newClient(baseURL, tr)
	require.NoError(t, err)
	return c
}

func newClient(baseURL string, tr http.RoundTripper) (*backuprestore.Client, error) {
	return backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: baseURL,
		HTTPClient: &http.Client{Transport: tr},
		Retry:      backuprestore.RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
}

// runOptions are a test run's: the journal, and polls every 40 ms.
func runOptions(j offboarding.Journal) *offboarding.Options {
	return &offboarding.Options{Journal: j, PollInterval: 40 * time.Millisecond, MaxPollInterval: 200 * time.Millisecond, WaitTimeout: 30 * time.Second}
}

// unitIDs returns every unit of the emulator by ID, and their IDs.
func unitIDs(srv *fake.Server) (map[string]fake.Unit, []string) {
	before := map[string]fake.Unit{}
	var ids []string
	for _, u := range srv.Units() {
		before[u.ID] = u
		ids = append(ids, u.ID)
	}
	return before, ids
}

// writes counts the changes a run's writes made (removals from a policy,
// offboards), per unit and cause.
func writes(srv *fake.Server) (map[string]map[fake.Cause]int, int) {
	out, n := map[string]map[fake.Cause]int{}, 0
	for _, tr := range srv.AllTransitions() {
		if tr.Cause != fake.CauseRemove && tr.Cause != fake.CauseOffboard && tr.Cause != fake.CauseCancelOffboard {
			continue
		}
		if out[tr.UnitID] == nil {
			out[tr.UnitID] = map[fake.Cause]int{}
		}
		out[tr.UnitID][tr.Cause]++
		n++
	}
	return out, n
}

// checkFinished holds a finished run's results against the emulator's
// transition log: one result per unit, every one final and none failed;
// no unit removed twice or offboarded twice; every Done unit offboarded
// exactly once, every other one not by this run; dynamic-rule units
// untouched.
func checkFinished(t *testing.T, srv *fake.Server, before map[string]fake.Unit, res *offboarding.Results) map[offboarding.Outcome]int {
	t.Helper()
	require.Len(t, res.Units, len(before))
	cs, _ := writes(srv)
	for _, r := range res.Units {
		c := cs[r.ID]
		require.LessOrEqual(t, c[fake.CauseRemove], 1, "%s removed twice", r.ID)
		require.LessOrEqual(t, c[fake.CauseOffboard], 1, "%s offboarded twice", r.ID)
		require.Zero(t, c[fake.CauseCancelOffboard], r.ID)
		switch r.Outcome {
		case offboarding.OutcomeDone:
			require.Equal(t, 1, c[fake.CauseOffboard], "%s: Done without an offboard", r.ID)
		case offboarding.OutcomeAlready, offboarding.OutcomeSkipped:
			require.Zero(t, c[fake.CauseOffboard]+c[fake.CauseRemove], "%s: %s but touched", r.ID, r.Explain())
		case offboarding.OutcomeUnknown:
			require.ErrorIs(t, r.Err, backuprestore.ErrOutcomeUnknown, r.ID)
		default:
			require.Failf(t, "not finished", "%s: %s: %s %v", r.ID, r.Outcome, r.Explain(), r.Err)
		}
		b := before[r.ID]
		if strings.Contains(b.ProtectionSources, "dynamicRule") && b.PolicyID != "" && b.Status != models.StatusRemoveRequested {
			require.Zero(t, c[fake.CauseRemove], "%s is protected by a dynamic rule", r.ID)
		}
	}
	return res.Count()
}

// A worker's run stops (its context cancelled mid-run) and the worker is
// presumed dead: its lease runs out. Another worker takes the run over;
// the first one comes back and tries to resume it: its first write to the
// journal is refused (ErrLeaseLost) and nothing is sent. The heir
// finishes the run: every unit removed at most once and offboarded once,
// by the transition log; Status from any replica agrees.
func TestRunTakenOverFromAStoppedWorker(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	srv := emulator(300, 11)
	before, ids := unitIDs(srv)
	c := client(t, fake.DefaultBaseURL, srv.Transport())

	first := r.open("tenant", r.opts("first"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := runOptions(first)
	o.OnProgress = func(p offboarding.Progress) {
		if p.Stage == offboarding.StageWaitRemoved || (p.Stage == offboarding.StageOffboard && p.StageDone > 0) {
			cancel()
		}
	}
	stale := offboarding.New(c, o)
	res, err := stale.Offboard(ctx, ids)
	require.ErrorIs(t, err, context.Canceled)
	require.Positive(t, res.Count()[offboarding.OutcomePending], "stopped mid-run")
	_, sentByFirst := writes(srv)
	require.Positive(t, sentByFirst, "the first worker wrote before it stopped")

	// The first worker is presumed dead: no more renewals, its lease runs out.
	pgjournal.SuspendRenewal(first, true)
	r.expire("tenant")
	heir := r.open("tenant", r.opts("heir"))
	_, err = heir.Acquire(t.Context())
	require.NoError(t, err)

	// The first worker comes back: fenced, nothing sent.
	_, n0 := writes(srv)
	_, err = offboarding.New(c, runOptions(first)).Resume(t.Context())
	require.ErrorIs(t, err, pgjournal.ErrLeaseLost)
	_, n1 := writes(srv)
	require.Equal(t, n0, n1, "the fenced worker sent nothing")

	res, err = offboarding.New(c, runOptions(heir)).Resume(t.Context())
	require.NoError(t, err)
	n := checkFinished(t, srv, before, res)
	t.Logf("outcomes: %v (%d writes by the first worker)", n, sentByFirst)
	require.Positive(t, n[offboarding.OutcomeDone])

	// Any replica's Status, from the journal alone, says the same.
	other := r.open("tenant", r.opts("other"))
	st, err := offboarding.New(c, runOptions(other)).Status(t.Context())
	require.NoError(t, err)
	for i, u := range st.Units {
		require.Equal(t, res.Units[i].Outcome, u.Outcome, u.ID)
	}
	runs, err := other.Runs(t.Context())
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.False(t, runs[0].Finished.IsZero(), "finished by the heir")
	// A Resume of the finished run elsewhere sends nothing.
	_, n2 := writes(srv)
	_, err = offboarding.New(c, runOptions(other)).Resume(t.Context())
	require.NoError(t, err)
	_, n3 := writes(srv)
	require.Equal(t, n2, n3)
}
