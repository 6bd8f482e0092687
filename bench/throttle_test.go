package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/emuproc"
	"github.com/m365kit/backuprestore/bench/internal/throttledata"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/schedule"
	"github.com/m365kit/backuprestore/models"
)

var (
	throttleOut = flag.String("throttle.out", "",
		"directory where BenchmarkThrottledBulk writes one JSON record per case (report.sh's table and plots)")
	throttleLoopUnits = flag.Int("throttle.loopunits", 500,
		"how many of the 10,000 units the single-loop contender of BenchmarkThrottledBulk cancels (1 to 10000)")
)

const (
	// throttleUnits is the number of units each bulk contender cancels.
	throttleUnits = 10_000
	// throttleLatency is the emulator's latency per HTTP request.
	throttleLatency = 20 * time.Millisecond
	// fixedInFlight is the old scheduler's $batch requests in flight.
	fixedInFlight = 4
)

// throttleRounds counts the runs of each case, for Run.Round.
var throttleRounds = map[string]int{}

// throttleLimits are the app+tenant limits of BenchmarkThrottledBulk in
// items per second, each with a burst of one second's worth; 0 is no
// throttling.
var throttleLimits = []float64{50, 200, 1000, 0}

// throttleContender is one way of cancelling the units.
type throttleContender struct {
	name string
	// units is how many of the emulator's units it cancels.
	units func() int
	// newClient builds its client.
	newClient func(tb testing.TB, base string) *backuprestore.Client
	// run cancels ids and fills in the run's outcome (Wall, counts).
	run func(ctx context.Context, c *backuprestore.Client, ids []string, r *throttledata.Run)
}

var throttleContenders = []throttleContender{
	{
		name:      "adaptive",
		units:     func() int { return throttleUnits },
		newClient: newThrottleClient,
		run: func(ctx context.Context, c *backuprestore.Client, ids []string, r *throttledata.Run) {
			runBulk(ctx, c, ids, nil, r)
		},
	},
	{
		name:  "fixed",
		units: func() int { return throttleUnits },
		newClient: func(tb testing.TB, base string) *backuprestore.Client {
			schedule.NewPacer = func() schedule.Pacer { return schedule.Fixed{InFlight: fixedInFlight} }
			defer func() { schedule.NewPacer = nil }()
			return newThrottleClient(tb, base)
		},
		run: func(ctx context.Context, c *backuprestore.Client, ids []string, r *throttledata.Run) {
			runBulk(ctx, c, ids, &backuprestore.BulkOptions{MaxConcurrency: fixedInFlight}, r)
		},
	},
	{
		name:      throttledata.SingleLoop,
		units:     func() int { return *throttleLoopUnits },
		newClient: newThrottleClient,
		run:       runSingleLoop,
	},
}

// newThrottleClient returns a client of base over the shared loopback
// transport.
func newThrottleClient(tb testing.TB, base string) *backuprestore.Client {
	tb.Helper()
	c, err := backuprestore.NewClient(benchserver.StaticCred{}, &backuprestore.Options{
		BaseURL: base, HTTPClient: &http.Client{Transport: benchserver.LoopbackTransport()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// runBulk cancels ids with one CancelOffboardAll.
func runBulk(ctx context.Context, c *backuprestore.Client, ids []string, opts *backuprestore.BulkOptions, r *throttledata.Run) {
	r.Start = time.Now()
	res := c.ProtectionUnits().CancelOffboardAll(ctx, ids, opts)
	r.Wall = time.Since(r.Start)
	for _, x := range res {
		r.Attempts += x.Attempts
		throttleOutcome(r, x.Err, x.Unit)
	}
}

// runSingleLoop cancels ids one CancelOffboard().Post after another.
func runSingleLoop(ctx context.Context, c *backuprestore.Client, ids []string, r *throttledata.Run) {
	r.Start = time.Now()
	for _, id := range ids {
		u, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(ctx, nil)
		throttleOutcome(r, err, u)
	}
	r.Wall = time.Since(r.Start)
}

// throttleStatsInterval is the emulator's sample width for a limit: about
// 200 items at the limit per sample (10 batches), between 250 ms and 4 s.
func throttleStatsInterval(limit float64) time.Duration {
	if limit <= 0 {
		return time.Second
	}
	d := time.Duration(200 / limit * float64(time.Second))
	return min(max(d, 250*time.Millisecond), 4*time.Second)
}

// BenchmarkThrottledBulk cancels offboardings in an emulator that
// throttles like Graph (an app+tenant token bucket, one token per $batch
// item, 429 with Retry-After) at 50, 200 and 1,000 items/s (burst: one
// second's worth) and not at all, with 20 ms of latency on every HTTP
// request, and compares three contenders in the same run: the SDK's
// adaptive scheduler (CancelOffboardAll with its defaults), the fixed
// scheduler it replaced (4 $batch requests of 20 in flight, nothing learnt
// from 429s: schedule.Fixed) and a loop of single CancelOffboard().Post
// calls. The bulk contenders cancel 10,000 units, the loop
// -throttle.loopunits of them (it is latency-bound: 10,000 calls would take
// over 200 s at every limit).
//
// The emulator runs in a child process over loopback HTTP (emuproc), a
// fresh one per case, so every case starts with a full bucket and the
// emulator's work does not share the client's heap and GC.
//
// Metrics: items/s (units succeeded per second of wall time), limit-% (of
// the limit), throttled-% (throttled / (admitted + throttled) item
// attempts, the emulator's counts), failed and failed-429 (units whose
// Err is set, and those matching ErrThrottled), wall-s. Run it with
// -benchtime 1x: each op takes 3 to 220 s. With -throttle.out, each case
// writes its record (with the emulator's per-interval series) there.
func BenchmarkThrottledBulk(b *testing.B) {
	if n := *throttleLoopUnits; n < 1 || n > throttleUnits {
		b.Fatalf("-throttle.loopunits %d: want 1 to %d", n, throttleUnits)
	}
	for _, limit := range throttleLimits {
		for _, tc := range throttleContenders {
			b.Run(throttledata.LimitName(limit)+"/"+tc.name, func(b *testing.B) {
				var runs []throttledata.Run
				for b.Loop() {
					b.StopTimer()
					r := runThrottleCase(b, limit, tc)
					runs = append(runs, r)
					b.StartTimer()
				}
				reportThrottleRuns(b, runs)
			})
		}
	}
}

// runThrottleCase runs one contender against a fresh emulator and returns
// its record, written to -throttle.out when set. The timer is stopped; the
// contender's own run is what the record's Wall measures.
func runThrottleCase(b *testing.B, limit float64, tc throttleContender) throttledata.Run {
	cfg := emuproc.Config{OffboardRequested: throttleUnits, Latency: throttleLatency}
	r := throttledata.Run{Limit: limit, Contender: tc.name, Latency: throttleLatency, Units: tc.units()}
	throttleRounds[b.Name()]++
	r.Round = throttleRounds[b.Name()]
	if limit > 0 {
		r.Burst = int(math.Ceil(limit))
		cfg.Throttle = &fake.ThrottleOptions{
			AppTenant:     fake.ThrottleLimit{Rate: limit, Burst: r.Burst},
			StatsInterval: throttleStatsInterval(limit),
		}
	}
	emu, err := emuproc.Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Stop()
	c := tc.newClient(b, emu.BaseURL)
	ids := make([]string, r.Units)
	for i := range ids {
		ids[i] = emuproc.UnitID(i)
	}
	b.StartTimer()
	tc.run(b.Context(), c, ids, &r)
	b.StopTimer()
	st, err := emu.ThrottleStats(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	r.Admitted, r.Throttled, r.Interval = st.Admitted, st.Throttled, st.Interval
	for _, s := range st.Series {
		r.Series = append(r.Series, throttledata.Sample{Start: s.Start, Admitted: s.Admitted, Throttled: s.Throttled})
	}
	if r.Succeeded+r.Failed != r.Units {
		b.Fatalf("%d succeeded and %d failed of %d units", r.Succeeded, r.Failed, r.Units)
	}
	if *throttleOut != "" {
		if err := os.MkdirAll(*throttleOut, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := throttledata.Write(*throttleOut, &r); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

// reportThrottleRuns reports the means of runs' metrics.
func reportThrottleRuns(b *testing.B, runs []throttledata.Run) {
	if len(runs) == 0 {
		return
	}
	var rate, frac, failed, failed429, wall float64
	for i := range runs {
		r := &runs[i]
		rate += r.Rate()
		frac += r.ThrottledFraction()
		failed += float64(r.Failed)
		failed429 += float64(r.FailedThrottled)
		wall += r.Wall.Seconds()
		for _, e := range r.FirstErrors {
			b.Logf("%s: a failure: %s", b.Name(), e)
		}
	}
	n := float64(len(runs))
	b.ReportMetric(rate/n, "items/s")
	if limit := runs[0].Limit; limit > 0 {
		b.ReportMetric(100*rate/n/limit, "limit-%")
	}
	b.ReportMetric(100*frac/n, "throttled-%")
	b.ReportMetric(failed/n, "failed")
	b.ReportMetric(failed429/n, "failed-429")
	b.ReportMetric(wall/n, "wall-s")
}

// checkCancelled reports whether u is what a successful cancel returns.
func checkCancelled(u *models.ProtectionUnit) error {
	if u == nil || u.Status != models.StatusCancelOffboardRequested {
		return fmt.Errorf("a successful cancel returned %+v", u)
	}
	return nil
}

// throttleOutcome adds one unit's outcome to r.
func throttleOutcome(r *throttledata.Run, err error, u *models.ProtectionUnit) {
	if err == nil {
		err = checkCancelled(u)
	}
	if err == nil {
		r.Succeeded++
		return
	}
	r.Failed++
	if errors.Is(err, backuprestore.ErrThrottled) {
		r.FailedThrottled++
	}
	if msg := err.Error(); len(r.FirstErrors) < 3 && !slices.Contains(r.FirstErrors, msg) {
		r.FirstErrors = append(r.FirstErrors, msg)
	}
}
