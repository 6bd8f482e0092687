package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/emuproc"
	"github.com/m365kit/backuprestore/bench/internal/scaledata"
	"github.com/m365kit/backuprestore/models"
)

var scaleOut = flag.String("scale.out", "",
	"directory where TestListHeapBounded and TestBulkResultsBytesPerUnit write their records (report.sh's tables)")

// liveHeap collects garbage and returns the live heap (HeapAlloc) and the
// heap's in-use spans (HeapInuse). It collects twice: a sync.Pool's
// contents survive one GC in its victim cache, and a pooled buffer is not
// what the listing keeps.
func liveHeap() (alloc, inuse int64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc), int64(m.HeapInuse)
}

// TestListHeapBounded lists 10,000 and 100,000 units, in pages of 999 and
// 100, from an emulator in a child process (its units and the pages it
// encodes are not on this heap), with All and, for comparison, with one
// Get per page following NextLink by hand. It samples this process's live
// heap after a GC at the first unit of every page, when the page just
// fetched is held whole and the previous one is garbage, and checks that
// the heap is bounded by a page, not by the number of units:
//
//   - the peak above the heap before the listing is within 4 pages' JSON
//     plus 256 KiB (the page's body buffer and the page decoded, with the
//     connection's and the client's fixed costs);
//   - listing 100,000 units raises the peak of 10,000 by at most 1.5 pages'
//     JSON (one page, decoded, which an isolated sample sometimes holds
//     beside the current one; see scaledata.MaxScaleUpPages);
//   - within the 100,000-unit listing, the heap's trend (the least-squares
//     slope over the full pages, times their number) grows by at most a
//     quarter page's JSON: nothing is kept from page to page (the quarter
//     page allows for the body buffer growing to the largest page seen).
//
// It takes ~15 s (a GC per page: 2,420 pages in all).
func TestListHeapBounded(t *testing.T) {
	var recs []scaledata.List
	for _, m := range []listMethod{listAll, listGetLoop} {
		for _, pageSize := range []int{999, 100} {
			for _, units := range []int{10_000, 100_000} {
				rec := measureListHeap(t, m, units, pageSize)
				t.Logf("%s, page %d, %d units: %d pages, peak live heap +%d B (in-use spans +%d B), first tenth +%d B, last tenth +%d B, trend %+.0f B per page; page JSON %d B",
					m.name, pageSize, units, rec.Pages, rec.PeakAlloc, rec.PeakInuse, rec.FirstTenthAlloc, rec.LastTenthAlloc, rec.SlopePerPage, rec.PageBodyBytes)
				recs = append(recs, rec)
			}
		}
	}
	for _, c := range scaledata.ListChecks(recs) {
		if !c.OK {
			t.Errorf("%s: measured %s", c.Name, c.Measured)
		}
	}
	if *scaleOut != "" {
		if err := scaledata.WriteList(*scaleOut, recs); err != nil {
			t.Fatal(err)
		}
	}
}

// listMethod is a way of listing every unit: visit is called for each unit
// and newPage at the first unit of each page.
type listMethod struct {
	name string
	list func(ctx context.Context, c *backuprestore.Client, pageSize int, visit func(*models.ProtectionUnit), newPage func()) error
}

// listAll is the iterator under test: All, one unit at a time.
var listAll = listMethod{"All", func(ctx context.Context, c *backuprestore.Client, pageSize int, visit func(*models.ProtectionUnit), newPage func()) error {
	n := 0
	for u, err := range c.ProtectionUnits().All(ctx, nil) {
		if err != nil {
			return err
		}
		if n%pageSize == 0 {
			newPage()
		}
		visit(u)
		n++
	}
	return nil
}}

// listGetLoop is the comparison: one Get per page, following NextLink by
// hand (ListOptions.NextLink), which keeps nothing from page to page.
var listGetLoop = listMethod{"Get+NextLink", func(ctx context.Context, c *backuprestore.Client, _ int, visit func(*models.ProtectionUnit), newPage func()) error {
	opts := &backuprestore.ListOptions{}
	for {
		page, err := c.ProtectionUnits().Get(ctx, opts)
		if err != nil {
			return err
		}
		for i, u := range page.Value {
			if i == 0 {
				newPage()
			}
			visit(u)
		}
		if page.NextLink == "" {
			return nil
		}
		opts.NextLink = page.NextLink
	}
}}

// measureListHeap lists units units in pages of pageSize with m and
// samples the heap once per page.
func measureListHeap(t *testing.T, m listMethod, units, pageSize int) scaledata.List {
	t.Helper()
	emu, err := emuproc.Start(emuproc.Config{Seed: units, PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	ctx := t.Context()
	rec := scaledata.List{Method: m.name, Units: units, PageSize: pageSize}
	rec.PageBodyBytes, err = firstPageBytes(ctx, emu.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	c := newThrottleClient(t, emu.BaseURL)
	baseAlloc, baseInuse := liveHeap()
	var samples []int64
	n := 0
	err = m.list(ctx, c, pageSize, func(u *models.ProtectionUnit) {
		if u == nil || u.ID == "" {
			t.Fatalf("unit %d has no ID", n)
		}
		n++
	}, func() {
		alloc, inuse := liveHeap()
		samples = append(samples, alloc-baseAlloc)
		rec.PeakAlloc = max(rec.PeakAlloc, alloc-baseAlloc)
		rec.PeakInuse = max(rec.PeakInuse, inuse-baseInuse)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != units {
		t.Fatalf("listed %d units, want %d", n, units)
	}
	rec.Pages = len(samples)
	if units%pageSize != 0 {
		samples = samples[:len(samples)-1] // the last page is partial: it holds less
	}
	tenth := max(len(samples)/10, 1)
	rec.FirstTenthAlloc = mean(samples[:tenth])
	rec.LastTenthAlloc = mean(samples[len(samples)-tenth:])
	rec.SlopePerPage = slope(samples)
	runtime.KeepAlive(c)
	return rec
}

// firstPageBytes returns the size of the first page's JSON body.
func firstPageBytes(ctx context.Context, base string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/solutions/backupRestore/protectionUnits", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+benchserver.Token)
	req.Header.Set("Prefer", "include-unknown-enum-members")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("first page: %s", resp.Status)
	}
	return n, err
}

// slope is the least-squares slope of v against its index (0 for fewer
// than two values).
func slope(v []int64) float64 {
	n := float64(len(v))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range v {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+float64(y), sxx+x*x, sxy+x*float64(y)
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func mean(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s / int64(len(v))
}

// bulkScaleUnits is the number of IDs of TestBulkResultsBytesPerUnit.
const bulkScaleUnits = 100_000

// TestBulkResultsBytesPerUnit cancels the offboarding of 100,000 units
// with one CancelOffboardAll (an emulator in a child process, no latency,
// no throttling) and measures what the returned BulkResults cost on the
// heap: live heap after the call (results held) minus before it (IDs and
// client already allocated), per unit. It also samples the live heap
// halfway through (from OnProgress), and the decoded units' share (the
// heap freed by dropping every result's Unit). The bound it checks, 4 KiB per unit,
// is a regression guard (a unit decoded from ~500 bytes of JSON plus its
// BulkResult), not a target of the issue.
func TestBulkResultsBytesPerUnit(t *testing.T) {
	emu, err := emuproc.Start(emuproc.Config{OffboardRequested: bulkScaleUnits})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	c := newThrottleClient(t, emu.BaseURL)
	ids := make([]string, bulkScaleUnits)
	for i := range ids {
		ids[i] = emuproc.UnitID(i)
	}
	rec := scaledata.Bulk{Units: bulkScaleUnits, ResultSize: int(unsafe.Sizeof(backuprestore.BulkResult{}))}
	before, _ := liveHeap()
	half := false
	opts := &backuprestore.BulkOptions{OnProgress: func(done, total, _ int) {
		if !half && done >= total/2 {
			half = true
			mid, _ := liveHeap()
			rec.MidRunBytes = mid - before
		}
	}}
	start := time.Now()
	res := c.ProtectionUnits().CancelOffboardAll(t.Context(), ids, opts)
	rec.WallSeconds = time.Since(start).Seconds()
	after, _ := liveHeap()
	if err := res.Err(); err != nil || len(res) != bulkScaleUnits {
		t.Fatalf("%d results: %v", len(res), err)
	}
	for i := range res {
		if err := checkCancelled(res[i].Unit); err != nil {
			t.Fatalf("%s: %v", res[i].ID, err)
		}
	}
	rec.ResultsBytes = after - before
	rec.PerUnit = float64(rec.ResultsBytes) / bulkScaleUnits
	// The decoded units' share: drop them and measure again.
	for i := range res {
		res[i].Unit = nil
	}
	withoutUnits, _ := liveHeap()
	rec.UnitsPerUnit = float64(after-withoutUnits) / bulkScaleUnits
	runtime.KeepAlive(res)
	runtime.KeepAlive(ids)
	t.Logf("%d units in %.1f s: results +%d B (%.0f B per unit, of which the decoded unit %.0f B; BulkResult itself %d B), mid-run +%d B",
		rec.Units, rec.WallSeconds, rec.ResultsBytes, rec.PerUnit, rec.UnitsPerUnit, rec.ResultSize, rec.MidRunBytes)
	if rec.PerUnit > 4096 {
		t.Errorf("%.0f B per unit of results, above 4 KiB", rec.PerUnit)
	}
	if *scaleOut != "" {
		if err := scaledata.WriteBulk(*scaleOut, rec); err != nil {
			t.Fatal(err)
		}
	}
}
