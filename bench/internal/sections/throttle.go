package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/throttledata"
)

// Targets of issue 15.5 for the adaptive scheduler at each limit, and
// without throttling against the fixed one.
const (
	minShareOfLimit   = 0.90
	maxThrottledShare = 0.05
)

// runThrottle prints the throttled-bulk section's tables and writes its
// plots.
func runThrottle(w io.Writer, in, svgDir, svgRef string) error {
	runs, err := throttledata.ReadAll(in)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("no throttle-*.json records in %s", in)
	}
	rounds := 1
	for _, r := range runs {
		rounds = max(rounds, r.Round)
	}
	roundCol, roundSep := "", ""
	if rounds > 1 {
		roundCol, roundSep = " Run |", "--:|"
	}
	fmt.Fprintln(w, "| Limit (items/s, burst) |"+roundCol+" Contender | Units | Wall | Ideal wall | Items/s | % of limit | Throttled item attempts | Failed (of which 429) |")
	fmt.Fprintln(w, "|---|"+roundSep+"---|--:|--:|--:|--:|--:|--:|--:|")
	for i := range runs {
		r := &runs[i]
		round := ""
		if rounds > 1 {
			round = fmt.Sprintf(" %d |", r.Round)
		}
		limit, pct, ideal, throttled := "none", "—", "—", "— (off)"
		if d := r.IdealWall(); d > 0 {
			ideal = seconds(d)
		}
		if r.Limit > 0 {
			limit = fmt.Sprintf("%g/s, %d", r.Limit, r.Burst)
			pct = fmt.Sprintf("%.1f%%", 100*r.Rate()/r.Limit)
			throttled = fmt.Sprintf("%.2f%% (%s of %s)", 100*r.ThrottledFraction(), thousands(r.Throttled), thousands(r.Admitted+r.Throttled))
		}
		fmt.Fprintf(w, "| %s |%s %s | %s | %s | %s | %s | %s | %s | %s (%s) |\n", limit, round, r.Contender, thousands(int64(r.Units)),
			seconds(r.Wall), ideal, rate(r.Rate()), pct, throttled, thousands(int64(r.Failed)), thousands(int64(r.FailedThrottled)))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Targets (adaptive): at each limit ≥ 90% of the limit, ≤ 5% of item attempts throttled, no unit failed")
	fmt.Fprintln(w, "for throttling; without throttling, at least the fixed scheduler's throughput.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Target | Measured | |")
	fmt.Fprintln(w, "|---|--:|---|")
	for _, t := range throttleTargets(runs) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.measured, metMissed(t.met))
	}
	plots, err := writePlots(runs, svgDir)
	if err != nil {
		return err
	}
	for _, p := range plots {
		fmt.Fprintf(w, "\n![%s](%s)\n", p.alt, svgRef+filepath.Base(p.file))
	}
	return nil
}

// throttleTarget is one target and how the run did.
type throttleTarget struct {
	name, measured string
	met            bool
}

// throttleTargets checks the adaptive runs against the targets, per
// round when there are several.
func throttleTargets(runs []throttledata.Run) []throttleTarget {
	var out []throttleTarget
	multi := false
	for _, r := range runs {
		multi = multi || r.Round > 1
	}
	label := func(r *throttledata.Run, what string) string {
		l := "no throttling"
		if r.Limit > 0 {
			l = fmt.Sprintf("%g/s", r.Limit)
		}
		if multi {
			l += fmt.Sprintf(" (run %d)", r.Round)
		}
		return l + ": " + what
	}
	free := map[int]map[string]*throttledata.Run{} // round → contender
	for i := range runs {
		r := &runs[i]
		switch {
		case r.Limit <= 0:
			if free[r.Round] == nil {
				free[r.Round] = map[string]*throttledata.Run{}
			}
			free[r.Round][r.Contender] = r
		case r.Contender == "adaptive":
			share := r.Rate() / r.Limit
			out = append(out,
				throttleTarget{label(r, "items/s ≥ 90% of the limit"), fmt.Sprintf("%.1f%%", 100*share), share >= minShareOfLimit},
				throttleTarget{label(r, "≤ 5% of item attempts throttled"), fmt.Sprintf("%.2f%%", 100*r.ThrottledFraction()), r.ThrottledFraction() <= maxThrottledShare},
				throttleTarget{label(r, "no unit failed for throttling"), thousands(int64(r.FailedThrottled)), r.FailedThrottled == 0})
		}
	}
	for round := 1; round <= len(free); round++ {
		a, f := free[round]["adaptive"], free[round]["fixed"]
		if a == nil || f == nil {
			continue
		}
		out = append(out, throttleTarget{label(a, "adaptive items/s ≥ fixed's"),
			fmt.Sprintf("%s against %s (%.2f×)", rate(a.Rate()), rate(f.Rate()), a.Rate()/f.Rate()), a.Rate() >= f.Rate()})
	}
	return out
}

func metMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// seconds formats d as seconds, one decimal.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// rate formats items per second.
func rate(v float64) string {
	if v >= 100 {
		return thousands(int64(v + 0.5))
	}
	return fmt.Sprintf("%.1f", v)
}

// thousands formats n with commas: 10,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ensureDir makes dir.
func ensureDir(dir string) error { return os.MkdirAll(dir, 0o755) }
