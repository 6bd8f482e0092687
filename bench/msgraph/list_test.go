package msgraph

import (
	"context"
	"errors"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/solutions"

	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/measure"
)

// msgraphListOK lists with msgraph-sdk-go: the first page through the
// request builder, the rest through msgraph-sdk-go-core's PageIterator (the
// documented way), which follows @odata.nextLink.
func msgraphListOK(ctx context.Context, c *msgraphsdk.GraphServiceClient, adapter abs.RequestAdapter, want benchserver.Listing) error {
	top := int32(benchserver.ListPageSize)
	resp, err := c.Solutions().BackupRestore().ProtectionUnits().Get(ctx, &solutions.BackupRestoreProtectionUnitsRequestBuilderGetRequestConfiguration{
		Headers:         msgraphHeaders(),
		QueryParameters: &solutions.BackupRestoreProtectionUnitsRequestBuilderGetQueryParameters{Top: &top},
	})
	if err != nil {
		return errors.New(safeErr(err))
	}
	it, err := msgraphcore.NewPageIterator[msmodels.ProtectionUnitBaseable](resp, adapter, msmodels.CreateProtectionUnitBaseCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return err
	}
	it.SetHeaders(msgraphHeaders())
	var got benchserver.Listing
	err = it.Iterate(ctx, func(u msmodels.ProtectionUnitBaseable) bool {
		id, st := "", u.GetStatus()
		if p := u.GetId(); p != nil {
			id = *p
		}
		got.Add(id, st != nil && *st == msmodels.OFFBOARDREQUESTED_PROTECTIONUNITSTATUS)
		return true
	})
	if err != nil {
		return errors.New(safeErr(err))
	}
	return got.Check("msgraph", want)
}

// BenchmarkList10000: a full listing of 10,000 units in pages of 999 (11
// requests), every unit decoded (the msgraph contender of bench's). ns/op
// and allocs/op are per listing; ns/unit and allocs/unit divide them by
// 10,000.
func BenchmarkList10000(b *testing.B) {
	want := benchserver.ExpectedListing()
	base := servers.List + "/v1.0"
	b.Run("msgraph", func(b *testing.B) {
		c, adapter := newMSGraph(b, base)
		measure.PerUnit(b, benchserver.ListUnits, func() error { return msgraphListOK(b.Context(), c, adapter, want) })
	})
}
