package scaledata

import (
	"strings"
	"testing"
)

func TestListChecks(t *testing.T) {
	flat := []List{
		{Method: "All", Units: 10_000, PageSize: 100, Pages: 100, PeakAlloc: 300_000, PageBodyBytes: 100_000},
		{Method: "All", Units: 100_000, PageSize: 100, Pages: 1000, PeakAlloc: 420_000, PageBodyBytes: 100_000, SlopePerPage: 5},
	}
	for _, c := range ListChecks(flat) {
		if !c.OK {
			t.Errorf("a flat listing missed %q (%s)", c.Name, c.Measured)
		}
	}
	growing := []List{flat[0], flat[1]}
	growing[1].SlopePerPage, growing[1].PeakAlloc = 280, 700_000
	missed := map[string]bool{}
	for _, c := range ListChecks(growing) {
		if !c.OK {
			missed[strings.SplitN(c.Name, ":", 2)[1]] = true
		}
	}
	if len(missed) != 3 {
		t.Errorf("a listing keeping 280 B per page missed %v, want the peak, scale-up and trend bounds", missed)
	}
}

func TestWriteListMerges(t *testing.T) {
	dir := t.TempDir()
	a := List{Method: "All", Units: 10_000, PageSize: 100, PeakAlloc: 1}
	b := List{Method: "All", Units: 10_000, PageSize: 999, PeakAlloc: 2}
	if err := WriteList(dir, []List{a, b}); err != nil {
		t.Fatal(err)
	}
	a.PeakAlloc = 3
	if err := WriteList(dir, []List{a}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadList(dir)
	if err != nil || len(got) != 2 || got[0].PageSize != 999 || got[1].PeakAlloc != 3 {
		t.Errorf("ReadList = %+v, %v; want page 999 first and the page-100 record replaced", got, err)
	}
}
