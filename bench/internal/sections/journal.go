package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/journaldata"
)

// Issue 20.4's targets for the file journal, per unit of a run.
const (
	maxFsyncsPerUnit  = 0.5
	maxWrittenPerUnit = 64 << 10
	maxLoad           = 5 * time.Second
	// The CLI's budget: the whole process ≤ 64 MiB + 4 KiB per unit.
	rssBase, rssPerUnit = 64 << 20, 4 << 10
)

// runJournal prints the journal section's tables from BenchmarkJournal's
// records.
func runJournal(w io.Writer, in string) error {
	runs, err := journaldata.ReadAll(in)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("no journal-*.json records in %s", in)
	}
	writeJournalTable(w, runs)
	writeBeforeAfter(w, runs)
	fmt.Fprintln(w, "| Target (filejournal) | Measured | |")
	fmt.Fprintln(w, "|---|--:|---|")
	for _, t := range journalTargets(runs) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.measured, metMissed(t.met))
	}
	writeStraceCheck(w, runs)
	return nil
}

// floorOf returns the floor's run of the same size and round, or nil.
func floorOf(runs []journaldata.Run, r *journaldata.Run) *journaldata.Run {
	for i := range runs {
		if f := &runs[i]; f.Contender == journaldata.Floor && f.Units == r.Units && f.Round == r.Round {
			return f
		}
	}
	return nil
}

// ratio formats a / b as "1.23×", or "—".
func ratio(a, b float64) string {
	if b <= 0 || a < 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// perUnitBytes formats bytes per unit: B below 10 KiB, else KiB.
func perUnitBytes(v float64) string {
	if v < 10<<10 {
		return fmt.Sprintf("%s B", thousands(int64(v+0.5)))
	}
	return fmt.Sprintf("%.1f KiB", v/1024)
}

// loadCell formats a load: its wall and CPU time and the entries read.
func loadCell(wall, cpu time.Duration, entries int) string {
	return fmt.Sprintf("%s / %s CPU (%s entries)", duration(wall), duration(cpu), thousands(int64(entries)))
}

func writeJournalTable(w io.Writer, runs []journaldata.Run) {
	fmt.Fprintln(w, "| Units | Contender | Replay | fsync-family calls per unit | × floor | Written to disk per unit | × floor | File at the end per unit | Peak RSS per unit | Peak heap per unit | Load, unfinished run (resume) | Load, finished run (status) |")
	fmt.Fprintln(w, "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for i := range runs {
		r := &runs[i]
		fl := floorOf(runs, r)
		fsyncRatio, bytesRatio := "—", "—"
		if fl != nil && r != fl {
			fsyncRatio = ratio(float64(r.FsyncCalls()), float64(fl.FsyncCalls()))
			bytesRatio = ratio(float64(r.WriteBytes), float64(fl.WriteBytes))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.3f (%s) | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			thousands(int64(r.Units)), r.Contender, seconds(r.Wall), r.PerUnit(float64(r.FsyncCalls())), thousands(r.FsyncCalls()), fsyncRatio,
			perUnitBytes(r.PerUnit(float64(r.WriteBytes))), bytesRatio, perUnitBytes(r.PerUnit(float64(r.FileBytes))),
			perUnitBytes(r.PerUnit(float64(r.PeakRSS))), perUnitBytes(r.PerUnit(float64(r.PeakHeap))),
			loadCell(r.LoadOpen, r.LoadOpenCPU, r.LoadOpenEntries), loadCell(r.Load, r.LoadCPU, r.LoadEntries))
	}
	fmt.Fprintln(w)
}

// writeBeforeAfter compares filejournal with the before store at each
// size both ran, and extrapolates the before store to the sizes only
// filejournal ran (bytes per unit grow linearly with the units: a
// least-squares line through the before store's sizes).
func writeBeforeAfter(w io.Writer, runs []journaldata.Run) {
	var before, after []*journaldata.Run
	for i := range runs {
		switch runs[i].Contender {
		case journaldata.Before:
			before = append(before, &runs[i])
		case journaldata.FileJournal:
			after = append(after, &runs[i])
		}
	}
	if len(before) == 0 || len(after) == 0 {
		return
	}
	fmt.Fprintln(w, "Before (the CLI's bbolt store) and after (filejournal), same traffic:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Units | fsync-family calls per unit, before → after | Written per unit, before → after | Load of the unfinished run, before → after |")
	fmt.Fprintln(w, "|--:|--:|--:|--:|")
	slope, icept, fitted := fitBytes(before)
	find := func(runs []*journaldata.Run, units int) *journaldata.Run {
		for _, r := range runs {
			if r.Units == units {
				return r
			}
		}
		return nil
	}
	var sizes []int
	for _, r := range slices.Concat(before, after) {
		sizes = append(sizes, r.Units)
	}
	slices.Sort(sizes)
	for _, units := range slices.Compact(sizes) {
		b, a := find(before, units), find(after, units)
		switch {
		case b != nil && a != nil:
			fmt.Fprintf(w, "| %s | %.3f → %.3f (%s fewer) | %s → %s (%s less) | %s → %s |\n", thousands(int64(units)),
				b.PerUnit(float64(b.FsyncCalls())), a.PerUnit(float64(a.FsyncCalls())), ratio(float64(b.FsyncCalls()), float64(a.FsyncCalls())),
				perUnitBytes(b.PerUnit(float64(b.WriteBytes))), perUnitBytes(a.PerUnit(float64(a.WriteBytes))), ratio(float64(b.WriteBytes), float64(a.WriteBytes)),
				duration(b.LoadOpen), duration(a.LoadOpen))
		case b != nil:
			fmt.Fprintf(w, "| %s | %.3f → (not run) | %s → (not run) | %s → — |\n", thousands(int64(units)),
				b.PerUnit(float64(b.FsyncCalls())), perUnitBytes(b.PerUnit(float64(b.WriteBytes))), duration(b.LoadOpen))
		case fitted:
			est := icept + slope*float64(units)
			var fs float64
			for _, x := range before {
				fs += x.PerUnit(float64(x.FsyncCalls()))
			}
			fs /= float64(len(before))
			fmt.Fprintf(w, "| %s | ~%.3f (not run) → %.3f | ~%s (not run: ~%.0f GB in all) → %s (~%s less) | — → %s |\n", thousands(int64(units)),
				fs, a.PerUnit(float64(a.FsyncCalls())), perUnitBytes(est), est*float64(units)/1e9,
				perUnitBytes(a.PerUnit(float64(a.WriteBytes))), ratio(est*float64(units), float64(a.WriteBytes)), duration(a.LoadOpen))
		}
	}
	fmt.Fprintln(w)
	if fitted {
		fmt.Fprintf(w, "The before store writes ~%.1f bytes more per unit for every unit of the run (a least-squares line through its %d sizes: %s + %.2f × units bytes per unit), so its bytes written grow with the square of the units; the rows marked \"not run\" are that line's value.\n\n",
			slope, len(before), thousands(int64(icept+0.5)), slope)
	}
}

// fitBytes fits written bytes per unit = icept + slope × units through
// the runs (least squares); fitted is false with fewer than two sizes.
func fitBytes(runs []*journaldata.Run) (slope, icept float64, fitted bool) {
	sizes := map[int]bool{}
	var sx, sy, sxx, sxy float64
	for _, r := range runs {
		x, y := float64(r.Units), r.PerUnit(float64(r.WriteBytes))
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		sizes[r.Units] = true
	}
	n := float64(len(runs))
	if len(sizes) < 2 {
		return 0, 0, false
	}
	slope = (n*sxy - sx*sy) / (n*sxx - sx*sx)
	return slope, (sy - slope*sx) / n, true
}

// journalTargets checks filejournal's runs against issue 20.4's targets.
func journalTargets(runs []journaldata.Run) []throttleTarget {
	var out []throttleTarget
	for i := range runs {
		r := &runs[i]
		if r.Contender != journaldata.FileJournal {
			continue
		}
		at := fmt.Sprintf(" (%s units)", thousands(int64(r.Units)))
		fs, wb := r.PerUnit(float64(r.FsyncCalls())), r.PerUnit(float64(r.WriteBytes))
		budget := int64(rssBase + rssPerUnit*r.Units)
		out = append(out,
			throttleTarget{"fsync-family calls per unit ≤ 0.5" + at, fmt.Sprintf("%.3f", fs), fs <= maxFsyncsPerUnit},
			throttleTarget{"written to disk per unit ≤ 64 KiB" + at, perUnitBytes(wb), wb <= maxWrittenPerUnit},
			throttleTarget{"the replay's whole process, loads included, within the CLI's budget of 64 MiB + 4 KiB per unit" + at,
				fmt.Sprintf("%s of %s", mib(r.MaxRSS), mib(budget)), r.MaxRSS <= budget},
		)
		if r.Units >= 100000 {
			out = append(out,
				throttleTarget{"resume's load (unfinished run) ≤ 5 s" + at, fmt.Sprintf("%s (%s CPU, load average %.1f)", duration(r.LoadOpen), duration(r.LoadOpenCPU), r.LoadAvg), r.LoadOpen <= maxLoad},
				throttleTarget{"status's load (finished run, read-only) ≤ 5 s" + at, fmt.Sprintf("%s (%s CPU)", duration(r.Load), duration(r.LoadCPU)), r.Load <= maxLoad},
			)
		}
	}
	return out
}

// writeStraceCheck compares the journals' own fsync counts with strace's.
func writeStraceCheck(w io.Writer, runs []journaldata.Run) {
	var parts []string
	for i := range runs {
		r := &runs[i]
		if r.Syncs < 0 || r.StraceSyncs == nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s at %s units: %s counted, %s by strace", r.Contender, thousands(int64(r.Units)), thousands(r.Syncs), thousands(r.FsyncCalls())))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "\nfsync-family calls, the journal's own count against strace's: %s.\n", strings.Join(parts, "; "))
	}
}
