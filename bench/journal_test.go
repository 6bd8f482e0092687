package bench

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/m365kit/backuprestore/bench/internal/journaldata"
	"github.com/m365kit/backuprestore/bench/journalproc"
)

var (
	journalOut = flag.String("journal.out", "",
		"directory where BenchmarkJournal writes one JSON record per contender, size and round (report.sh's table)")
	journalUnits = flag.String("journal.units", "3600,100000",
		"comma-separated run sizes BenchmarkJournal replays")
	journalContenders = flag.String("journal.contenders", strings.Join(journaldata.Contenders, ","),
		"comma-separated contenders of BenchmarkJournal")
	journalBeforeUnits = flag.String("journal.before-units", "3600,10000,20000",
		"comma-separated run sizes of the before contender instead of -journal.units: its bytes written grow with the square of the units "+
			"(~180 GB at 100,000), so it runs at sizes that show the curve, and the report extrapolates")
	journalDir = flag.String("journal.dir", "",
		"directory for BenchmarkJournal's journal files (default: the system's temporary directory); it must be on a real disk, not tmpfs")
)

// journalRounds numbers each contender and size's rounds in this process.
var journalRounds = map[string]int{}

// BenchmarkJournal (issue 20.4) replays a run's journal traffic
// (journalproc.Traffic: per unit a read, a removal's intent and outcome in
// PATCHes of 50, a wait outcome, an offboarding's intent and outcome in
// $batch requests of 20 from 16 goroutines, every 50th unit a single
// outcome from the run's goroutine; 20 ms per request) into each contender,
// each replay in a child process (under strace when it can), at 3,600 and
// 100,000 units (the before contender at 3,600, 10,000 and 20,000: see
// -journal.before-units). Run it with -benchtime 1x: every iteration is a
// replay.
func BenchmarkJournal(b *testing.B) {
	withStrace := journalproc.StraceUsable()
	if !withStrace {
		b.Log("strace (with --seccomp-bpf) is not usable here: fsyncs are the journals' own counts, and none for bbolt")
	}
	sizes := func(flag, list string) []int {
		var out []int
		for _, s := range strings.Split(list, ",") {
			units, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				b.Fatalf("-%s: %v", flag, err)
			}
			out = append(out, units)
		}
		return out
	}
	all, before := sizes("journal.units", *journalUnits), sizes("journal.before-units", *journalBeforeUnits)
	runs := func(units int, contender string) bool {
		if contender == journaldata.Before {
			return slices.Contains(before, units)
		}
		return slices.Contains(all, units)
	}
	every := slices.Concat(all, before)
	slices.Sort(every)
	for _, units := range slices.Compact(every) {
		for _, contender := range strings.Split(*journalContenders, ",") {
			if !runs(units, contender) {
				continue
			}
			b.Run(fmt.Sprintf("units=%d/%s", units, contender), func(b *testing.B) {
				var r journaldata.Run
				for b.Loop() {
					b.StopTimer()
					r = runJournalCase(b, contender, journalproc.DefaultTraffic(units), withStrace)
					b.StartTimer()
				}
				b.ReportMetric(r.PerUnit(float64(r.FsyncCalls())), "fsyncs/unit")
				b.ReportMetric(r.PerUnit(float64(r.WriteBytes)), "written-B/unit")
				b.ReportMetric(r.PerUnit(float64(r.PeakRSS)), "peak-RSS-B/unit")
				b.ReportMetric(float64(r.Load.Milliseconds()), "load-ms")
				b.ReportMetric(float64(r.LoadOpen.Milliseconds()), "load-unfinished-ms")
				b.ReportMetric(r.Wall.Seconds(), "replay-s")
			})
		}
	}
}

// runJournalCase replays traffic into contender in a child process and
// returns its record, written to -journal.out when set.
func runJournalCase(b testing.TB, contender string, traffic journalproc.Traffic, withStrace bool) journaldata.Run {
	parent, err := os.MkdirTemp(*journalDir, "journal-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(parent)
	dir := filepath.Join(parent, "j")
	if err := os.Mkdir(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	key := fmt.Sprint(traffic.Units, contender)
	journalRounds[key]++
	r, err := journalproc.Run(b.Context(), journalproc.Config{Contender: contender, Traffic: traffic, Dir: dir, Round: journalRounds[key]}, withStrace)
	if err != nil {
		b.Fatal(err)
	}
	if _, bench := b.(*testing.B); bench && *journalOut != "" {
		if err := journaldata.Write(*journalOut, &r); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

// Every contender replays a small run in a child process and loads it
// back whole (go test's check that the benchmark works).
func TestJournalContenders(t *testing.T) {
	for _, contender := range journaldata.Contenders {
		t.Run(contender, func(t *testing.T) {
			traffic := journalproc.DefaultTraffic(300)
			traffic.Latency = 0
			r := runJournalCase(t, contender, traffic, false)
			if r.LoadOpenEntries != r.Entries {
				t.Errorf("the unfinished run loaded %d entries of %d", r.LoadOpenEntries, r.Entries)
			}
			if r.LoadEntries == 0 || r.LoadEntries > r.Entries {
				t.Errorf("the finished run loaded %d entries of %d", r.LoadEntries, r.Entries)
			}
			if r.WriteBytes <= 0 && r.FS != "tmpfs" {
				t.Errorf("no bytes written on %s", r.FS)
			}
		})
	}
}
