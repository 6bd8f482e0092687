package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Benchmark and sub-benchmark names of the emulator listing and bulk cancel
// benchmarks (bench/emulator_list_test.go, bench/bulk_test.go).
const (
	emuListBench = "ListEmulator10000" // sub-benchmarks page<N>/floor, page<N>/backuprestore
	bulkBench    = "BulkCancel"        // sub-benchmarks bulk, single-loop
	bulkWho      = "bulk"
	loopWho      = "single-loop"
)

func runEmulator(w io.Writer, emuFile string) error {
	res, err := parseBenchFile(emuFile)
	if err != nil {
		return err
	}
	writeEmulator(w, res)
	return nil
}

// pageSizes returns the page sizes measured by the emulator listing, in
// increasing order.
func pageSizes(r results) []int {
	var sizes []int
	for who := range r[emuListBench] {
		page, _, ok := strings.Cut(who, "/")
		if !ok || !strings.HasPrefix(page, "page") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(page, "page"))
		if err != nil || slices.Contains(sizes, n) {
			continue
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	return sizes
}

// writeEmulator writes the tables of the emulator listing (per page size:
// ns/unit and allocs/unit of the floor and of ours, ours/floor) and of bulk
// cancel (time per cancel of the loop and of bulk, throughput ratio), each
// followed by its targets.
func writeEmulator(w io.Writer, r results) {
	if sizes := pageSizes(r); len(sizes) > 0 {
		fmt.Fprintln(w, "| Page size | floor ns/unit | ours ns/unit | ours/floor | floor allocs/unit | ours allocs/unit | ours/floor |")
		fmt.Fprintln(w, "|--:|--:|--:|--:|--:|--:|--:|")
		cell := func(v float64, ok bool, metric string) string {
			if !ok {
				return "–"
			}
			return human(v, metric)
		}
		for _, n := range sizes {
			floor, ours := fmt.Sprintf("page%d/floor", n), fmt.Sprintf("page%d/backuprestore", n)
			fmt.Fprintf(w, "| %d |", n)
			for _, m := range []string{"ns/unit", "allocs/unit"} {
				f, okF := r.get(emuListBench, floor, m)
				o, okO := r.get(emuListBench, ours, m)
				fmt.Fprintf(w, " %s | %s | %s |", cell(f, okF, m), cell(o, okO, m), ratio(o, f, okO, okF))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| Target (issues 4 and 5) | Measured | Result |")
		fmt.Fprintln(w, "|---|--:|---|")
		for _, n := range sizes {
			f, okF := r.get(emuListBench, fmt.Sprintf("page%d/floor", n), "ns/unit")
			o, okO := r.get(emuListBench, fmt.Sprintf("page%d/backuprestore", n), "ns/unit")
			name := fmt.Sprintf("emulator listing, pages of %d: ns/unit ≤ %.1f× floor", n, maxEmulatorListOverFloor)
			if !okF || !okO || f == 0 {
				fmt.Fprintf(w, "| %s | – | not measured |\n", name)
				continue
			}
			fmt.Fprintf(w, "| %s | %.2f× | %s |\n", name, o/f, verdict(o/f <= maxEmulatorListOverFloor))
		}
		fmt.Fprintln(w)
	}
	if r[bulkBench] == nil {
		return
	}
	loop, okL := r.get(bulkBench, loopWho, "ns/cancel")
	bulk, okB := r.get(bulkBench, bulkWho, "ns/cancel")
	fmt.Fprintln(w, "| Cancel of 10,000 units, 20 ms latency per request | Time per cancel | Cancels per second |")
	fmt.Fprintln(w, "|---|--:|--:|")
	row := func(name string, v float64, ok bool) {
		if !ok || v == 0 {
			fmt.Fprintf(w, "| %s | – | – |\n", name)
			return
		}
		fmt.Fprintf(w, "| %s | %s | %.0f |\n", name, human(v, "ns/op"), 1e9/v)
	}
	row("loop of single `Post` calls", loop, okL)
	row("bulk `CancelOffboardAll`", bulk, okB)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Target (issues 4 and 5) | Measured | Result |")
	fmt.Fprintln(w, "|---|--:|---|")
	name := fmt.Sprintf("bulk throughput ≥ %d× the loop's", minBulkOverLoop)
	if !okL || !okB || bulk == 0 {
		fmt.Fprintf(w, "| %s | – | not measured |\n", name)
	} else {
		fmt.Fprintf(w, "| %s | %.2f× | %s |\n", name, loop/bulk, verdict(loop/bulk >= minBulkOverLoop))
	}
	fmt.Fprintln(w)
}
