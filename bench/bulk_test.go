package bench

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// bulkUnits is the number of cancels of BenchmarkBulkCancel.
const bulkUnits = 10_000

// bulkLatency is the simulated latency of every HTTP request.
const bulkLatency = 20 * time.Millisecond

// newBulkEmulator returns an emulator holding n offboarding units, with
// bulkLatency on every HTTP request (a $batch counts once), and a client
// wired to it in-process.
func newBulkEmulator(tb testing.TB, n int) (*backuprestore.Client, []string) {
	tb.Helper()
	srv := fake.NewServer(&fake.Options{MaxRecordedRequests: -1})
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("unit-%05d", i)
		if err := srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: ids[i], SiteID: "contoso.sharepoint.com,s," + ids[i], Status: models.StatusOffboardRequested}); err != nil {
			tb.Fatal(err)
		}
	}
	srv.AddFault(fake.Fault{Kind: fake.FaultLatency, Latency: bulkLatency})
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: srv.Transport()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c, ids
}

// BenchmarkBulkCancel compares cancelling offboardings with
// CancelOffboardAll ($batch, 20 per batch, its default scheduler) against a loop of
// single Post calls, with 20 ms of simulated latency per HTTP request.
// Compare the ns/cancel metric: bulk does 10,000 cancels per op, the loop
// one (10,000 sequential 20 ms calls would take over 3 minutes per op).
func BenchmarkBulkCancel(b *testing.B) {
	b.Run("bulk", func(b *testing.B) {
		b.ReportAllocs()
		var total time.Duration
		for b.Loop() {
			b.StopTimer()
			c, ids := newBulkEmulator(b, bulkUnits)
			b.StartTimer()
			start := time.Now()
			res := c.ProtectionUnits().CancelOffboardAll(b.Context(), ids, nil)
			total += time.Since(start)
			if err := res.Err(); err != nil || len(res) != bulkUnits {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*bulkUnits), "ns/cancel")
	})
	b.Run("single-loop", func(b *testing.B) {
		c, ids := newBulkEmulator(b, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			if _, err := c.ProtectionUnits().ByID(ids[i]).CancelOffboard().Post(b.Context(), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/cancel")
	})
}
