package offboarding_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// rig is an emulator whose clock runs in real time with short removal and
// cancel delays, so a run's waits end in milliseconds, and a client on it
// (through tr, when set, else the emulator's in-process transport).
type rig struct {
	srv *fake.Server
	c   *backuprestore.Client
}

type rigOptions struct {
	units       int
	seed        uint64
	cancelDelay time.Duration
	transport   func(next http.RoundTripper) http.RoundTripper
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	srv := fake.NewServer(&fake.Options{Seed: o.seed, RealTimeClock: true,
		RemovalDelay: 150 * time.Millisecond, CancelDelay: cmpDur(o.cancelDelay, 150*time.Millisecond), ProtectDelay: 24 * time.Hour})
	srv.Seed(o.units)
	return &rig{srv: srv, c: clientOn(t, srv, o.transport)}
}

// clientOn returns a client of srv through wrap(srv.Transport()) (or the
// transport itself when wrap is nil), with short retry delays.
func clientOn(t testing.TB, srv *fake.Server, wrap func(http.RoundTripper) http.RoundTripper) *backuprestore.Client {
	t.Helper()
	var tr http.RoundTripper = srv.Transport()
	if wrap != nil {
		tr = wrap(tr)
	}
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: fake.DefaultBaseURL,
		HTTPClient: &http.Client{Transport: tr},
		Retry:      backuprestore.RetryOptions{BaseDelay: 5 * time.Millisecond, MaxRetryDelay: 2 * time.Second}})
	require.NoError(t, err)
	return c
}

func cmpDur(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// fast are the waits of a test run: polls every 40 ms, up to 200 ms apart.
func fast(o offboarding.Options) *offboarding.Options {
	o.PollInterval, o.MaxPollInterval, o.WaitTimeout = 40*time.Millisecond, 200*time.Millisecond, 30*time.Second
	return &o
}

// snapshot returns every unit of the emulator by ID, and their IDs.
func snapshot(srv *fake.Server) (map[string]fake.Unit, []string) {
	before := map[string]fake.Unit{}
	var ids []string
	for _, u := range srv.Units() {
		before[u.ID] = u
		ids = append(ids, u.ID)
	}
	return before, ids
}

// unitsWhere returns up to n IDs of units that pass keep.
func unitsWhere(srv *fake.Server, n int, keep func(fake.Unit) bool) []string {
	var ids []string
	for _, u := range srv.Units() {
		if keep(u) && len(ids) < n {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

func unprotected(u fake.Unit) bool { return u.Status == models.StatusUnprotected && u.PolicyID == "" }

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

func countRoute(srv *fake.Server, route fake.Route) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Route == route {
			n++
		}
	}
	return n
}

// onlyServiceTimers asserts that nothing but the service's own timers
// changed a unit: the run wrote nothing.
func onlyServiceTimers(t *testing.T, srv *fake.Server, why string) {
	t.Helper()
	for _, tr := range srv.AllTransitions() {
		require.Contains(t, []fake.Cause{fake.CauseTimer, fake.CauseRemoved, fake.CauseProtected}, tr.Cause, why)
	}
}

// checkOffboardRun holds a run's results against the emulator: one result
// per unit; no unit removed twice or offboarded twice; every Done unit
// offboarded by this run, every Already unit was offboarding before it,
// dynamic-rule units skipped and untouched.
func checkOffboardRun(t *testing.T, srv *fake.Server, before map[string]fake.Unit, res *offboarding.Results) map[offboarding.Outcome]int {
	t.Helper()
	require.Len(t, res.Units, len(before))
	cs := causes(srv)
	for _, r := range res.Units {
		b := before[r.ID]
		c := cs[r.ID]
		require.LessOrEqual(t, c[fake.CauseRemove], 1, "%s removed twice", r.ID)
		require.LessOrEqual(t, c[fake.CauseOffboard], 1, "%s offboarded twice", r.ID)
		switch r.Outcome {
		case offboarding.OutcomeDone:
			require.Equal(t, 1, c[fake.CauseOffboard], "%s: Done without an offboard", r.ID)
			require.Equal(t, models.StatusOffboardRequested, r.Unit.Status)
		case offboarding.OutcomeAlready:
			require.Contains(t, []models.ProtectionUnitStatus{models.StatusOffboardRequested, models.StatusOffboarded}, b.Status, r.ID)
			require.Zero(t, c[fake.CauseOffboard]+c[fake.CauseRemove], r.ID)
		case offboarding.OutcomeSkipped:
			require.Zero(t, c[fake.CauseOffboard]+c[fake.CauseRemove], "%s skipped but touched (%s)", r.ID, r.Explain())
		case offboarding.OutcomeFailed, offboarding.OutcomeUnknown, offboarding.OutcomePending:
			require.Zero(t, c[fake.CauseOffboard], "%s offboarded but reported %s: %v", r.ID, r.Outcome, r.Err)
		}
		if strings.Contains(b.ProtectionSources, "dynamicRule") && b.PolicyID != "" && b.Status != models.StatusRemoveRequested {
			require.Equal(t, offboarding.OutcomeSkipped, r.Outcome, "%s is protected by a dynamic rule", r.ID)
			require.Zero(t, c[fake.CauseRemove])
		}
		if r.Unit != nil && r.Unit.Status == models.StatusCancelOffboardRequested {
			require.Equal(t, offboarding.OutcomeSkipped, r.Outcome, r.ID)
		}
	}
	return res.Count()
}

func firstN(rs []offboarding.Result, n int) []string {
	var out []string
	for i, r := range rs {
		if i == n {
			break
		}
		msg := "<nil>"
		if r.Err != nil {
			msg = r.Err.Error()
		}
		out = append(out, r.ID+": "+r.Outcome.String()+": "+msg)
	}
	return out
}
