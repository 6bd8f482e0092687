package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/emuproc"
	"github.com/m365kit/backuprestore/bench/internal/lifecycledata"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

var lifecycleOut = flag.String("lifecycle.out", "",
	"directory where BenchmarkOffboardRun writes one JSON record per contender and round (report.sh's table)")

// The offboarding run of issue 14.11.
const (
	// lifecycleUnits units, protected in Seed's six policies (two per
	// workload: sites, drives, mailboxes, in turn).
	lifecycleUnits    = 5000
	lifecyclePolicies = 6
	// lifecycleLatency is the emulator's latency per HTTP request (a
	// $batch is delayed once).
	lifecycleLatency = 20 * time.Millisecond
	// lifecycleRemovalDelay is how long a removal takes, on the
	// emulator's real-time clock.
	lifecycleRemovalDelay = 2 * time.Second
	// perUnitInFlight is the per-unit contender's fixed concurrency: the
	// most HTTP requests it has in flight.
	perUnitInFlight = 16
	// maxRequestsPerUnit is the target for the SDK's run.
	maxRequestsPerUnit = 0.3
)

// lifecycleSetup is the size and pace of an offboarding job.
type lifecycleSetup struct {
	units        int
	removalDelay time.Duration
	// wait is both contenders' waiting.
	wait backuprestore.WaitOptions
}

// lifecycleFull is the benchmark's job: 5,000 units, 2 s removals, the
// first poll half the removal delay after a wait starts, growing by half
// (±20% jitter) up to 5 s.
var lifecycleFull = lifecycleSetup{units: lifecycleUnits, removalDelay: lifecycleRemovalDelay,
	wait: backuprestore.WaitOptions{PollInterval: lifecycleRemovalDelay / 2, MaxPollInterval: 5 * time.Second, Timeout: 5 * time.Minute}}

// timer is the part of *testing.B a case starts and stops.
type timer interface {
	StartTimer()
	StopTimer()
}

// noTimer is the timer of a test.
type noTimer struct{}

func (noTimer) StartTimer() {}
func (noTimer) StopTimer()  {}

// lifecycleRounds counts the runs of each contender, for Run.Round.
var lifecycleRounds = map[string]int{}

// BenchmarkOffboardRun offboards 5,000 units protected in six policies
// (two per workload) from an emulator in a child process (emuproc) with
// 20 ms of latency per HTTP request and removals that complete 2 s after
// they are requested (on a real-time clock), two ways in the same run, each
// against a fresh emulator:
//
//   - run: one offboarding.New(Client, …).Offboard of every unit: the gate, a
//     read of every unit ($batch), removals (a PATCH per 50 units of a
//     policy), waits (polling many units per $batch), offboards ($batch).
//   - per-unit: one call per unit and step: GET the unit, PATCH its policy
//     removing it alone, GET it until removed (Wait), POST offboard; every
//     unit at once, through a transport that lets 16 requests be in
//     flight (a unit waiting between polls holds no slot).
//
// Both wait with the same WaitOptions (first poll after 1 s, growing by
// half up to 5 s). Metrics: requests/unit (HTTP requests, polls included,
// a $batch counting one, from the emulator's request log, checked against
// a counting transport), items/unit ($batch items), wall-s, failed. Run
// it with -benchtime 1x: an op takes 10 s (run) to a minute (per-unit).
// With -lifecycle.out, each op writes its record there.
func BenchmarkOffboardRun(b *testing.B) {
	for _, contender := range []string{lifecycledata.SDKRun, lifecycledata.PerUnit} {
		b.Run(contender, func(b *testing.B) {
			var runs []lifecycledata.Run
			for b.Loop() {
				b.StopTimer()
				runs = append(runs, runLifecycleCase(b, b, lifecycleFull, contender))
				b.StartTimer()
			}
			reportLifecycleRuns(b, runs)
		})
	}
}

// runLifecycleCase runs one contender against a fresh emulator and returns
// its record, written to -lifecycle.out when set. The timer is stopped;
// Wall is what the record measures.
func runLifecycleCase(b testing.TB, tm timer, job lifecycleSetup, contender string) lifecycledata.Run {
	emu, err := emuproc.Start(emuproc.Config{PolicyUnits: job.units, Latency: lifecycleLatency,
		RemovalDelay: job.removalDelay, RealTimeClock: true, RecordRequests: true})
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Stop()
	lifecycleRounds[contender]++
	r := lifecycledata.Run{Contender: contender, Round: lifecycleRounds[contender], Units: job.units,
		Policies: lifecyclePolicies, Workloads: 3, Latency: lifecycleLatency, RemovalDelay: job.removalDelay,
		PollInterval: job.wait.PollInterval, MaxPollInterval: job.wait.MaxPollInterval}
	ct := &countingTransport{base: benchserver.LoopbackTransport()}
	if contender == lifecycledata.PerUnit {
		r.InFlight = perUnitInFlight
		ct.slots = make(chan struct{}, perUnitInFlight)
	}
	c, err := backuprestore.NewClient(benchserver.StaticCred{}, &backuprestore.Options{BaseURL: emu.BaseURL, HTTPClient: &http.Client{Transport: ct}})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, job.units)
	for i := range ids {
		ids[i] = emuproc.PolicyUnitID(i)
	}
	ctx := b.Context()
	tm.StartTimer()
	start := time.Now()
	if contender == lifecycledata.SDKRun {
		runSDKOffboarding(ctx, b, c, ids, job.wait, &r)
	} else {
		runPerUnitOffboarding(ctx, c, ids, job.wait, &r)
	}
	r.Wall = time.Since(start)
	tm.StopTimer()
	counts, err := emu.RequestCounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	r.Requests, r.Items, r.ClientRequests = counts.Requests, counts.Items, int(ct.n.Load())
	if r.ClientRequests != r.TotalRequests() {
		b.Fatalf("the client sent %d HTTP requests and the emulator logged %d", r.ClientRequests, r.TotalRequests())
	}
	if r.Offboarded+r.Failed != r.Units {
		b.Fatalf("%d offboarded and %d failed of %d units", r.Offboarded, r.Failed, r.Units)
	}
	if _, bench := tm.(*testing.B); bench && *lifecycleOut != "" {
		if err := os.MkdirAll(*lifecycleOut, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := lifecycledata.Write(*lifecycleOut, &r); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

// runSDKOffboarding offboards ids with one run, timing each stage visit.
func runSDKOffboarding(ctx context.Context, b testing.TB, c *backuprestore.Client, ids []string, wait backuprestore.WaitOptions, r *lifecycledata.Run) {
	var cur offboarding.Stage
	var at time.Time
	var rounds []time.Duration
	endStage := func(now time.Time) {
		if cur != 0 {
			r.Stages = append(r.Stages, lifecycledata.Stage{Name: cur.String(), Took: now.Sub(at), Rounds: rounds})
		}
		rounds = nil
	}
	res, err := offboarding.New(c, &offboarding.Options{PollInterval: wait.PollInterval, MaxPollInterval: wait.MaxPollInterval, WaitTimeout: wait.Timeout, OnProgress: func(p offboarding.Progress) {
		now := time.Now()
		switch {
		case p.Stage != cur:
			endStage(now)
			cur, at = p.Stage, now
		case p.Stage == offboarding.StageWaitRemoved:
			// A waiting stage reports once per poll round.
			rounds = append(rounds, now.Sub(at))
		}
	}}).Offboard(ctx, ids)
	endStage(time.Now())
	if err != nil {
		b.Fatalf("the run stopped: %v", err)
	}
	r.Outcomes = map[string]int{}
	for _, u := range res.Units {
		r.Outcomes[u.Outcome.String()]++
		if u.Outcome == offboarding.OutcomeDone {
			r.Offboarded++
			continue
		}
		lifecycleFailure(r, fmt.Errorf("%s %s at %s: %s: %v", u.ID, u.Outcome, u.Stage, u.Reason, u.Err))
	}
}

// runPerUnitOffboarding offboards every unit of ids at once, one call per
// unit and step; the transport caps the requests in flight.
func runPerUnitOffboarding(ctx context.Context, c *backuprestore.Client, ids []string, wait backuprestore.WaitOptions, r *lifecycledata.Run) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			err := offboardOneUnit(ctx, c, id, wait)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				r.Offboarded++
				return
			}
			lifecycleFailure(r, err)
		})
	}
	wg.Wait()
}

// offboardOneUnit takes one unit through the job with single calls: GET,
// PATCH removing it from its policy, Wait until removed, POST offboard.
func offboardOneUnit(ctx context.Context, c *backuprestore.Client, id string, wait backuprestore.WaitOptions) error {
	unit := c.ProtectionUnits().ByID(id)
	u, err := unit.Get(ctx, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", id, err)
	}
	policy, err := typedPolicy(c, u)
	if err != nil {
		return err
	}
	res, err := policy.RemoveUnits(ctx, []string{id}, nil)
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return fmt.Errorf("remove %s from %s: %w", id, u.PolicyID, err)
	}
	if _, err := unit.Wait(ctx, backuprestore.UntilRemoved, &wait); err != nil {
		return fmt.Errorf("wait for %s: %w", id, err)
	}
	after, err := unit.Offboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("offboard %s: %w", id, err)
	}
	if after.Status != models.StatusOffboardRequested {
		return fmt.Errorf("offboard %s answered status %s", id, after.Status)
	}
	return nil
}

// typedPolicy is the builder of u's policy in its workload's collection,
// so RemoveUnits needs no read of the policy to learn its workload.
func typedPolicy(c *backuprestore.Client, u *models.ProtectionUnit) (*backuprestore.ProtectionPolicyItemRequestBuilder, error) {
	all := c.ProtectionPolicies()
	switch models.PolicyKindOf(u.Kind()) {
	case models.PolicyKindSharePoint:
		return all.SharePoint().ByID(u.PolicyID), nil
	case models.PolicyKindOneDrive:
		return all.OneDrive().ByID(u.PolicyID), nil
	case models.PolicyKindExchange:
		return all.Exchange().ByID(u.PolicyID), nil
	}
	return nil, fmt.Errorf("unit %s: its kind cannot be told", u.ID)
}

// lifecycleFailure counts a failed unit and keeps its message when it is
// one of the first three distinct ones.
func lifecycleFailure(r *lifecycledata.Run, err error) {
	r.Failed++
	if msg := err.Error(); len(r.FirstErrors) < 3 && !slices.Contains(r.FirstErrors, msg) {
		r.FirstErrors = append(r.FirstErrors, msg)
	}
}

// reportLifecycleRuns reports the means of runs' metrics.
func reportLifecycleRuns(b *testing.B, runs []lifecycledata.Run) {
	if len(runs) == 0 {
		return
	}
	var perUnit, items, wall, failed float64
	for i := range runs {
		r := &runs[i]
		perUnit += r.RequestsPerUnit()
		items += float64(r.TotalItems()) / float64(r.Units)
		wall += r.Wall.Seconds()
		failed += float64(r.Failed)
		for _, e := range r.FirstErrors {
			b.Logf("%s: a failure: %s", b.Name(), e)
		}
		b.Logf("%s: %d requests %v, $batch items %v, stages %v", b.Name(), r.TotalRequests(), r.Requests, r.Items, r.Stages)
	}
	n := float64(len(runs))
	b.ReportMetric(perUnit/n, "requests/unit")
	b.ReportMetric(items/n, "items/unit")
	b.ReportMetric(wall/n, "wall-s")
	b.ReportMetric(failed/n, "failed")
}

// countingTransport counts the HTTP requests sent through it and, with
// slots, lets at most cap(slots) be in flight: a slot is taken before the
// request is sent and given back when its body is closed (or the request
// failed).
type countingTransport struct {
	base  http.RoundTripper
	n     atomic.Int64
	slots chan struct{}
}

// RoundTrip implements http.RoundTripper.
func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.slots == nil {
		t.n.Add(1)
		return t.base.RoundTrip(req)
	}
	select {
	case t.slots <- struct{}{}:
	case <-req.Context().Done():
		if req.Body != nil {
			_ = req.Body.Close() // RoundTrip must close it, even on error
		}
		return nil, context.Cause(req.Context())
	}
	t.n.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		<-t.slots
		return nil, err
	}
	resp.Body = &slotBody{ReadCloser: resp.Body, release: func() { <-t.slots }}
	return resp, nil
}

// slotBody gives its request's slot back once, when it is closed.
type slotBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

// Close closes the body and gives the slot back.
func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// Both contenders of BenchmarkOffboardRun, on a small job (60 units,
// removals of 300 ms): every unit offboarded, the emulator's request log
// and the counting transport agree, and the run needs far fewer requests
// than one call per unit and step.
func TestOffboardRunContenders(t *testing.T) {
	job := lifecycleSetup{units: 60, removalDelay: 300 * time.Millisecond,
		wait: backuprestore.WaitOptions{PollInterval: 150 * time.Millisecond, MaxPollInterval: time.Second, Timeout: time.Minute}}
	got := map[string]lifecycledata.Run{}
	for _, contender := range []string{lifecycledata.SDKRun, lifecycledata.PerUnit} {
		r := runLifecycleCase(t, noTimer{}, job, contender)
		if r.Failed != 0 || r.Offboarded != job.units {
			t.Fatalf("%s: %d offboarded, %d failed: %v", contender, r.Offboarded, r.Failed, r.FirstErrors)
		}
		got[contender] = r
	}
	run, per := got[lifecycledata.SDKRun], got[lifecycledata.PerUnit]
	if n := run.Requests["policyPatch"]; n != lifecyclePolicies {
		t.Errorf("run: %d PATCHes, want one per policy (%d: 10 units each)", n, lifecyclePolicies)
	}
	if n := per.Requests["policyPatch"]; n != job.units {
		t.Errorf("per-unit: %d PATCHes, want one per unit (%d)", n, job.units)
	}
	if n := per.Requests["offboard"]; n != job.units {
		t.Errorf("per-unit: %d offboard POSTs, want %d", n, job.units)
	}
	if per.Requests["get"] < 2*job.units {
		t.Errorf("per-unit: %d GETs, want at least two per unit (read, poll)", per.Requests["get"])
	}
	if run.Items["offboard"] != job.units {
		t.Errorf("run: %d offboard items in $batch, want %d", run.Items["offboard"], job.units)
	}
	if run.TotalRequests()*5 > per.TotalRequests() {
		t.Errorf("run: %d requests, per-unit %d: want the run under a fifth", run.TotalRequests(), per.TotalRequests())
	}
	t.Logf("run: %d requests %v, items %v, %v; per-unit: %d requests %v, %v",
		run.TotalRequests(), run.Requests, run.Items, run.Wall, per.TotalRequests(), per.Requests, per.Wall)
}

// The counting transport counts every request and, with slots, never has
// more in flight than it has slots, however many goroutines send.
func TestCountingTransportCapsInFlight(t *testing.T) {
	var inFlight, most atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	ct := &countingTransport{base: benchserver.LoopbackTransport(), slots: make(chan struct{}, 4)}
	hc := &http.Client{Transport: ct}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			resp, err := hc.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if ct.n.Load() != 50 {
		t.Errorf("counted %d requests, want 50", ct.n.Load())
	}
	if m := most.Load(); m > 4 || m < 2 {
		t.Errorf("%d requests in flight at most, want 2 to 4", m)
	}
	if len(ct.slots) != 0 {
		t.Errorf("%d slots still taken", len(ct.slots))
	}
}
