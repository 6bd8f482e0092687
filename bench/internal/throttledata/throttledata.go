// Package throttledata is the record BenchmarkThrottledBulk writes for
// each of its cases (one JSON file per case) and the report program reads
// back to write BENCHMARKS.md's table and plots.
package throttledata

import (
	"fmt"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/records"
)

// Run is one case of BenchmarkThrottledBulk: one contender cancelling
// Units offboardings against an emulator throttling at Limit.
type Run struct {
	// Limit is the emulator's app+tenant limit in items per second, Burst
	// its bucket; both zero when it does not throttle.
	Limit float64 `json:"limit"`
	Burst int     `json:"burst"`
	// Contender is adaptive, fixed or single-loop.
	Contender string `json:"contender"`
	// Round numbers the runs of one case in one process (-test.count),
	// from 1.
	Round int `json:"round"`
	// Latency is the emulator's latency per HTTP request.
	Latency time.Duration `json:"latency"`
	// Units is the number of units the contender was asked to cancel.
	Units int `json:"units"`
	// Wall is the time the contender took, from its first call to the end
	// of its last.
	Wall time.Duration `json:"wall"`
	// Succeeded and Failed count the units; FailedThrottled counts the
	// failures matching backuprestore.ErrThrottled.
	Succeeded       int `json:"succeeded"`
	Failed          int `json:"failed"`
	FailedThrottled int `json:"failedThrottled"`
	// FirstErrors holds up to three distinct failure messages.
	FirstErrors []string `json:"firstErrors,omitempty"`
	// Attempts is the sum of BulkResult.Attempts (bulk contenders only):
	// item attempts the client wrote to the wire.
	Attempts int `json:"attempts,omitempty"`
	// Admitted and Throttled are the emulator's counts of item attempts
	// (requests and $batch items); zero when it does not throttle.
	Admitted  int64 `json:"admitted"`
	Throttled int64 `json:"throttled"`
	// Start is when the contender's first call began (wall clock).
	Start time.Time `json:"start"`
	// Interval is the width of each sample of Series.
	Interval time.Duration `json:"interval"`
	// Series is the emulator's admitted and throttled counts per Interval
	// (empty when it does not throttle).
	Series []Sample `json:"series,omitempty"`
}

// Sample is one interval of Run.Series.
type Sample struct {
	Start     time.Time `json:"start"`
	Admitted  int64     `json:"admitted"`
	Throttled int64     `json:"throttled"`
}

// Rate is the achieved throughput: units succeeded per second of Wall.
func (r *Run) Rate() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Succeeded) / r.Wall.Seconds()
}

// ThrottledFraction is throttled / (admitted + throttled), 0 without
// attempts.
func (r *Run) ThrottledFraction() float64 {
	if n := r.Admitted + r.Throttled; n > 0 {
		return float64(r.Throttled) / float64(n)
	}
	return 0
}

// SingleLoop is the Contender name of the loop of single calls, whose
// calls run one after another.
const SingleLoop = "single-loop"

// IdealWall is the shortest time the contender could take: for the bulk
// contenders, the time to have Units admitted by the limit's bucket,
// starting full ((Units − Burst) / Limit; zero when unthrottled); for the
// loop of single calls, at least Units × Latency as well, its calls being
// sequential.
func (r *Run) IdealWall() time.Duration {
	var d time.Duration
	if r.Limit > 0 {
		d = time.Duration(max(float64(r.Units-r.Burst), 0) / r.Limit * float64(time.Second))
	}
	if r.Contender == SingleLoop {
		d = max(d, time.Duration(r.Units)*r.Latency)
	}
	return d
}

// FileName is the name of r's file in the output directory.
func (r *Run) FileName() string {
	return fmt.Sprintf("throttle-%s-%s-%d.json", LimitName(r.Limit), r.Contender, r.Round)
}

// LimitName is "limit50", "limit200", … or "unlimited" for 0.
func LimitName(limit float64) string {
	if limit <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("limit%g", limit)
}

// Write stores r in dir as FileName. It fails when the file cannot be
// written.
func Write(dir string, r *Run) error { return records.Write(dir, r.FileName(), r) }

// ReadAll reads every throttle-*.json file of dir, sorted by limit
// (unthrottled last), then by round, then by contender (adaptive, fixed,
// single-loop). It fails on a file that
// cannot be read or decoded.
func ReadAll(dir string) ([]Run, error) {
	runs, err := records.ReadAll[Run](dir, "throttle-*.json")
	if err != nil {
		return nil, err
	}
	order := func(r Run) float64 {
		if r.Limit <= 0 {
			return 1e300
		}
		return r.Limit
	}
	contenderOrder := map[string]int{"adaptive": 0, "fixed": 1, SingleLoop: 2}
	slices.SortStableFunc(runs, func(a, b Run) int {
		if d := order(a) - order(b); d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
		if a.Round != b.Round {
			return a.Round - b.Round
		}
		return contenderOrder[a.Contender] - contenderOrder[b.Contender]
	})
	return runs, nil
}
