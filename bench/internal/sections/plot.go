package main

// The plots are written by hand, as SVG text: two step charts with axes
// and a legend need a few dozen elements, and a plotting library (gonum's
// plot and its font and image dependencies) would be most of the bench
// module's dependencies for them.

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/throttledata"
)

// plot is one written SVG file.
type plot struct {
	file, alt string
}

// plotColors are the contenders' line colours.
var plotColors = map[string]string{"adaptive": "#1f77b4", "fixed": "#d95f02"}

// plotContenders are the contenders plotted, in legend order.
var plotContenders = []string{"adaptive", "fixed"}

// writePlots writes throttle-<limit>.svg into dir for every throttled
// limit with an adaptive or fixed run (of the first round, when there are
// several).
func writePlots(runs []throttledata.Run, dir string) ([]plot, error) {
	byLimit := map[float64][]*throttledata.Run{}
	var limits []float64
	for i := range runs {
		r := &runs[i]
		if r.Limit <= 0 || plotColors[r.Contender] == "" || len(r.Series) == 0 || r.Round > 1 {
			continue
		}
		if _, ok := byLimit[r.Limit]; !ok {
			limits = append(limits, r.Limit)
		}
		byLimit[r.Limit] = append(byLimit[r.Limit], r)
	}
	if len(limits) == 0 {
		return nil, nil
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	var out []plot
	for _, limit := range limits {
		svg := renderPlot(limit, byLimit[limit])
		file := filepath.Join(dir, fmt.Sprintf("throttle-%g.svg", limit))
		if err := os.WriteFile(file, []byte(svg), 0o644); err != nil {
			return nil, err
		}
		out = append(out, plot{file: file, alt: fmt.Sprintf("Achieved rate and throttled share over time at %g items/s, adaptive against fixed", limit)})
	}
	return out, nil
}

// point is one sample of a run, over [t0, t1] seconds since its start;
// valid is false for an interval without attempts (throttled share) or
// too little of it inside the run.
type point struct {
	t0, t1 float64
	rate   float64 // admitted per second
	share  float64 // throttled / attempts
	hasAtt bool
}

// runPoints turns a run's series into points, clipped to the run.
func runPoints(r *throttledata.Run) []point {
	iv := r.Interval.Seconds()
	wall := r.Wall.Seconds()
	var pts []point
	for _, s := range r.Series {
		t0 := s.Start.Sub(r.Start).Seconds()
		t1 := t0 + iv
		c0, c1 := math.Max(t0, 0), math.Min(t1, wall)
		if c1-c0 < 0.25*iv {
			continue // mostly outside the run: its rate would be noise
		}
		p := point{t0: c0, t1: c1, rate: float64(s.Admitted) / (c1 - c0)}
		if n := s.Admitted + s.Throttled; n > 0 {
			p.share, p.hasAtt = float64(s.Throttled)/float64(n), true
		}
		pts = append(pts, p)
	}
	return pts
}

// Geometry of the plot, in SVG user units.
const (
	plotW        = 760
	plotLeft     = 64
	plotRight    = 150 // room for the legend
	plotTop      = 44
	rateH        = 200
	panelGap     = 48
	shareH       = 110
	plotBottom   = 40
	plotH        = plotTop + rateH + panelGap + shareH + plotBottom
	shareTop     = plotTop + rateH + panelGap
	plotInnerW   = plotW - plotLeft - plotRight
	legendX      = plotW - plotRight + 16
	axisFontSize = 11
)

// renderPlot draws the achieved rate and the throttled share over time of
// the runs at one limit.
func renderPlot(limit float64, runs []*throttledata.Run) string {
	pts := map[string][]point{}
	var tMax, rMax float64
	var units int
	var latency time.Duration
	burst := 0
	for _, r := range runs {
		p := runPoints(r)
		pts[r.Contender] = p
		tMax = math.Max(tMax, r.Wall.Seconds())
		for _, q := range p {
			rMax = math.Max(rMax, q.rate)
		}
		units, latency, burst = r.Units, r.Latency, r.Burst
	}
	xTicks := niceTicks(tMax)
	tEnd := xTicks[len(xTicks)-1]
	rTicks := niceTicks(math.Max(rMax, 1.25*limit))
	rEnd := rTicks[len(rTicks)-1]
	x := func(t float64) float64 { return plotLeft + t/tEnd*plotInnerW }
	yRate := func(v float64) float64 { return plotTop + rateH - v/rEnd*rateH }
	yShare := func(v float64) float64 { return shareTop + shareH - v*shareH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="%d">`+"\n",
		plotW, plotH, plotW, plotH, axisFontSize)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	title := fmt.Sprintf("CancelOffboardAll, %s units, limit %g items/s (burst %d), %g ms per request", thousands(int64(units)), limit, burst, float64(latency)/float64(time.Millisecond))
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="13" font-weight="bold">%s</text>`+"\n", plotLeft, html.EscapeString(title))

	// Panels: frames, grid, axis labels.
	panel := func(top, h float64, yTicks []float64, y func(float64) float64, label func(float64) string, name string) {
		fmt.Fprintf(&b, `<rect x="%d" y="%g" width="%d" height="%g" fill="none" stroke="#999"/>`+"\n", plotLeft, top, plotInnerW, h)
		for _, v := range yTicks {
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`+"\n", plotLeft, y(v), plotLeft+plotInnerW, y(v))
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", plotLeft-6, y(v), label(v))
		}
		for _, t := range xTicks {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#e5e5e5"/>`+"\n", x(t), top, x(t), top+h)
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%g</text>`+"\n", x(t), top+h+14, t)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%g" font-size="12">%s</text>`+"\n", plotLeft, top-8, html.EscapeString(name))
	}
	panel(plotTop, rateH, rTicks, yRate, func(v float64) string { return fmt.Sprintf("%g", v) }, "admitted items/s (the emulator's count per interval)")
	panel(shareTop, shareH, []float64{0, 0.25, 0.5, 0.75, 1}, yShare, func(v float64) string { return fmt.Sprintf("%g%%", 100*v) },
		"throttled share of item attempts")
	fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="middle">seconds since the call began</text>`+"\n", plotLeft+plotInnerW/2.0, plotH-8)

	// The limit.
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#555" stroke-dasharray="5,4"/>`+"\n",
		plotLeft, yRate(limit), plotLeft+plotInnerW, yRate(limit))
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#555">limit %g/s</text>`+"\n", plotLeft+plotInnerW-4, yRate(limit)-5, limit)

	// The series, as steps: one value per interval.
	for _, name := range plotContenders {
		p, ok := pts[name]
		if !ok {
			continue
		}
		color := plotColors[name]
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.6"/>`+"\n",
			steps(p, x, func(q point) (float64, bool) { return yRate(q.rate), true }), color)
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.6"/>`+"\n",
			steps(p, x, func(q point) (float64, bool) { return yShare(q.share), q.hasAtt }), color)
	}

	// Legend.
	ly := plotTop + 24
	for _, name := range plotContenders {
		r := findRun(runs, name)
		if r == nil {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", legendX, ly, legendX+18, ly, plotColors[name])
		fmt.Fprintf(&b, `<text x="%d" y="%d" dominant-baseline="middle">%s</text>`+"\n", legendX+24, ly, name)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%.0f items/s, %.1f s</text>`+"\n", legendX+24, ly+15, r.Rate(), r.Wall.Seconds())
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%.1f%% throttled</text>`+"\n", legendX+24, ly+29, 100*r.ThrottledFraction())
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%d failed</text>`+"\n", legendX+24, ly+43, r.Failed)
		ly += 64
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// steps returns the path of a step chart: each point's value held over its
// interval, a new subpath after a gap or a point without a value.
func steps(pts []point, x func(float64) float64, y func(point) (float64, bool)) string {
	var b strings.Builder
	open := false
	lastT := math.Inf(-1)
	for _, p := range pts {
		v, ok := y(p)
		if !ok {
			open = false
			continue
		}
		if !open || p.t0-lastT > 1e-6 {
			fmt.Fprintf(&b, "M%.1f %.1f", x(p.t0), v)
		} else {
			fmt.Fprintf(&b, "V%.1f", v)
		}
		fmt.Fprintf(&b, "H%.1f", x(p.t1))
		open, lastT = true, p.t1
	}
	if b.Len() == 0 {
		return "M0 0"
	}
	return b.String()
}

func findRun(runs []*throttledata.Run, name string) *throttledata.Run {
	for _, r := range runs {
		if r.Contender == name {
			return r
		}
	}
	return nil
}

// niceTicks returns 0, step, 2·step, … up to the first tick ≥ max, with a
// step of 1, 2 or 5 × 10^k giving four to eight ticks.
func niceTicks(max float64) []float64 {
	if !(max > 0) {
		max = 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for i := 0; ; i++ {
		v := float64(i) * step
		ticks = append(ticks, v)
		if v >= max {
			return ticks
		}
	}
}
