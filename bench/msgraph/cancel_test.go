package msgraph

import (
	"context"
	"errors"
	"fmt"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/solutions"

	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/measure"
)

// msgraphCancelConfig adds the Prefer header to msgraph's cancelOffboard.
// It is only read by the request builder, so one value is shared.
var msgraphCancelConfig = &solutions.BackupRestoreProtectionUnitsItemCancelOffboardRequestBuilderPostRequestConfiguration{
	Headers: msgraphHeaders(),
}

// msgraphCancelOK: cancelOffboard with msgraph-sdk-go, expecting the seed unit.
func msgraphCancelOK(ctx context.Context, c *msgraphsdk.GraphServiceClient) error {
	u, err := c.Solutions().BackupRestore().ProtectionUnits().ByProtectionUnitBaseId(benchserver.UnitID).CancelOffboard().Post(ctx, msgraphCancelConfig)
	if err != nil {
		return errors.New(safeErr(err))
	}
	if !msgraphUnitOK(u) {
		return errors.New("msgraph: not the seed unit in cancelOffboardRequested")
	}
	return nil
}

// msgraph403OK: the 403 with msgraph-sdk-go, expecting *ODataError with the
// code.
func msgraph403OK(ctx context.Context, c *msgraphsdk.GraphServiceClient) error {
	_, err := c.Solutions().BackupRestore().ProtectionUnits().ByProtectionUnitBaseId(benchserver.UnitID).CancelOffboard().Post(ctx, msgraphCancelConfig)
	if !msgraphOperationNotAllowed(err) {
		return fmt.Errorf("msgraph: want ODataError OperationNotAllowed, got %s", safeErr(err))
	}
	return nil
}

// BenchmarkCancelOffboard: one cancelOffboard on loopback, decoded (the
// msgraph contender of bench's BenchmarkCancelOffboard).
func BenchmarkCancelOffboard(b *testing.B) {
	base := servers.OK + "/v1.0"
	b.Run("msgraph", func(b *testing.B) {
		c, _ := newMSGraph(b, base)
		measure.Loop(b, func() error { return msgraphCancelOK(b.Context(), c) })
	})
}

// BenchmarkOperationNotAllowed: the 403 of the seed page, including
// building the typed error (the msgraph contender of bench's).
func BenchmarkOperationNotAllowed(b *testing.B) {
	base := servers.Forbidden + "/v1.0"
	b.Run("msgraph", func(b *testing.B) {
		c, _ := newMSGraph(b, base)
		measure.Loop(b, func() error { return msgraph403OK(b.Context(), c) })
	})
}

// BenchmarkDecodeUnit: decode of one unit, no I/O (the msgraph contender of
// bench's). msgraph-sdk-go decodes through Kiota's JSON parse node: the path
// its adapter takes for every response.
func BenchmarkDecodeUnit(b *testing.B) {
	data, err := benchserver.SeedUnit()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("msgraph", func(b *testing.B) {
		measure.Loop(b, func() error { return msgraphDecode(data) })
	})
}

// msgraphDecode decodes the seed unit with Kiota's JSON parse node into
// msgraph-sdk-go's model and checks it.
func msgraphDecode(data []byte) error {
	n, err := jsonserialization.NewJsonParseNode(data)
	if err != nil {
		return err
	}
	v, err := n.GetObjectValue(msmodels.CreateProtectionUnitBaseFromDiscriminatorValue)
	if err != nil {
		return err
	}
	u, ok := v.(msmodels.ProtectionUnitBaseable)
	if !ok || !msgraphUnitOK(u) {
		return fmt.Errorf("msgraph: decoded %T, not the seed unit", v)
	}
	return nil
}
