package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/measure"
	"github.com/m365kit/backuprestore/models"
)

// floorListOK lists with the floor and checks the result.
func floorListOK(hc *http.Client, base string, want benchserver.Listing) error {
	var got benchserver.Listing
	err := floorList(hc, fmt.Sprintf("%s/solutions/backupRestore/protectionUnits?$top=%d", base, benchserver.ListPageSize), func(u *floorUnit) {
		got.Add(u.ID, u.Status == "offboardRequested")
	})
	if err != nil {
		return err
	}
	return got.Check("floor", want)
}

// sdkListOK lists with backuprestore's All iterator and checks the result.
func sdkListOK(ctx context.Context, c *backuprestore.Client, want benchserver.Listing) error {
	var got benchserver.Listing
	for u, err := range c.ProtectionUnits().All(ctx, &backuprestore.ListOptions{Top: benchserver.ListPageSize}) {
		if err != nil {
			return err
		}
		got.Add(u.ID, u.Status == models.StatusOffboardRequested)
	}
	return got.Check("backuprestore", want)
}

// BenchmarkList10000: a full listing of 10,000 units in pages of 999 (11
// requests), every unit decoded. ns/op and allocs/op are per listing;
// ns/unit and allocs/unit divide them by 10,000.
func BenchmarkList10000(b *testing.B) {
	want := benchserver.ExpectedListing()
	base := servers.List + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: benchserver.LoopbackTransport()}
		measure.PerUnit(b, benchserver.ListUnits, func() error { return floorListOK(hc, base, want) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		measure.PerUnit(b, benchserver.ListUnits, func() error { return sdkListOK(b.Context(), c, want) })
	})
}
