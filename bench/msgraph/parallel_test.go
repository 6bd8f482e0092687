package msgraph

import (
	"testing"

	"github.com/m365kit/backuprestore/bench/measure"
)

// BenchmarkCancelOffboardParallel64: cancelOffboard from 64 goroutines
// sharing one client and its connections (the msgraph contender of
// bench's).
func BenchmarkCancelOffboardParallel64(b *testing.B) {
	base := servers.OK + "/v1.0"
	b.Run("msgraph", func(b *testing.B) {
		c, _ := newMSGraph(b, base)
		measure.Parallel64(b, func() error { return msgraphCancelOK(b.Context(), c) })
	})
}
