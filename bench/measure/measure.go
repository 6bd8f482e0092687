// Package measure runs the body of a benchmark the same way for every
// contender, in both bench modules (bench and bench/msgraph): it fails the
// benchmark on the first wrong answer, reports allocations, and adds the
// cpu-ns/op metric (CPU time of the benchmark process per op; the servers
// run in another process, so it is the client's alone) and, for listings,
// ns/unit and allocs/unit.
package measure

import (
	"runtime"
	"testing"
)

// Loop runs op in a b.Loop, failing the benchmark on op's first error, and
// reports allocations and cpu-ns/op.
func Loop(b *testing.B, op func() error) {
	b.ReportAllocs()
	cpu := startCPU()
	n := 0
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu.report(b, n)
}

// PerUnit runs list, which lists units units, in a b.Loop, failing the
// benchmark on its first error, and reports ns/unit and allocs/unit beside
// the per-listing figures and cpu-ns/op. units must be positive.
func PerUnit(b *testing.B, units int, list func() error) {
	if units <= 0 {
		b.Fatalf("measure.PerUnit: %d units", units)
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := startCPU()
	n := 0
	for b.Loop() {
		if err := list(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu.report(b, n)
	runtime.ReadMemStats(&after)
	total := float64(n * units)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/unit")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/unit")
}

// parallelism is the number of goroutines Parallel64 calls from.
const parallelism = 64

// Parallel64 runs call from at least 64 goroutines with RunParallel
// (SetParallelism(ceil(64/GOMAXPROCS)); exactly 64 when GOMAXPROCS divides
// 64). ns/op is wall time divided by the calls made by all goroutines. A
// goroutine whose call fails reports the error (the benchmark fails) and
// stops.
func Parallel64(b *testing.B, call func() error) {
	b.ReportAllocs()
	b.SetParallelism((parallelism + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err) // not Fatal: this is not the benchmark's goroutine
				return
			}
		}
	})
	cpu.report(b, b.N)
}
