package bench

import (
	"net/http"
	"testing"

	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/measure"
)

// BenchmarkCancelOffboardParallel64: cancelOffboard from 64 goroutines
// sharing one client (one http.Client for the floor) and its connections.
func BenchmarkCancelOffboardParallel64(b *testing.B) {
	base := servers.OK + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: benchserver.LoopbackTransport()}
		measure.Parallel64(b, func() error { return floorCancelOK(hc, base) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		measure.Parallel64(b, func() error { return sdkCancelOK(b.Context(), c) })
	})
}
