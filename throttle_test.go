package backuprestore

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// throttledRig is an in-process emulator with n units in offboardRequested
// and Graph-like throttling (app+tenant bucket of rate items/s, a burst of
// one second), inside a synctest bubble: the buckets and the client's
// limiter run on the bubble's clock, with 20 ms of latency per request.
func throttledRig(t *testing.T, n int, rate float64) (*fake.Server, *Client, []string) {
	t.Helper()
	rig := newRig(t, rigOptions{fake: &fake.Options{MaxRecordedRequests: -1,
		Throttle: &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: rate, Burst: int(rate)}}}})
	srv := rig.srv
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%05d", i)
		require.NoError(t, srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: ids[i], Status: models.StatusOffboardRequested, SiteID: "s" + ids[i]}))
	}
	srv.AddFault(fake.Fault{Kind: fake.FaultLatency, Latency: 20 * time.Millisecond})
	return srv, rig.c, ids
}

// admittedPerSecond returns the emulator's admitted and throttled item
// counts per second since start.
func admittedPerSecond(srv *fake.Server, start time.Time) (adm, thr []int64) {
	for _, s := range srv.ThrottleStats().Series {
		if s.Start.Before(start) {
			continue
		}
		adm = append(adm, s.Admitted)
		thr = append(thr, s.Throttled)
	}
	return adm, thr
}

// The limit drops from 1,000 to 200 items/s after 4 s and rises back to
// 1,000 after 14 s (of the bubble's clock). The adaptive scheduler follows
// both changes: within 3 s of the drop every second admits at most ~1.2×
// the new limit with under 10% of its attempts throttled; within 7 s of
// the rise it admits ≥ 80% of 1,000 a second. No item fails for throttling.
func TestSchedulerConvergesAfterTheLimitChanges(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := throttledRig(t, 16000, 1000)
		start := time.Now()
		var wg sync.WaitGroup
		wg.Go(func() {
			time.Sleep(4 * time.Second)
			require.NoError(t, srv.SetThrottle(&fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 200, Burst: 200}}))
			time.Sleep(10 * time.Second)
			require.NoError(t, srv.SetThrottle(&fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1000, Burst: 1000}}))
		})
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, nil)
		wg.Wait()
		for _, r := range res {
			require.NoError(t, r.Err, r.ID)
		}
		adm, thr := admittedPerSecond(srv, start)
		t.Logf("admitted per second: %v", adm)
		t.Logf("throttled per second: %v", thr)
		// Seconds 4–6 are the drop's convergence; 7–13 at 200/s.
		for s := 7; s < 14 && s < len(adm); s++ {
			require.LessOrEqual(t, adm[s], int64(240), "second %d after the drop", s)
			require.GreaterOrEqual(t, adm[s], int64(140), "second %d: well under the limit", s)
			require.LessOrEqual(t, float64(thr[s]), 0.10*float64(adm[s]+thr[s]), "second %d: throttled share", s)
		}
		// Seconds 14–20 are the rise's convergence; from 21 on at 1,000/s.
		converged := -1
		for s := 14; s < len(adm)-1; s++ {
			if adm[s] >= 800 {
				converged = s - 14
				break
			}
		}
		require.GreaterOrEqual(t, converged, 0, "never reached 80%% of 1,000/s after the rise")
		require.LessOrEqual(t, converged, 7, "seconds to 80%% of the new limit")
		t.Logf("after the rise: 80%% of the limit in %d s", converged)
	})
}

// Two bulk calls on one client share its limiter: together they stay
// within the service's budget (few throttled attempts), and each gets a
// fair share while both run.
func TestConcurrentBulkCallsShareTheLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := throttledRig(t, 4000, 200)
		half := len(ids) / 2
		var done [2]time.Time
		var got [2]BulkResults
		start := time.Now()
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				part := ids[i*half : (i+1)*half]
				got[i] = c.ProtectionUnits().CancelOffboardAll(t.Context(), part, nil)
				done[i] = time.Now()
			})
		}
		wg.Wait()
		for _, res := range got {
			for _, r := range res {
				require.NoError(t, r.Err, r.ID)
			}
		}
		st := srv.ThrottleStats()
		share := float64(st.Throttled) / float64(st.Admitted+st.Throttled)
		wall := time.Since(start)
		rate := float64(len(ids)) / wall.Seconds()
		t.Logf("two calls of %d: %.0f items/s together (limit 200), %.1f%% of attempts throttled, finished at %v and %v",
			half, rate, 100*share, done[0].Sub(start), done[1].Sub(start))
		require.LessOrEqual(t, share, 0.05)
		require.GreaterOrEqual(t, rate, 0.9*200)
		a, b := done[0].Sub(start).Seconds(), done[1].Sub(start).Seconds()
		require.InDelta(t, 1, a/b, 0.3, "each call got a fair share of the budget")
	})
}
