package measure

import (
	"testing"
	"time"
)

// cpuMeter measures the CPU time the benchmark process spends over a run.
// The servers run in another process, so it is the client's alone: its
// own work, its transport goroutines and its garbage collection. It is
// steadier than ns/op, which is a full round trip on shared CPUs.
type cpuMeter struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuMeter {
	d, ok := processCPU()
	return cpuMeter{d, ok}
}

// report adds the cpu-ns/op metric for ops operations; nothing where the
// platform does not measure it.
func (m cpuMeter) report(b *testing.B, ops int) {
	end, ok := processCPU()
	if !m.ok || !ok || ops <= 0 {
		return
	}
	b.ReportMetric(float64(end-m.start)/float64(ops), "cpu-ns/op")
}
