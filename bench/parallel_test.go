package bench

import (
	"net/http"
	"runtime"
	"testing"
)

// concurrency is the number of goroutines calling at once.
const concurrency = 64

// parallel64 runs call from at least 64 goroutines with RunParallel
// (SetParallelism(ceil(64/GOMAXPROCS)); exactly 64 when GOMAXPROCS divides
// 64). ns/op is wall time divided by the calls made by all goroutines.
func parallel64(b *testing.B, call func() error) {
	b.ReportAllocs()
	b.SetParallelism((concurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
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

// BenchmarkCancelOffboardParallel64: cancelOffboard from 64 goroutines
// sharing one client (one http.Client for the floor) and its connections.
func BenchmarkCancelOffboardParallel64(b *testing.B) {
	base := servers.OK + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: loopbackTransport()}
		parallel64(b, func() error { return floorCancelOK(hc, base) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		parallel64(b, func() error { return sdkCancelOK(b.Context(), c) })
	})
	b.Run("msgraph", func(b *testing.B) {
		c, _ := newMSGraph(b, base)
		parallel64(b, func() error { return msgraphCancelOK(b.Context(), c) })
	})
}
