package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/lifecycledata"
)

// The section's table, stages and targets from two records; a run above
// 0.3 requests per unit, or slower than the per-unit contender, or with a
// failure, is marked missed.
func TestLifecycleSection(t *testing.T) {
	run := lifecycledata.Run{Contender: lifecycledata.SDKRun, Round: 1, Units: 5000, Policies: 6, Workloads: 3,
		Wall: 7500 * time.Millisecond, Requests: map[string]int{"batch": 1001, "policyPatch": 102, "serviceStatus": 1},
		Items: map[string]int{"get": 15000, "offboard": 5000}, ClientRequests: 1104, Offboarded: 5000,
		Stages: []lifecycledata.Stage{{Name: "read", Took: 1400 * time.Millisecond},
			{Name: "waitRemoved", Took: 3 * time.Second, Rounds: []time.Duration{time.Second, 2900 * time.Millisecond}}, {Name: "offboard", Took: 400 * time.Millisecond}}}
	per := lifecycledata.Run{Contender: lifecycledata.PerUnit, Round: 1, Units: 5000, InFlight: 16, Wall: 28600 * time.Millisecond,
		Requests: map[string]int{"get": 11129, "policyPatch": 5000, "offboard": 5000}, Offboarded: 5000}
	for _, tc := range []struct {
		name   string
		change func(run, per *lifecycledata.Run)
		want   []string
	}{
		{"met", func(*lifecycledata.Run, *lifecycledata.Run) {}, []string{
			"| run | 5,000 | SDK's scheduler | 7.5 s | 1,104 | 0.221 | batch 1,001, policyPatch 102, serviceStatus 1 | get 15,000, offboard 5,000 | 5,000 | 0 |",
			"| per-unit | 5,000 | 16 | 28.6 s | 21,129 | 4.226 | get 11,129, offboard 5,000, policyPatch 5,000 | — | 5,000 | 0 |",
			"Stages of the run (round 1), in order: read 1.40 s, waitRemoved 3.00 s (2 poll rounds, ending at 1.00 s, 2.90 s), offboard 400 ms.",
			"beyond one read per unit (polls, and any read sent again): 10,000, 2.0 per unit.",
			"| run: HTTP requests per unit, polls included, ≤ 0.3 | 0.221 (1,104 requests, 5,000 units) | met |",
			"| run: wall time below per-unit's | 7.5 s against 28.6 s (3.8× faster; 19.1× fewer requests) | met |",
		}},
		{"missed", func(run, per *lifecycledata.Run) {
			run.Requests["batch"] = 2000
			run.Wall = 30 * time.Second
			per.Offboarded, per.Failed, per.FirstErrors = 4999, 1, []string{"offboard punit-000001: 403"}
		}, []string{
			"| run: HTTP requests per unit, polls included, ≤ 0.3 | 0.421 (2,103 requests, 5,000 units) | **missed** |",
			"| per-unit: every unit offboarded | 4,999 of 5,000 | **missed** |",
			"| run: wall time below per-unit's | 30.0 s against 28.6 s (1.0× faster; 10.0× fewer requests) | **missed** |",
			"A failure (per-unit, round 1): `offboard punit-000001: 403`",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r, p := run, per
			r.Requests = map[string]int{}
			for k, v := range run.Requests {
				r.Requests[k] = v
			}
			tc.change(&r, &p)
			for _, x := range []*lifecycledata.Run{&p, &r} {
				if err := lifecycledata.Write(dir, x); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if err := runLifecycle(&out, dir); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the section lacks %q:\n%s", want, out.String())
				}
			}
			if strings.Index(out.String(), "| run |") > strings.Index(out.String(), "| per-unit |") {
				t.Error("the run's row is not first")
			}
		})
	}
	if err := runLifecycle(&bytes.Buffer{}, t.TempDir()); err == nil {
		t.Error("no records, no error")
	}
}
