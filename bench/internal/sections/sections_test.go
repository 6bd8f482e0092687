package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/throttledata"
)

func TestSplice(t *testing.T) {
	sec := "<!-- section:x -->\nnew\n<!-- /section:x -->\n"
	for _, tc := range []struct {
		name, doc, want string
		wantErr         bool
	}{
		{"replaces", "a\n<!-- section:x -->\nold\n<!-- /section:x -->\nb\n", "a\n" + sec + "b\n", false},
		{"inserts before Analysis", "a\n\n## Analysis\n\nz\n", "a\n\n" + sec + "\n## Analysis\n\nz\n", false},
		{"appends", "a", "a\n\n" + sec, false},
		{"broken markers", "a\n<!-- /section:x -->\n<!-- section:x -->\n", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splice([]byte(tc.doc), []byte(sec), "x")
			if (err != nil) != tc.wantErr || (!tc.wantErr && string(got) != tc.want) {
				t.Errorf("splice = %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := splice([]byte("a"), []byte("no markers"), "x"); err == nil {
		t.Error("a section without its markers was accepted")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want []float64
	}{
		{203, []float64{0, 50, 100, 150, 200, 250}},
		{9.7, []float64{0, 2, 4, 6, 8, 10}},
		{0, []float64{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}},
	} {
		got := niceTicks(tc.max)
		if len(got) != len(tc.want) || got[len(got)-1] < tc.max {
			t.Errorf("niceTicks(%g) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

// testRuns are an adaptive and a fixed run at 200/s and an unthrottled pair.
func testRuns() []throttledata.Run {
	start := time.Date(2026, 1, 1, 0, 0, 0, 500e6, time.UTC)
	series := func(adm, thr int64) []throttledata.Sample {
		var s []throttledata.Sample
		for i := range 10 {
			s = append(s, throttledata.Sample{Start: start.Truncate(time.Second).Add(time.Duration(i) * time.Second), Admitted: adm, Throttled: thr})
		}
		return s
	}
	return []throttledata.Run{
		{Limit: 200, Burst: 200, Contender: "adaptive", Round: 1, Latency: 20 * time.Millisecond, Units: 2000, Wall: 9500 * time.Millisecond,
			Succeeded: 2000, Admitted: 2000, Throttled: 20, Start: start, Interval: time.Second, Series: series(200, 2)},
		{Limit: 200, Burst: 200, Contender: "fixed", Round: 1, Latency: 20 * time.Millisecond, Units: 2000, Wall: 5 * time.Second,
			Succeeded: 100, Failed: 1900, FailedThrottled: 1900, Admitted: 100, Throttled: 9000, Start: start, Interval: time.Second, Series: series(10, 900)},
		{Contender: "adaptive", Round: 1, Units: 2000, Wall: time.Second, Succeeded: 2000},
		{Contender: "fixed", Round: 1, Units: 2000, Wall: 2 * time.Second, Succeeded: 2000},
	}
}

func TestThrottleTargets(t *testing.T) {
	got := map[string]bool{}
	for _, tg := range throttleTargets(testRuns()) {
		got[tg.name] = tg.met
	}
	want := map[string]bool{
		"200/s: items/s ≥ 90% of the limit":         true, // 2000 / 9.5 s = 210.5/s
		"200/s: ≤ 5% of item attempts throttled":    true, // 20 of 2020
		"200/s: no unit failed for throttling":      true,
		"no throttling: adaptive items/s ≥ fixed's": true,
	}
	if len(got) != len(want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: met %v, want %v", k, got[k], v)
		}
	}
	runs := testRuns()
	runs[0].FailedThrottled, runs[0].Throttled = 1, 2000
	for _, tg := range throttleTargets(runs) {
		if strings.Contains(tg.name, "failed") || strings.Contains(tg.name, "throttled") {
			if tg.met {
				t.Errorf("%s: met with %d failed and %d throttled", tg.name, runs[0].FailedThrottled, runs[0].Throttled)
			}
		}
	}
}

func TestThrottleSectionAndPlot(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for _, r := range testRuns() {
		if err := throttledata.Write(in, &r); err != nil {
			t.Fatal(err)
		}
	}
	var md bytes.Buffer
	if err := runThrottle(&md, in, out, "bench/"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 200/s, 200 | adaptive | 2,000 | 9.5 s | 9.0 s | 211 | 105.3% | 0.99% (20 of 2,020) | 0 (0) |",
		"(bench/throttle-200.svg)", "| none | fixed |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the section lacks %q:\n%s", want, md.String())
		}
	}
	svg, err := os.ReadFile(filepath.Join(out, "throttle-200.svg"))
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	paths := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the plot is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "path" {
			paths++
		}
	}
	if paths != 4 { // rate and throttled share, for adaptive and fixed
		t.Errorf("the plot has %d paths, want 4", paths)
	}
}
