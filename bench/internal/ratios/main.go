// Command ratios turns the raw output of the bench benchmarks and the cold
// build measurements of report.sh into the Markdown ratio tables of
// BENCHMARKS.md: medians per contender, ours/floor, msgraph/ours, and the
// targets of issue 7; and, from a separate run, the emulator listing and
// bulk cancel tables with the targets of issues 4 and 5.
//
//	go run ./internal/ratios -bench bench.txt [-build build.tsv]
//	go run ./internal/ratios -emulator emu.txt
//
// bench.txt is `go test -bench` output (any -count). emu.txt is the same
// for BenchmarkListEmulator10000 and BenchmarkBulkCancel. build.tsv has one line
// per build: program, elapsed time as GNU time prints it ([h:]m:ss[.cc]),
// CPU seconds (user + system), peak RSS in KiB and binary size in bytes,
// tab-separated; several lines for one program are summarised by their
// median.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Contenders in column order. The decode benchmark names its floor
// "encoding-json"; it is reported in the floor column.
var contenders = []string{"floor", "backuprestore", "msgraph"}

var aliases = map[string]string{"encoding-json": "floor"}

// Benchmarks in row order, and the metrics reported for each.
var (
	benchOrder = []string{"CancelOffboard", "DecodeUnit", "OperationNotAllowed", "List10000", "CancelOffboardParallel64"}
	metrics    = []string{"ns/op", "cpu-ns/op", "B/op", "allocs/op", "ns/unit", "allocs/unit"}
)

// target is one threshold of issue 7 on ours/floor.
type target struct {
	bench, metric string
	max           float64
}

var benchTargets = []target{
	{"CancelOffboard", "ns/op", 1.3},
	{"CancelOffboard", "allocs/op", 2},
	{"DecodeUnit", "ns/op", 1.5},
}

// Cold-build targets: ours ≤ 1.2× the Kiota + azidentity program, and
// msgraph-sdk-go's build at least 7× slower than ours.
const (
	maxOursOverKiota   = 1.2
	minMsgraphOverOurs = 7
)

// Targets of the emulator listing (ours ≤ 1.3× the floor's ns/unit, at
// every page size) and of bulk cancel (≥ 25× the throughput of a loop of
// single calls).
const (
	maxEmulatorListOverFloor = 1.3
	minBulkOverLoop          = 25
)

func main() {
	benchFile := flag.String("bench", "", "raw `go test -bench` output")
	buildFile := flag.String("build", "", "cold build measurements (TSV)")
	emuFile := flag.String("emulator", "", "raw `go test -bench` output of BenchmarkListEmulator10000 and BenchmarkBulkCancel")
	flag.Parse()
	if (*benchFile == "") == (*emuFile == "") || (*emuFile != "" && *buildFile != "") {
		fmt.Fprintln(os.Stderr, "usage: ratios -bench bench.txt [-build build.tsv] | ratios -emulator emu.txt")
		os.Exit(2)
	}
	var err error
	if *emuFile != "" {
		err = runEmulator(os.Stdout, *emuFile)
	} else {
		err = run(os.Stdout, *benchFile, *buildFile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, benchFile, buildFile string) error {
	res, err := parseBenchFile(benchFile)
	if err != nil {
		return err
	}
	writeBench(w, res)
	if buildFile == "" {
		return nil
	}
	g, err := os.Open(buildFile)
	if err != nil {
		return err
	}
	defer g.Close()
	builds, err := parseBuilds(g)
	if err != nil {
		return err
	}
	writeBuilds(w, builds)
	return nil
}

// results maps benchmark → contender → metric → samples.
type results map[string]map[string]map[string][]float64

var benchLine = regexp.MustCompile(`^Benchmark([^/\s]+)/([^\s]+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseBenchFile is parseBench on the file at path.
func parseBenchFile(path string) (results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseBench(f)
}

func parseBench(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		bench, who := m[1], m[2]
		if a, ok := aliases[who]; ok {
			who = a
		}
		fields := strings.Fields(m[3])
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("odd value/unit pairs in %q", sc.Text())
		}
		for i := 0; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			if res[bench] == nil {
				res[bench] = map[string]map[string][]float64{}
			}
			if res[bench][who] == nil {
				res[bench][who] = map[string][]float64{}
			}
			res[bench][who][fields[i+1]] = append(res[bench][who][fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no benchmark results")
	}
	return res, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// get returns the median of a metric, and whether it was measured.
func (r results) get(bench, who, metric string) (float64, bool) {
	xs := r[bench][who][metric]
	return median(xs), len(xs) > 0
}

func ratio(a, b float64, okA, okB bool) string {
	if !okA || !okB || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// human formats a median in the metric's unit.
func human(v float64, metric string) string {
	switch metric {
	case "ns/op", "cpu-ns/op", "ns/unit":
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.2f s", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.2f ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.1f µs", v/1e3)
		}
		return fmt.Sprintf("%.0f ns", v)
	case "B/op":
		switch {
		case v >= 1<<20:
			return fmt.Sprintf("%.1f MiB", v/(1<<20))
		case v >= 1<<10:
			return fmt.Sprintf("%.1f KiB", v/(1<<10))
		}
		return fmt.Sprintf("%.0f B", v)
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func writeBench(w io.Writer, r results) {
	order := slices.Clone(benchOrder)
	for b := range r {
		if !slices.Contains(order, b) {
			order = append(order, b)
		}
	}
	fmt.Fprintln(w, "| Benchmark | Metric | floor | backuprestore | msgraph | ours/floor | msgraph/ours |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|")
	for _, b := range order {
		if r[b] == nil {
			continue
		}
		for _, m := range metrics {
			var cells []string
			vals := map[string]float64{}
			oks := map[string]bool{}
			seen := false
			for _, c := range contenders {
				v, ok := r.get(b, c, m)
				vals[c], oks[c] = v, ok
				seen = seen || ok
				if ok {
					cells = append(cells, human(v, m))
				} else {
					cells = append(cells, "–")
				}
			}
			if !seen {
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", b, m, strings.Join(cells, " | "),
				ratio(vals["backuprestore"], vals["floor"], oks["backuprestore"], oks["floor"]),
				ratio(vals["msgraph"], vals["backuprestore"], oks["msgraph"], oks["backuprestore"]))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Target (issue 7) | Measured | Result |")
	fmt.Fprintln(w, "|---|--:|---|")
	for _, t := range benchTargets {
		ours, ok1 := r.get(t.bench, "backuprestore", t.metric)
		floor, ok2 := r.get(t.bench, "floor", t.metric)
		if !ok1 || !ok2 || floor == 0 {
			fmt.Fprintf(w, "| %s %s ≤ %.1f× floor | – | not measured |\n", t.bench, t.metric, t.max)
			continue
		}
		fmt.Fprintf(w, "| %s %s ≤ %.1f× floor | %.2f× | %s |\n", t.bench, t.metric, t.max, ours/floor, verdict(ours/floor <= t.max))
	}
	fmt.Fprintln(w)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// build is the median measurement of one program's cold builds.
type build struct {
	runs    int
	seconds float64 // wall clock
	cpu     float64 // user + system
	rssKiB  float64
	bytes   float64
}

var buildOrder = []string{"raw", "kiota", "backuprestore", "msgraph"}

func parseBuilds(r io.Reader) (map[string]build, error) {
	samples := map[string][][4]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("build line %q: want 5 tab-separated fields", line)
		}
		secs, err := parseElapsed(f[1])
		if err != nil {
			return nil, err
		}
		cpu, err1 := strconv.ParseFloat(f[2], 64)
		rss, err2 := strconv.ParseFloat(f[3], 64)
		size, err3 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("build line %q: bad number", line)
		}
		samples[f[0]] = append(samples[f[0]], [4]float64{secs, cpu, rss, size})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := map[string]build{}
	for prog, ss := range samples {
		var t, c, m, s []float64
		for _, x := range ss {
			t, c, m, s = append(t, x[0]), append(c, x[1]), append(m, x[2]), append(s, x[3])
		}
		out[prog] = build{runs: len(ss), seconds: median(t), cpu: median(c), rssKiB: median(m), bytes: median(s)}
	}
	return out, nil
}

// parseElapsed reads GNU time's "Elapsed (wall clock) time": [h:]m:ss[.cc].
func parseElapsed(s string) (float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("elapsed time %q: want [h:]m:ss", s)
	}
	total := 0.0
	for _, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return 0, fmt.Errorf("elapsed time %q: %v", s, err)
		}
		total = total*60 + v
	}
	return total, nil
}

func writeBuilds(w io.Writer, b map[string]build) {
	fmt.Fprintln(w, "| Program | Runs | Cold build (wall) | CPU (user+sys) | Peak RSS | Binary |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|")
	for _, p := range buildOrder {
		x, ok := b[p]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %.1f s | %.1f s | %.0f MiB | %.1f MiB |\n", p, x.runs, x.seconds, x.cpu, x.rssKiB/1024, x.bytes/(1<<20))
	}
	fmt.Fprintln(w)
	ours, okO := b["backuprestore"]
	kiota, okK := b["kiota"]
	raw, okR := b["raw"]
	msg, okM := b["msgraph"]
	fmt.Fprintln(w, "| Ratio | Cold build (wall) | CPU | Peak RSS | Binary |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
	row := func(name string, a, c build, okA, okC bool) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", name, ratio(a.seconds, c.seconds, okA, okC),
			ratio(a.cpu, c.cpu, okA, okC), ratio(a.rssKiB, c.rssKiB, okA, okC), ratio(a.bytes, c.bytes, okA, okC))
	}
	row("ours/raw (floor)", ours, raw, okO, okR)
	row("ours/kiota (Kiota + azidentity)", ours, kiota, okO, okK)
	row("msgraph/ours", msg, ours, okM, okO)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Target (issue 7) | Measured | Result |")
	fmt.Fprintln(w, "|---|--:|---|")
	if okO && okK && kiota.seconds > 0 {
		r := ours.seconds / kiota.seconds
		fmt.Fprintf(w, "| cold build ≤ %.1f× the Kiota + azidentity program | %.2f× | %s |\n", maxOursOverKiota, r, verdict(r <= maxOursOverKiota))
	}
	if okO && okM && ours.seconds > 0 {
		r := msg.seconds / ours.seconds
		fmt.Fprintf(w, "| msgraph-sdk-go's cold build ≥ %d× ours | %.2f× | %s |\n", minMsgraphOverOurs, r, verdict(r >= minMsgraphOverOurs))
	}
	if okO && okK && okR {
		// The stdlib (net/http, crypto/tls, …) is rebuilt by every cold
		// build; the part above the raw program is what each library adds.
		fmt.Fprintf(w, "\nWall time above the raw program (the standard library every cold build compiles): kiota +%.1f s, backuprestore +%.1f s", kiota.seconds-raw.seconds, ours.seconds-raw.seconds)
		if okM {
			fmt.Fprintf(w, ", msgraph +%.1f s", msg.seconds-raw.seconds)
		}
		fmt.Fprintln(w, ".")
	}
	fmt.Fprintln(w)
}
