package bench

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/emuproc"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/onboarding"
)

// onboardLines is the size of the admin centre's largest CSV.
const onboardLines = 50_000

// onboardCounter counts requests by method and path suffix.
type onboardCounter struct {
	next                http.RoundTripper
	all, creates, reads atomic.Int64
}

func (t *onboardCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	t.all.Add(1)
	if strings.HasSuffix(r.URL.Path, "BulkAdditionJobs") && r.Method == http.MethodPost {
		t.creates.Add(1)
	} else if r.Method == http.MethodGet {
		t.reads.Add(1)
	}
	return t.next.RoundTrip(r)
}

// writeOnboardCSV writes a CSV of n lines (a header, then "url,owner"):
// site URLs of the emulator's directory (SeedDirectory's naming), every
// 1,000th line a URL of no site.
func writeOnboardCSV(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "sites.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"siteWebUrl", "owner"})
	for i := 1; i <= n; i++ {
		u := fmt.Sprintf("https://contoso.sharepoint.com/sites/project-site-%d", i)
		if i%1000 == 0 {
			u = fmt.Sprintf("https://contoso.sharepoint.com/sites/gone-%d", i)
		}
		_ = w.Write([]string{u, "admin@contoso.com"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// readTargets reads the CSV's first column, header skipped.
func readTargets(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	var out []string
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		if !first {
			out = append(out, rec[0])
		}
	}
}

// TestOnboard50kFromCSV onboards 50,000 site URLs from one CSV against the
// emulator in a child process (cmd/emulator's server: -directory 50000,
// jobs settling 1 s after they are created): it kills the run (cancels it)
// half-way through its jobs (closing its file journal, offboarding/filejournal),
// resumes it from the reopened journal with a new client,
// and checks that every line is accounted for and no job was created
// twice. It reports jobs, requests per target, wall time and heap per
// line. Not run by CI (see .ci/run); run it with
// `go test -run Onboard50k -v` in bench/.
func TestOnboard50kFromCSV(t *testing.T) {
	// 10,000 lines first: the heap per line is the same at both sizes
	// (bounded by a constant per line).
	for _, n := range []int{10_000, onboardLines} {
		t.Run(fmt.Sprintf("%d lines", n), func(t *testing.T) { onboardCSV(t, n) })
	}
}

func onboardCSV(t *testing.T, onboardLines int) {
	emu, err := emuproc.Start(emuproc.Config{Directory: onboardLines, RealTimeClock: true, JobDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	ctx := t.Context()
	path := writeOnboardCSV(t, onboardLines)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	targets := readTargets(t, path)

	tr := &onboardCounter{next: benchserver.LoopbackTransport()}
	c, err := backuprestore.NewClient(benchserver.StaticCred{}, &backuprestore.Options{BaseURL: emu.BaseURL, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Onboarded from CSV"))
	if err != nil {
		t.Fatal(err)
	}
	// The run's journal is a crash-safe file (offboarding/filejournal):
	// the killed run's and the resumed run's are two opens of it.
	jpath := filepath.Join(t.TempDir(), "onboard.journal")
	journal, err := filejournal.Open(jpath, nil)
	if err != nil {
		t.Fatal(err)
	}
	wait := &backuprestore.JobWaitOptions{PollInterval: 200 * time.Millisecond, MaxPollInterval: time.Second}
	killCtx, kill := context.WithCancel(ctx)
	killAfter := (onboardLines/onboarding.DefaultJobSize + 1) / 2 // about half of the jobs
	created := 0
	first := onboarding.New(c, &onboarding.Options{Journal: journal, Wait: wait, Source: path, OnProgress: func(done, total int) {
		if created++; created == killAfter {
			kill() // the process dies half-way through creating its jobs
		}
	}})
	res, err := first.Onboard(killCtx, pol.ID, targets)
	if err == nil || res.Finished() {
		t.Fatalf("the killed run finished: %v", err)
	}
	killedAt := tr.creates.Load()
	if err := journal.Close(); err != nil { // the process is gone
		t.Fatal(err)
	}
	journal, err = filejournal.Open(jpath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()

	c2, err := backuprestore.NewClient(benchserver.StaticCred{}, &backuprestore.Options{BaseURL: emu.BaseURL, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	res, err = onboarding.New(c2, &onboarding.Options{Journal: journal, Wait: wait}).Resume(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	defer runtime.KeepAlive(res) // the results are live when measured

	counts := res.Counts()
	if len(res.Items) != onboardLines || !res.Finished() {
		t.Fatalf("%d results for %d lines, finished %v", len(res.Items), onboardLines, res.Finished())
	}
	wantMissing := onboardLines / 1000
	if counts[offboarding.OutcomeDone] != onboardLines-wantMissing || counts[offboarding.OutcomeFailed] != wantMissing {
		t.Fatalf("counts %v, want %d done and %d not found", counts, onboardLines-wantMissing, wantMissing)
	}
	for _, it := range res.Failed() {
		if it.Reason != onboarding.ReasonNotFound || it.Code != "SiteUrlNotFound" {
			t.Fatalf("line %d: %s %s", it.Line, it.Reason, it.Code)
		}
	}
	jobs := 0
	for _, err := range c2.ProtectionPolicies().ByID(pol.ID).BulkAdditionJobs().All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		jobs++
	}
	wantJobs := (onboardLines + onboarding.DefaultJobSize - 1) / onboarding.DefaultJobSize
	if jobs != wantJobs || int(tr.creates.Load()) != wantJobs {
		t.Fatalf("%d jobs in the policy, %d creates sent; want %d of each (nothing created twice)", jobs, tr.creates.Load(), wantJobs)
	}
	live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("onboarded %d lines from one CSV: %d jobs (%d created before the kill, %d after the resume), %d protected, %d not found",
		onboardLines, jobs, killedAt, int64(jobs)-killedAt, counts[offboarding.OutcomeDone], counts[offboarding.OutcomeFailed])
	t.Logf("requests: %d in all (%.4f per target: %d job creates, %d reads), wall %v",
		tr.all.Load(), float64(tr.all.Load())/float64(onboardLines), tr.creates.Load(), tr.reads.Load(), wall.Round(time.Millisecond))
	t.Logf("heap: %.0f B live per line after the run (results kept; the journal is a file), %.0f B allocated per line",
		float64(live)/float64(onboardLines), float64(after.TotalAlloc-before.TotalAlloc)/float64(onboardLines))
}
