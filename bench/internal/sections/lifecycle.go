package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/lifecycledata"
)

// maxRunRequestsPerUnit is issue 14.11's target for the SDK's run.
const maxRunRequestsPerUnit = 0.3

// runLifecycle prints the offboarding-run section's tables from
// BenchmarkOffboardRun's records.
func runLifecycle(w io.Writer, in string) error {
	runs, err := lifecycledata.ReadAll(in)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("no lifecycle-*.json records in %s", in)
	}
	rounds := 1
	for _, r := range runs {
		rounds = max(rounds, r.Round)
	}
	roundCol, roundSep := "", ""
	if rounds > 1 {
		roundCol, roundSep = " Run |", "--:|"
	}
	fmt.Fprintln(w, "| Contender |"+roundCol+" Units | In flight | Wall | HTTP requests | Requests per unit | By route | `$batch` items | Offboarded | Failed |")
	fmt.Fprintln(w, "|---|"+roundSep+"--:|--:|--:|--:|--:|---|---|--:|--:|")
	for i := range runs {
		r := &runs[i]
		round := ""
		if rounds > 1 {
			round = fmt.Sprintf(" %d |", r.Round)
		}
		inFlight := "SDK's scheduler"
		if r.InFlight > 0 {
			inFlight = fmt.Sprint(r.InFlight)
		}
		items := "—"
		if r.TotalItems() > 0 {
			items = byRoute(r.Items)
		}
		fmt.Fprintf(w, "| %s |%s %s | %s | %s | %s | %.3f | %s | %s | %s | %s |\n", r.Contender, round, thousands(int64(r.Units)), inFlight,
			seconds(r.Wall), thousands(int64(r.TotalRequests())), r.RequestsPerUnit(), byRoute(r.Requests), items,
			thousands(int64(r.Offboarded)), thousands(int64(r.Failed)))
	}
	fmt.Fprintln(w)
	for i := range runs {
		r := &runs[i]
		if r.Contender != lifecycledata.SDKRun || len(r.Stages) == 0 {
			continue
		}
		var parts []string
		for _, s := range r.Stages {
			part := fmt.Sprintf("%s %s", s.Name, duration(s.Took))
			if len(s.Rounds) > 0 {
				ends := make([]string, len(s.Rounds))
				for i, d := range s.Rounds {
					ends[i] = duration(d)
				}
				part += fmt.Sprintf(" (%d poll rounds, ending at %s)", len(s.Rounds), strings.Join(ends, ", "))
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "Stages of the run (round %d), in order: %s.", r.Round, strings.Join(parts, ", "))
		if polls := r.Items["get"] - r.Units; polls > 0 {
			fmt.Fprintf(w, " Its `$batch` GET items beyond one read per unit (polls, and any read sent again): %s, %.1f per unit.",
				thousands(int64(polls)), float64(polls)/float64(r.Units))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "| Target | Measured | |")
	fmt.Fprintln(w, "|---|--:|---|")
	for _, t := range lifecycleTargets(runs) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.measured, metMissed(t.met))
	}
	for i := range runs {
		for _, e := range runs[i].FirstErrors {
			fmt.Fprintf(w, "\nA failure (%s, round %d): `%s`\n", runs[i].Contender, runs[i].Round, e)
		}
	}
	return nil
}

// lifecycleTargets are issue 14.11's targets, per round: the run's
// requests per unit, every unit offboarded by both, and the wall time
// against the per-unit contender's.
func lifecycleTargets(runs []lifecycledata.Run) []throttleTarget {
	var out []throttleTarget
	byRound := map[int]map[string]*lifecycledata.Run{}
	var rounds []int
	for i := range runs {
		r := &runs[i]
		if byRound[r.Round] == nil {
			byRound[r.Round] = map[string]*lifecycledata.Run{}
			rounds = append(rounds, r.Round)
		}
		byRound[r.Round][r.Contender] = r
	}
	slices.Sort(rounds)
	for _, round := range rounds {
		suffix := ""
		if len(rounds) > 1 {
			suffix = fmt.Sprintf(" (round %d)", round)
		}
		run, per := byRound[round][lifecycledata.SDKRun], byRound[round][lifecycledata.PerUnit]
		if run != nil {
			out = append(out, throttleTarget{
				name:     fmt.Sprintf("run: HTTP requests per unit, polls included, ≤ %.1f%s", maxRunRequestsPerUnit, suffix),
				measured: fmt.Sprintf("%.3f (%s requests, %s units)", run.RequestsPerUnit(), thousands(int64(run.TotalRequests())), thousands(int64(run.Units))),
				met:      run.RequestsPerUnit() <= maxRunRequestsPerUnit,
			})
		}
		for _, r := range []*lifecycledata.Run{run, per} {
			if r != nil {
				out = append(out, throttleTarget{
					name:     fmt.Sprintf("%s: every unit offboarded%s", r.Contender, suffix),
					measured: fmt.Sprintf("%s of %s", thousands(int64(r.Offboarded)), thousands(int64(r.Units))),
					met:      r.Failed == 0 && r.Offboarded == r.Units,
				})
			}
		}
		if run != nil && per != nil && run.Wall > 0 {
			out = append(out, throttleTarget{
				name: "run: wall time below per-unit's" + suffix,
				measured: fmt.Sprintf("%s against %s (%.1f× faster; %.1f× fewer requests)", seconds(run.Wall), seconds(per.Wall),
					per.Wall.Seconds()/run.Wall.Seconds(), float64(per.TotalRequests())/float64(max(1, run.TotalRequests()))),
				met: run.Wall < per.Wall,
			})
		}
	}
	return out
}

// byRoute writes counts by route, largest first: "batch 1,001, policyPatch 102".
func byRoute(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %s", k, thousands(int64(m[k])))
	}
	return strings.Join(parts, ", ")
}

// duration formats a stage's duration: milliseconds below a second.
func duration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
