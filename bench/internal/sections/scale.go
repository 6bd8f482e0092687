package main

import (
	"fmt"
	"io"

	"github.com/m365kit/backuprestore/bench/internal/scaledata"
)

// runScale prints the scale section's tables: the listing heap with its
// bounds, and the size of bulk results.
func runScale(w io.Writer, in string) error {
	recs, err := scaledata.ReadList(in)
	if err != nil {
		return err
	}
	bulk, err := scaledata.ReadBulk(in)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| Method | Page size | Units | Pages | One page's JSON | Peak live heap | Peak in-use spans | Mean, first tenth of pages | Mean, last tenth | Trend per page |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range recs {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %+.0f B |\n", r.Method, r.PageSize, thousands(int64(r.Units)),
			thousands(int64(r.Pages)), kib(r.PageBodyBytes), kib(r.PeakAlloc), kib(r.PeakInuse), kib(r.FirstTenthAlloc), kib(r.LastTenthAlloc), r.SlopePerPage)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Bound | Measured | |")
	fmt.Fprintln(w, "|---|--:|---|")
	for _, c := range scaledata.ListChecks(recs) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", c.Name, c.Measured, metMissed(c.OK))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Bulk results | |")
	fmt.Fprintln(w, "|---|--:|")
	fmt.Fprintf(w, "| Units (one `CancelOffboardAll`, all succeeded) | %s |\n", thousands(int64(bulk.Units)))
	fmt.Fprintf(w, "| Wall time (no latency, no throttling) | %.1f s |\n", bulk.WallSeconds)
	fmt.Fprintf(w, "| Live heap held by the returned `BulkResults` | %s |\n", mib(bulk.ResultsBytes))
	fmt.Fprintf(w, "| **Per unit** | **%.0f B** |\n", bulk.PerUnit)
	fmt.Fprintf(w, "| … of which the decoded `*models.ProtectionUnit` | %.0f B |\n", bulk.UnitsPerUnit)
	fmt.Fprintf(w, "| … of which the `BulkResult` struct (`unsafe.Sizeof`) | %d B |\n", bulk.ResultSize)
	fmt.Fprintf(w, "| … the rest (request-id strings, errors: none here) | %.0f B |\n", bulk.PerUnit-bulk.UnitsPerUnit-float64(bulk.ResultSize))
	fmt.Fprintf(w, "| Live heap halfway through the call (scheduler state + results so far) | %s |\n", mib(bulk.MidRunBytes))
	return nil
}

// kib formats bytes as KiB.
func kib(b int64) string { return fmt.Sprintf("%s KiB", thousands((b+512)>>10)) }

// mib formats bytes as MiB, one decimal.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
