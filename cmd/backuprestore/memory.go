package main

import (
	"runtime/debug"
)

// The tool's memory budget for a run: the whole process stays within
// 64 MiB and 4 KiB per unit (issue 20's budget, measured as maximum
// resident set size in BENCHMARKS.md). The Go runtime's garbage collector
// lets the heap grow to twice what is live before collecting (GOGC=100); a
// run of many units decodes each one several times (resolved, read, read
// again at every stage), and what it no longer needs would otherwise sit
// uncollected up to that goal. The runtime's limit covers the memory it
// manages, not the program's own code and data mapped in (about 12 MiB
// resident), so it is the budget less 16 MiB.
const (
	memoryBudgetBase = 64 << 20
	memoryPerUnit    = 4 << 10
	memoryOutsideGo  = 16 << 20
)

// limitMemory sets the runtime's soft memory limit to the budget of a run
// of units (debug.SetMemoryLimit), so the collector works harder instead of
// letting garbage grow the process, unless the user set GOMEMLIMIT. It is
// a soft limit: a run whose live data needs more still runs (the collector
// caps its own CPU share), it only stops deferring collection.
func limitMemory(getenv func(string) string, units int) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryBudgetBase - memoryOutsideGo + memoryPerUnit*int64(units))
}
