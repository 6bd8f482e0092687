package emuproc

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ThrottleStats is the emulator's GET /_emulator/throttle answer: what
// its throttling model admitted and throttled (requests and $batch items;
// $batch envelopes are free), in total and per interval. With throttling
// off, nothing is counted.
type ThrottleStats struct {
	// Admitted and Throttled are the totals since the emulator started.
	Admitted, Throttled int64
	// Interval is the width of each sample of Series.
	Interval time.Duration
	// Series holds the counts per Interval, oldest first, contiguous.
	Series []ThrottleSample
}

// ThrottleSample is one interval of ThrottleStats.Series.
type ThrottleSample struct {
	// Start is when the interval begins (the child's wall clock, which is
	// the parent's: one machine).
	Start time.Time `json:"start"`
	// Admitted and Throttled count the requests and $batch items of the
	// interval.
	Admitted  int64 `json:"admitted"`
	Throttled int64 `json:"throttled"`
}

// wireThrottleStats is the JSON of GET /_emulator/throttle.
type wireThrottleStats struct {
	Admitted      int64            `json:"admitted"`
	Throttled     int64            `json:"throttled"`
	StatsInterval string           `json:"statsInterval"`
	Series        []ThrottleSample `json:"series"`
}

// ThrottleStats reads the emulator's throttling counts. It fails when the
// control API cannot be reached or answers something unexpected.
func (e *Emulator) ThrottleStats(ctx context.Context) (ThrottleStats, error) {
	var w wireThrottleStats
	if err := control(ctx, e, http.MethodGet, "/_emulator/throttle", &w); err != nil {
		return ThrottleStats{}, err
	}
	d, err := time.ParseDuration(w.StatsInterval)
	if err != nil || d <= 0 {
		return ThrottleStats{}, fmt.Errorf("emuproc: GET /_emulator/throttle: statsInterval %q is not a positive duration", w.StatsInterval)
	}
	return ThrottleStats{Admitted: w.Admitted, Throttled: w.Throttled, Interval: d, Series: w.Series}, nil
}
