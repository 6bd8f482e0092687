package backuprestore

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// Tests of ProtectionUnitItemRequestBuilder.Wait (wait.go). Each runs in a
// synctest bubble against an emulator whose clock runs in real time: the
// bubble's clock drives both the emulator's transitions (removal after
// RemovalDelay, offboarded after GracePeriod, …) and the polls' timers, so
// months of waiting take no real time, and durations are exact.

func TestWaitConditions(t *testing.T) {
	t.Parallel()
	units := map[string]*models.ProtectionUnit{
		"protected":                      {PolicyID: "p", Status: models.StatusProtected},
		"removeRequested":                {PolicyID: "p", Status: models.StatusRemoveRequested},
		"removed":                        {Status: models.StatusUnprotected},
		"unprotected, still in a policy": {PolicyID: "p", Status: models.StatusUnprotected},
		"offboardRequested":              {Status: models.StatusOffboardRequested},
		"offboarded":                     {Status: models.StatusOffboarded},
		"cancelOffboardRequested":        {Status: models.StatusCancelOffboardRequested},
	}
	cases := []struct {
		cond  WaitCondition
		name  string
		holds []string // the units of the map above it holds for
	}{
		{UntilRemoved, "removed from its policy", []string{"removed"}},
		{UntilOffboarded, "offboarded", []string{"offboarded"}},
		{UntilCancelCompleted, "cancellation completed", []string{"removed", "unprotected, still in a policy"}},
		{WaitCondition{}, "", nil},
	}
	for _, tc := range cases {
		require.Equal(t, tc.name, tc.cond.String())
		for name, u := range units {
			require.Equal(t, contains(tc.holds, name), tc.cond.Holds(u), "%q holds for %s", tc.cond, name)
		}
		require.False(t, tc.cond.Holds(nil), "%q holds for no unit", tc.cond)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Wait polls until its condition holds, failing only as documented: with
// ErrWaitTimedOut (and the last unit read) after Timeout, the context's
// error when ctx ends (while waiting or during a read), the service's 4xx
// at once, or the last error after 5 polls in a row failed.
func TestWait(t *testing.T) {
	t.Parallel()
	const id = "u"
	site := func(policyID string, status models.ProtectionUnitStatus) *fake.Unit {
		return &fake.Unit{Kind: models.KindSite, ID: id, SiteID: "contoso.sharepoint.com,1,1", PolicyID: policyID, Status: status}
	}
	minute := WaitOptions{PollInterval: time.Minute, MaxPollInterval: 10 * time.Minute}
	fail500 := &step{status: 500, body: `{"error":{"code":"generalException","message":"try later"}}`}
	cases := []struct {
		name  string
		unit  *fake.Unit // nil: no such unit
		cond  WaitCondition
		opts  WaitOptions
		fault *fault        // on the rig's transport (every request is a read)
		ctx   time.Duration // when set, the wait's context ends after it
		// The outcome: the returned unit's status ("" for none), the
		// errors it is (none: success) and a text in it, how long the wait
		// took, and how many reads were sent (0: not checked).
		status models.ProtectionUnitStatus
		errs   []error
		text   string
		took   func(t *testing.T, d time.Duration)
		reads  int
	}{
		{
			name: "removed after the removal delay", unit: site("p1", models.StatusRemoveRequested), cond: UntilRemoved, opts: minute,
			status: models.StatusUnprotected, took: between(fake.DefaultRemovalDelay, fake.DefaultRemovalDelay+12*time.Minute),
		},
		{
			name: "offboarded after the grace period", unit: site("", models.StatusOffboardRequested), cond: UntilOffboarded,
			opts:   WaitOptions{PollInterval: time.Hour, MaxPollInterval: 24 * time.Hour},
			status: models.StatusOffboarded, took: between(fake.DefaultGracePeriod, fake.DefaultGracePeriod+29*time.Hour),
		},
		{
			name: "cancellation completed after the cancel delay", unit: site("", models.StatusCancelOffboardRequested), cond: UntilCancelCompleted, opts: minute,
			status: models.StatusUnprotected, took: between(fake.DefaultCancelDelay, fake.DefaultCancelDelay+12*time.Minute),
		},
		{
			name: "already so: one read, no wait", unit: site("", models.StatusUnprotected), cond: UntilCancelCompleted, opts: minute,
			status: models.StatusUnprotected, took: exactly(0), reads: 1,
		},
		{
			// The polls' spacing (checked below) is the defaults'.
			name: "default options", unit: site("p1", models.StatusRemoveRequested), cond: UntilRemoved,
			status: models.StatusUnprotected, took: between(fake.DefaultRemovalDelay, fake.DefaultRemovalDelay+6*time.Minute),
		},
		{
			name: "timeout: ErrWaitTimedOut with the last unit read", unit: site("p1", models.StatusProtected), cond: UntilRemoved,
			opts:   WaitOptions{PollInterval: time.Minute, MaxPollInterval: 10 * time.Minute, Timeout: 5 * time.Minute},
			status: models.StatusProtected, errs: []error{ErrWaitTimedOut}, text: `unit "u"`, took: exactly(5 * time.Minute),
		},
		{
			name: "ctx ends between polls: its error with the last unit read", unit: site("p1", models.StatusProtected), cond: UntilRemoved, opts: minute,
			ctx: 3 * time.Minute, status: models.StatusProtected, errs: []error{context.DeadlineExceeded}, took: exactly(3 * time.Minute),
		},
		{
			name: "ctx ends during a read: its error with the last unit read", unit: site("p1", models.StatusProtected), cond: UntilRemoved, opts: minute,
			fault: &fault{match: nth(2), count: 1, delay: time.Hour}, // the second read hangs
			ctx:   3 * time.Minute, status: models.StatusProtected, errs: []error{context.DeadlineExceeded}, took: exactly(3 * time.Minute), reads: 2,
		},
		{
			name: "an unknown unit: the service's 404 at once", cond: UntilRemoved, opts: minute,
			errs: []error{ErrNotFound}, took: exactly(0), reads: 1,
		},
		{
			name: "5 failed polls in a row: the last error", unit: site("p1", models.StatusRemoveRequested), cond: UntilRemoved, opts: minute,
			fault: &fault{answer: fail500},
			errs:  []error{ErrServer}, text: "5 polls in a row failed", reads: maxFailedPolls,
		},
		{
			// Reads 1–4 and 6–9 fail: never 5 in a row, so the wait goes
			// on until the unit is removed.
			name: "failed polls not in a row: the wait goes on", unit: site("p1", models.StatusRemoveRequested), cond: UntilRemoved,
			opts:   WaitOptions{PollInterval: time.Minute, MaxPollInterval: time.Minute},
			fault:  &fault{match: readsExcept(5, 10), answer: fail500},
			status: models.StatusUnprotected, took: between(fake.DefaultRemovalDelay, fake.DefaultRemovalDelay+2*time.Minute),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				// No stall watchdog: a read that hangs (see above) hangs
				// until the context ends.
				rig := newRig(t, rigOptions{fake: &fake.Options{RealTimeClock: true}, client: &Options{Retry: RetryOptions{StallTimeout: NoStallTimeout}}})
				if tc.unit != nil {
					require.NoError(t, rig.srv.AddUnit(*tc.unit))
				}
				if tc.fault != nil {
					rig.tr.add(*tc.fault)
				}
				ctx := t.Context()
				if tc.ctx > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.ctx)
					defer cancel()
				}
				// OnPoll sees every unit read, when it was read.
				var polled []*models.ProtectionUnit
				var at []time.Duration
				start := time.Now()
				opts := tc.opts
				opts.OnPoll = func(u *models.ProtectionUnit) {
					polled = append(polled, u)
					at = append(at, time.Since(start))
				}

				u, err := rig.c.ProtectionUnits().ByID(id).Wait(ctx, tc.cond, &opts)
				took := time.Since(start)

				if len(tc.errs) == 0 {
					require.NoError(t, err)
					require.True(t, tc.cond.Holds(u), "%q holds for the unit returned", tc.cond)
				}
				for _, want := range tc.errs {
					require.ErrorIs(t, err, want)
				}
				if tc.text != "" {
					require.ErrorContains(t, err, tc.text)
				}
				if tc.status == "" {
					require.Nil(t, u)
				} else {
					require.NotNil(t, u)
					require.Equal(t, tc.status, u.Status)
					require.Same(t, polled[len(polled)-1], u, "the unit returned is the last one read")
				}
				if tc.took != nil {
					tc.took(t, took)
				}
				if tc.reads > 0 {
					require.Equal(t, tc.reads, rig.tr.count(), "reads sent")
				}
				// Without failed reads (each read here takes no time), the
				// polls are PollInterval apart (±20%), the gap growing by
				// half each time up to MaxPollInterval.
				if tc.fault == nil {
					o, err := tc.opts.resolve()
					require.NoError(t, err)
					d := o.PollInterval
					for i := 1; i < len(at); i++ {
						gap := at[i] - at[i-1]
						require.GreaterOrEqual(t, gap, d*8/10, "poll %d", i)
						require.LessOrEqual(t, gap, d*12/10, "poll %d", i)
						d = min(d+d/2, o.MaxPollInterval)
					}
				}
			})
		})
	}
}

// exactly checks a duration.
func exactly(want time.Duration) func(t *testing.T, d time.Duration) {
	return func(t *testing.T, d time.Duration) { require.Equal(t, want, d) }
}

// between checks lo <= d < hi.
func between(lo, hi time.Duration) func(t *testing.T, d time.Duration) {
	return func(t *testing.T, d time.Duration) {
		require.GreaterOrEqual(t, d, lo)
		require.Less(t, d, hi)
	}
}

// readsExcept matches every request up to the end-th (from 1) but the
// ok-th: those go through.
func readsExcept(ok, end int) func(*http.Request) bool {
	n := 0
	return func(*http.Request) bool { n++; return n != ok && n < end }
}

// Every invalid input fails before anything is sent: a negative duration,
// MaxPollInterval below PollInterval, a zero WaitCondition, a malformed
// unit ID. A PollInterval above the default maximum is not one.
func TestWaitRefusesInvalidInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		cond WaitCondition
		opts *WaitOptions
		want error // nil: valid
	}{
		{"negative PollInterval", "u", UntilRemoved, &WaitOptions{PollInterval: -time.Second}, ErrInvalidOptions},
		{"negative MaxPollInterval", "u", UntilRemoved, &WaitOptions{MaxPollInterval: -time.Second}, ErrInvalidOptions},
		{"negative Timeout", "u", UntilRemoved, &WaitOptions{Timeout: -time.Second}, ErrInvalidOptions},
		{"MaxPollInterval below PollInterval", "u", UntilRemoved, &WaitOptions{PollInterval: time.Minute, MaxPollInterval: time.Second}, ErrInvalidOptions},
		{"a zero WaitCondition", "u", WaitCondition{}, nil, ErrInvalidOptions},
		{"a malformed ID", "..", UntilRemoved, nil, ErrInvalidProtectionUnitID},
		{"an empty ID", "", UntilRemoved, nil, ErrInvalidProtectionUnitID},
		{"a PollInterval above the default maximum", "u", UntilCancelCompleted, &WaitOptions{PollInterval: 2 * DefaultMaxPollInterval}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := newRig(t, rigOptions{})
			require.NoError(t, rig.srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "u", SiteID: "contoso.sharepoint.com,1,1", Status: models.StatusUnprotected}))
			u, err := rig.c.ProtectionUnits().ByID(tc.id).Wait(t.Context(), tc.cond, tc.opts)
			if tc.want == nil {
				require.NoError(t, err)
				require.Equal(t, models.StatusUnprotected, u.Status)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, u)
			require.Zero(t, rig.tr.count(), "nothing sent")
		})
	}
}
