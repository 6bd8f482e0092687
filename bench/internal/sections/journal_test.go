package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/journaldata"
)

// The journal section's tables and targets from records: ratios against
// the floor, before against after (the 100,000-unit before extrapolated
// from its two sizes), a target missed.
func TestJournalSection(t *testing.T) {
	dir := t.TempDir()
	rec := func(contender string, units int, fsyncs, written int64, load time.Duration) {
		r := journaldata.Run{Contender: contender, Round: 1, Units: units, Entries: 6 * units, Wall: 3 * time.Second,
			Syncs: -1, StraceSyncs: map[string]int64{"fdatasync": fsyncs}, WriteBytes: written, FileBytes: int64(units) * 1000,
			PeakRSS: int64(units) * 2048, PeakHeap: int64(units) * 1024, LoadOpen: load, LoadOpenCPU: 2 * load, LoadOpenEntries: 6 * units,
			Load: load / 2, LoadCPU: load, LoadEntries: 3 * units, MaxRSS: 64<<20 + int64(units)*2048}
		if contender == journaldata.FileJournal {
			r.Syncs = fsyncs
		}
		if err := journaldata.Write(dir, &r); err != nil {
			t.Fatal(err)
		}
	}
	rec(journaldata.Before, 1000, 500, 1000*20000, time.Second)
	rec(journaldata.Before, 2000, 1000, 2000*30000, time.Second)
	rec(journaldata.FileJournal, 1000, 100, 1000*3000, time.Second)
	rec(journaldata.Floor, 1000, 80, 1000*2000, time.Second)
	rec(journaldata.FileJournal, 100000, 10000, 100000*3000, 6*time.Second)
	rec(journaldata.Floor, 100000, 10000, 100000*2000, time.Second)
	var b bytes.Buffer
	if err := runJournal(&b, dir); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| 1,000 | before | 3.0 s | 0.500 (500) | 6.25× | 19.5 KiB | 10.00× |",
		"| 1,000 | filejournal | 3.0 s | 0.100 (100) | 1.25× | 3,000 B | 1.50× | 1,000 B | 2,048 B | 1,024 B | 1.00 s / 2.00 s CPU (6,000 entries) | 500 ms / 1.00 s CPU (3,000 entries) |",
		"| 1,000 | 0.500 → 0.100 (5.00× fewer) | 19.5 KiB → 3,000 B (6.67× less) | 1.00 s → 1.00 s |",
		"| 100,000 | ~0.500 (not run) → 0.100 | ~986.3 KiB (not run: ~101 GB in all) → 3,000 B (~336.67× less) | — → 6.00 s |",
		"| 2,000 | 0.500 → (not run) | 29.3 KiB → (not run) | 1.00 s → — |",
		"(a least-squares line through its 2 sizes: 10,000 + 10.00 × units bytes per unit)",
		"| fsync-family calls per unit ≤ 0.5 (1,000 units) | 0.100 | met |",
		"| the replay's whole process, loads included, within the CLI's budget of 64 MiB + 4 KiB per unit (100,000 units) | 259.3 MiB of 454.6 MiB | met |",
		"| resume's load (unfinished run) ≤ 5 s (100,000 units) | 6.00 s (12.00 s CPU, load average 0.0) | **missed** |",
		"| status's load (finished run, read-only) ≤ 5 s (100,000 units) | 3.00 s (6.00 s CPU) | met |",
		"filejournal at 1,000 units: 100 counted, 100 by strace",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
