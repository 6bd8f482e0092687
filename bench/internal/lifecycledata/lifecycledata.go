// Package lifecycledata is the record BenchmarkOffboardRun writes for each
// of its contenders (one JSON file each) and the report program reads back
// to write BENCHMARKS.md's offboarding-run section.
package lifecycledata

import (
	"fmt"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/records"
)

// The contenders of BenchmarkOffboardRun.
const (
	// SDKRun is one Client.Offboarding run (Run.Offboard) of every unit.
	SDKRun = "run"
	// PerUnit is one call per unit and step: GET, PATCH removing the unit
	// alone, GETs until removed, POST offboard, many units at a time.
	PerUnit = "per-unit"
)

// Run is one contender's offboarding of Units units.
type Run struct {
	// Contender is SDKRun or PerUnit.
	Contender string `json:"contender"`
	// Round numbers the runs of one contender in one process, from 1.
	Round int `json:"round"`
	// Units is the number of units offboarded; Policies and Workloads
	// how many policies and workloads they were spread over.
	Units     int `json:"units"`
	Policies  int `json:"policies"`
	Workloads int `json:"workloads"`
	// Latency is the emulator's latency per HTTP request; RemovalDelay how
	// long a removal takes on its real-time clock.
	Latency      time.Duration `json:"latency"`
	RemovalDelay time.Duration `json:"removalDelay"`
	// PollInterval and MaxPollInterval are the waits' WaitOptions.
	PollInterval    time.Duration `json:"pollInterval"`
	MaxPollInterval time.Duration `json:"maxPollInterval"`
	// InFlight is the most HTTP requests in flight (PerUnit: the fixed
	// concurrency; SDKRun: 0, the SDK's own scheduler decides).
	InFlight int `json:"inFlight"`
	// Wall is the contender's time, from its first request to its last
	// answer.
	Wall time.Duration `json:"wall"`
	// Requests counts the emulator's HTTP requests by route (a $batch is
	// one), from its request log; Items the $batch items by route.
	Requests map[string]int `json:"requests"`
	Items    map[string]int `json:"items"`
	// ClientRequests is the number of HTTP requests the client's
	// transport sent (a counting RoundTripper), which must match the
	// emulator's count.
	ClientRequests int `json:"clientRequests"`
	// Offboarded counts the units the contender offboarded (for SDKRun,
	// OutcomeDone); Failed the others. Outcomes counts SDKRun's outcomes.
	Offboarded int            `json:"offboarded"`
	Failed     int            `json:"failed"`
	Outcomes   map[string]int `json:"outcomes,omitempty"`
	// FirstErrors holds up to three distinct failure messages.
	FirstErrors []string `json:"firstErrors,omitempty"`
	// Stages is SDKRun's time per stage visit, in order ("read 1.2s").
	Stages []Stage `json:"stages,omitempty"`
}

// Stage is one visit of a stage by SDKRun and its duration.
type Stage struct {
	Name string        `json:"name"`
	Took time.Duration `json:"took"`
	// Rounds holds, for a waiting stage, when each poll round ended,
	// from the stage's start.
	Rounds []time.Duration `json:"rounds,omitempty"`
}

// TotalRequests is the number of HTTP requests (from the emulator's log).
func (r *Run) TotalRequests() int {
	n := 0
	for _, v := range r.Requests {
		n += v
	}
	return n
}

// TotalItems is the number of $batch items.
func (r *Run) TotalItems() int {
	n := 0
	for _, v := range r.Items {
		n += v
	}
	return n
}

// RequestsPerUnit is TotalRequests / Units, 0 without units.
func (r *Run) RequestsPerUnit() float64 {
	if r.Units == 0 {
		return 0
	}
	return float64(r.TotalRequests()) / float64(r.Units)
}

// fileName is the record's file name in its directory.
func (r *Run) fileName() string {
	return fmt.Sprintf("lifecycle-%s-%d.json", r.Contender, r.Round)
}

// Write writes r into dir as JSON.
func Write(dir string, r *Run) error { return records.Write(dir, r.fileName(), r) }

// ReadAll reads every lifecycle-*.json record of dir, by round then
// contender (SDKRun first).
func ReadAll(dir string) ([]Run, error) {
	out, err := records.ReadAll[Run](dir, "lifecycle-*.json")
	if err != nil {
		return nil, err
	}
	rank := func(c string) int {
		if c == SDKRun {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b Run) int {
		if a.Round != b.Round {
			return a.Round - b.Round
		}
		return rank(a.Contender) - rank(b.Contender)
	})
	return out, nil
}
