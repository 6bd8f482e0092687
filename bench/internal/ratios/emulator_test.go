package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const emuSample = `goos: linux
BenchmarkBulkCancel/bulk-2     	       1	2999790052 ns/op	    299845 ns/cancel	136771528 B/op	 1144048 allocs/op
BenchmarkBulkCancel/bulk-2     	       1	3200000000 ns/op	    320000 ns/cancel	136771528 B/op	 1144048 allocs/op
BenchmarkBulkCancel/bulk-2     	       1	2500000000 ns/op	    250000 ns/cancel	136771528 B/op	 1144048 allocs/op
BenchmarkBulkCancel/single-loop-2         	      55	  20900205 ns/op	  20000000 ns/cancel	   20931 B/op	     228 allocs/op
BenchmarkListEmulator10000/page100/floor-2         	       6	 192915411 ns/op	        28.08 allocs/unit	 231190667 cpu-ns/op	     20000 ns/unit	60432276 B/op	  280764 allocs/op
BenchmarkListEmulator10000/page100/backuprestore-2 	      12	  98676217 ns/op	        25.86 allocs/unit	 120390833 cpu-ns/op	     10000 ns/unit	37546629 B/op	  258609 allocs/op
BenchmarkListEmulator10000/page999/floor-2         	       6	 172261586 ns/op	        26.55 allocs/unit	 209802333 cpu-ns/op	     10000 ns/unit	60481998 B/op	  265506 allocs/op
BenchmarkListEmulator10000/page999/backuprestore-2 	      13	  83692226 ns/op	        53.10 allocs/unit	 108382077 cpu-ns/op	     14000 ns/unit	38114551 B/op	  237144 allocs/op
BenchmarkListEmulator10000/page20/floor-2         	       6	 172261586 ns/op	        26.55 allocs/unit	 209802333 cpu-ns/op	     10000 ns/unit	60481998 B/op	  265506 allocs/op
PASS
`

func TestEmulatorTables(t *testing.T) {
	r, err := parseBench(strings.NewReader(emuSample))
	if err != nil {
		t.Fatal(err)
	}
	if got := pageSizes(r); len(got) != 3 || got[0] != 20 || got[1] != 100 || got[2] != 999 {
		t.Errorf("pageSizes = %v, want [20 100 999]", got)
	}
	var b strings.Builder
	writeEmulator(&b, r)
	out := b.String()
	for _, want := range []string{
		"| 20 | 10.0 µs | – | – | 26.6 | – | – |",
		"| 100 | 20.0 µs | 10.0 µs | 0.50× | 28.1 | 25.9 | 0.92× |",
		"| 999 | 10.0 µs | 14.0 µs | 1.40× | 26.6 | 53.1 | 2.00× |",
		"| emulator listing, pages of 20: ns/unit ≤ 1.3× floor | – | not measured |",
		"| emulator listing, pages of 100: ns/unit ≤ 1.3× floor | 0.50× | met |",
		"| emulator listing, pages of 999: ns/unit ≤ 1.3× floor | 1.40× | **missed** |",
		"| loop of single `Post` calls | 20.00 ms | 50 |",
		"| bulk `CancelOffboardAll` | 299.8 µs | 3335 |", // median of three
		"| bulk throughput ≥ 25× the loop's | 66.70× | met |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Page sizes come before bulk cancel.
	if strings.Index(out, "| 999 |") > strings.Index(out, "Cancel of 10,000") {
		t.Errorf("listing table not before the bulk table:\n%s", out)
	}
}

func TestBulkMissedAndUnmeasured(t *testing.T) {
	r, err := parseBench(strings.NewReader(
		"BenchmarkBulkCancel/bulk-2 1 3000000000 ns/op 1000000 ns/cancel\n" +
			"BenchmarkBulkCancel/single-loop-2 50 20000000 ns/op 20000000 ns/cancel\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeEmulator(&b, r)
	if out := b.String(); !strings.Contains(out, "| bulk throughput ≥ 25× the loop's | 20.00× | **missed** |") ||
		strings.Contains(out, "Page size") {
		t.Errorf("unexpected output:\n%s", out)
	}

	r, err = parseBench(strings.NewReader("BenchmarkBulkCancel/single-loop-2 50 20000000 ns/op 20000000 ns/cancel\n"))
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	writeEmulator(&b, r)
	if out := b.String(); !strings.Contains(out, "| bulk throughput ≥ 25× the loop's | – | not measured |") ||
		!strings.Contains(out, "| bulk `CancelOffboardAll` | – | – |") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

func TestRunEmulator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emu.txt")
	if err := os.WriteFile(path, []byte(emuSample), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := runEmulator(&b, path); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| bulk throughput ≥ 25× the loop's |") {
		t.Errorf("unexpected output:\n%s", b.String())
	}
	if err := runEmulator(&b, filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("runEmulator of a missing file did not fail")
	}
}
