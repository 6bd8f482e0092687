// Package scaledata is the record the scale tests of bench write
// (-scale.out) and the report program reads back to write BENCHMARKS.md's
// tables: the client's heap while listing, and the size of bulk results.
package scaledata

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/m365kit/backuprestore/bench/internal/records"
)

// File names in the output directory.
const (
	listFile = "scale-list.json"
	bulkFile = "scale-bulk.json"
)

// List is one listing of Units units in pages of PageSize.
type List struct {
	// Method is how the units were listed: All, or Get+NextLink (one Get
	// per page, following NextLink by hand).
	Method   string `json:"method"`
	Units    int    `json:"units"`
	PageSize int    `json:"pageSize"`
	// Pages is the number of pages the listing took, each sampled once
	// (at its first unit, after a GC).
	Pages int `json:"pages"`
	// PeakAlloc and PeakInuse are the highest live heap (HeapAlloc) and
	// in-use spans (HeapInuse) above the baseline (after a GC, before the
	// listing) over the samples, in bytes.
	PeakAlloc int64 `json:"peakAlloc"`
	PeakInuse int64 `json:"peakInuse"`
	// FirstTenthAlloc and LastTenthAlloc are the mean HeapAlloc above the
	// baseline over the first and the last tenth of the full pages' samples
	// (a partial last page holds less); SlopePerPage is the least-squares
	// slope of those samples, in bytes per page: a heap that keeps
	// something per page shows as a positive slope, and last > first.
	FirstTenthAlloc int64   `json:"firstTenthAlloc"`
	LastTenthAlloc  int64   `json:"lastTenthAlloc"`
	SlopePerPage    float64 `json:"slopePerPage"`
	// PageBodyBytes is the size of one full page's JSON body (the
	// emulator's first page), for scale.
	PageBodyBytes int64 `json:"pageBodyBytes"`
}

// Bulk is one CancelOffboardAll of Units units.
type Bulk struct {
	Units int `json:"units"`
	// ResultsBytes is the live heap after the call (after a GC, the
	// results held) minus before it (the IDs and the client already
	// allocated), in bytes; PerUnit divides it by Units.
	ResultsBytes int64   `json:"resultsBytes"`
	PerUnit      float64 `json:"perUnit"`
	// UnitsPerUnit is the decoded units' share of PerUnit: the heap freed
	// by setting every result's Unit to nil, per unit.
	UnitsPerUnit float64 `json:"unitsPerUnit"`
	// MidRunBytes is the live heap above the same baseline halfway through
	// the call (after a GC, from OnProgress): the scheduler's working set
	// and the results so far.
	MidRunBytes int64 `json:"midRunBytes"`
	// ResultSize is unsafe.Sizeof(BulkResult{}), the slice's share per
	// unit; the rest is the decoded unit and its strings.
	ResultSize int `json:"resultSize"`
	// Wall is the call's duration in seconds.
	WallSeconds float64 `json:"wallSeconds"`
}

// WriteList stores the listing records in dir, merged with those already
// there (a record of the same method, units and page size is replaced). It fails
// when the file cannot be read, decoded or written.
func WriteList(dir string, recs []List) error {
	var old []List
	if err := records.Read(filepath.Join(dir, listFile), &old); err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, r := range recs {
		old = slices.DeleteFunc(old, func(o List) bool { return o.Method == r.Method && o.Units == r.Units && o.PageSize == r.PageSize })
		old = append(old, r)
	}
	slices.SortFunc(old, func(a, b List) int {
		if a.Method != b.Method {
			return strings.Compare(a.Method, b.Method)
		}
		if a.PageSize != b.PageSize {
			return b.PageSize - a.PageSize
		}
		return a.Units - b.Units
	})
	return records.Write(dir, listFile, old)
}

// WriteBulk stores the bulk record in dir. It fails when it cannot be
// written.
func WriteBulk(dir string, r Bulk) error { return records.Write(dir, bulkFile, r) }

// ReadList and ReadBulk read the records of dir; a missing file is an
// error.
func ReadList(dir string) ([]List, error) {
	var recs []List
	return recs, records.Read(filepath.Join(dir, listFile), &recs)
}

// ReadBulk reads the bulk record of dir.
func ReadBulk(dir string) (Bulk, error) {
	var r Bulk
	return r, records.Read(filepath.Join(dir, bulkFile), &r)
}

// Check is one bound on the listing heap and whether a record pair met it.
type Check struct {
	// Name says what was checked, Measured the figure.
	Name, Measured string
	// OK reports whether the bound held.
	OK bool
}

// The bounds of ListChecks.
const (
	// PeakPages and PeakFixed bound the peak: PeakPages pages' JSON plus
	// PeakFixed bytes (the connection's and the client's fixed costs).
	PeakPages = 4
	PeakFixed = 256 << 10
	// MaxScaleUpPages is the most the peak may grow from 10,000 to
	// 100,000 units, in pages' JSON: one page decoded is ~1.3 times its
	// JSON, and an isolated sample now and then holds one page more than
	// its neighbours (the page before still reachable at that instant, in
	// both listing methods, at random pages), so this allows that one page
	// and nothing that scales with the units.
	MaxScaleUpPages = 1.5
	// GrowthPageFraction is the most the heap's trend (slope per page ×
	// pages) may grow over a listing, as a fraction of one page's JSON.
	GrowthPageFraction = 0.25
)

// ListChecks checks the listing records against the bounds, per method and
// page size: every listing's peak, and the 10,000 and 100,000-unit pair.
func ListChecks(recs []List) []Check {
	var out []Check
	type key struct {
		method string
		page   int
	}
	pairs := map[key]map[int]List{}
	var keys []key
	for _, r := range recs {
		bound := int64(PeakPages)*r.PageBodyBytes + PeakFixed
		out = append(out, Check{
			Name:     fmt.Sprintf("%s, page %d, %s units: peak ≤ %d pages' JSON + %d KiB (%s B)", r.Method, r.PageSize, group(int64(r.Units)), PeakPages, PeakFixed>>10, group(bound)),
			Measured: fmt.Sprintf("%s B", group(r.PeakAlloc)), OK: r.PeakAlloc <= bound,
		})
		k := key{r.Method, r.PageSize}
		if pairs[k] == nil {
			pairs[k] = map[int]List{}
			keys = append(keys, k)
		}
		pairs[k][r.Units] = r
	}
	for _, k := range keys {
		small, okS := pairs[k][10_000]
		large, okL := pairs[k][100_000]
		if !okS || !okL {
			continue
		}
		up := large.PeakAlloc - small.PeakAlloc
		upLimit := int64(MaxScaleUpPages * float64(large.PageBodyBytes))
		out = append(out, Check{
			Name:     fmt.Sprintf("%s, page %d: peak for 100,000 units − peak for 10,000 ≤ 1.5 pages' JSON (%s B)", k.method, k.page, group(upLimit)),
			Measured: fmt.Sprintf("%s B (%.2f×)", signed(up), float64(large.PeakAlloc)/float64(max(small.PeakAlloc, 1))),
			OK:       up <= upLimit,
		})
		growth := large.SlopePerPage * float64(large.Pages)
		limit := GrowthPageFraction * float64(large.PageBodyBytes)
		out = append(out, Check{
			Name:     fmt.Sprintf("%s, page %d, 100,000 units: heap trend over the listing ≤ ¼ page's JSON (%s B)", k.method, k.page, group(int64(limit))),
			Measured: fmt.Sprintf("%s B (%+.0f B per page × %s)", signed(int64(growth)), large.SlopePerPage, group(int64(large.Pages))),
			OK:       growth <= limit,
		})
	}
	return out
}

// group formats n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// signed formats n with its sign and thousands separators.
func signed(n int64) string {
	if n >= 0 {
		return "+" + group(n)
	}
	return group(n)
}
