package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/measure"
	"github.com/m365kit/backuprestore/fake"
)

// BenchmarkListEmulator10000 iterates 10,000 units served by the emulator
// over loopback, following @odata.nextLink, with this SDK's lazy iterator
// and with raw net/http + encoding/json doing the same paging. The server's
// work (the emulator encoding each page) is in both figures; compare the
// ns/unit and allocs/unit metrics.
func BenchmarkListEmulator10000(b *testing.B) {
	for _, pageSize := range []int{100, 999} {
		srv := fake.NewServer(&fake.Options{PageSize: pageSize, MaxRecordedRequests: -1, Seed: 1})
		srv.Seed(benchserver.ListUnits)
		hs := httptest.NewServer(srv)
		base := hs.URL + "/v1.0"
		b.Run(fmt.Sprintf("page%d/floor", pageSize), func(b *testing.B) {
			hc := &http.Client{Transport: benchserver.LoopbackTransport()}
			measure.PerUnit(b, benchserver.ListUnits, func() error {
				n := 0
				if err := floorList(hc, base+"/solutions/backupRestore/protectionUnits", func(*floorUnit) { n++ }); err != nil {
					return err
				}
				if n != benchserver.ListUnits {
					return fmt.Errorf("floor listed %d units", n)
				}
				return nil
			})
		})
		b.Run(fmt.Sprintf("page%d/backuprestore", pageSize), func(b *testing.B) {
			c, err := backuprestore.NewClient(benchserver.StaticCred{}, &backuprestore.Options{
				BaseURL: base, HTTPClient: &http.Client{Transport: benchserver.LoopbackTransport()},
			})
			if err != nil {
				b.Fatal(err)
			}
			measure.PerUnit(b, benchserver.ListUnits, func() error {
				n := 0
				for _, err := range c.ProtectionUnits().All(b.Context(), nil) {
					if err != nil {
						return err
					}
					n++
				}
				if n != benchserver.ListUnits {
					return fmt.Errorf("listed %d units", n)
				}
				return nil
			})
		})
		hs.Close()
	}
}
