package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/solutions"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

func newSDK(tb testing.TB, base string) *backuprestore.Client {
	tb.Helper()
	c, err := backuprestore.NewClient(staticCred{}, &backuprestore.Options{
		BaseURL:    base,
		HTTPClient: &http.Client{Transport: loopbackTransport()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// The one-call operations of each contender. Each returns an error unless
// the result is the expected one, so a benchmark cannot pass while measuring
// a wrong answer.

// floorCancelOK: cancelOffboard with the floor, expecting the seed unit.
func floorCancelOK(hc *http.Client, base string) error {
	u, err := floorCancel(hc, base, unitID)
	if err != nil {
		return err
	}
	if u.ID != unitID || u.Status != "cancelOffboardRequested" {
		return fmt.Errorf("floor: got unit %q status %q", u.ID, u.Status)
	}
	return nil
}

// sdkCancelOK: cancelOffboard with backuprestore, expecting the seed unit.
func sdkCancelOK(ctx context.Context, c *backuprestore.Client) error {
	u, err := c.ProtectionUnits().ByID(unitID).CancelOffboard().Post(ctx, nil)
	if err != nil {
		return err
	}
	if u.ID != unitID || u.Status != models.StatusCancelOffboardRequested {
		return fmt.Errorf("backuprestore: got unit %q status %q", u.ID, u.Status)
	}
	return nil
}

// msgraphCancelConfig adds the Prefer header to msgraph's cancelOffboard.
// It is only read by the request builder, so one value is shared.
var msgraphCancelConfig = &solutions.BackupRestoreProtectionUnitsItemCancelOffboardRequestBuilderPostRequestConfiguration{
	Headers: msgraphHeaders(),
}

// msgraphCancelOK: cancelOffboard with msgraph-sdk-go, expecting the seed unit.
func msgraphCancelOK(ctx context.Context, c *msgraphsdk.GraphServiceClient) error {
	u, err := c.Solutions().BackupRestore().ProtectionUnits().ByProtectionUnitBaseId(unitID).CancelOffboard().Post(ctx, msgraphCancelConfig)
	if err != nil {
		return errors.New(safeErr(err))
	}
	if !msgraphUnitOK(u) {
		return errors.New("msgraph: not the seed unit in cancelOffboardRequested")
	}
	return nil
}

// floor403OK: the 403 with the floor, expecting its error to carry the code.
func floor403OK(hc *http.Client, base string) error {
	_, err := floorCancel(hc, base, unitID)
	var fe *floorStatusError
	if !errors.As(err, &fe) || fe.Status != http.StatusForbidden || fe.Code != "OperationNotAllowed" {
		return fmt.Errorf("floor: want a 403 OperationNotAllowed, got %v", err)
	}
	return nil
}

// sdk403OK: the 403 with backuprestore, expecting *Error matching
// ErrOperationNotAllowed.
func sdk403OK(ctx context.Context, c *backuprestore.Client) error {
	_, err := c.ProtectionUnits().ByID(unitID).CancelOffboard().Post(ctx, nil)
	var e *backuprestore.Error
	if !errors.Is(err, backuprestore.ErrOperationNotAllowed) || !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
		return fmt.Errorf("backuprestore: want ErrOperationNotAllowed, got %v", err)
	}
	return nil
}

// msgraph403OK: the 403 with msgraph-sdk-go, expecting *ODataError with the
// code.
func msgraph403OK(ctx context.Context, c *msgraphsdk.GraphServiceClient) error {
	_, err := c.Solutions().BackupRestore().ProtectionUnits().ByProtectionUnitBaseId(unitID).CancelOffboard().Post(ctx, msgraphCancelConfig)
	if !msgraphOperationNotAllowed(err) {
		return fmt.Errorf("msgraph: want ODataError OperationNotAllowed, got %s", safeErr(err))
	}
	return nil
}

// BenchmarkCancelOffboard: one cancelOffboard on loopback, decoded.
func BenchmarkCancelOffboard(b *testing.B) {
	base := servers.OK + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: loopbackTransport()}
		loop(b, func() error { return floorCancelOK(hc, base) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		loop(b, func() error { return sdkCancelOK(b.Context(), c) })
	})
	b.Run("msgraph", func(b *testing.B) {
		c, _ := newMSGraph(b, base)
		loop(b, func() error { return msgraphCancelOK(b.Context(), c) })
	})
}

// BenchmarkOperationNotAllowed: the 403 of the seed page, including
// building the typed error.
func BenchmarkOperationNotAllowed(b *testing.B) {
	base := servers.Forbidden + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: loopbackTransport()}
		loop(b, func() error { return floor403OK(hc, base) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		loop(b, func() error { return sdk403OK(b.Context(), c) })
	})
	b.Run("msgraph", func(b *testing.B) {
		c, _ := newMSGraph(b, base)
		loop(b, func() error { return msgraph403OK(b.Context(), c) })
	})
}

// BenchmarkDecodeUnit: decode of one unit, no I/O.
func BenchmarkDecodeUnit(b *testing.B) {
	data := seedUnit(b)
	b.Run("encoding-json", func(b *testing.B) {
		loop(b, func() error {
			var u floorUnit
			if err := json.Unmarshal(data, &u); err != nil {
				return err
			}
			if u.ID != unitID || u.Status != "cancelOffboardRequested" {
				return fmt.Errorf("encoding/json: got unit %q status %q", u.ID, u.Status)
			}
			return nil
		})
	})
	b.Run("backuprestore", func(b *testing.B) {
		loop(b, func() error {
			var u models.ProtectionUnit
			if err := u.UnmarshalJSON(data); err != nil {
				return err
			}
			if u.ID != unitID || u.Status != models.StatusCancelOffboardRequested {
				return fmt.Errorf("backuprestore: got unit %q status %q", u.ID, u.Status)
			}
			return nil
		})
	})
	// msgraph-sdk-go decodes through Kiota's JSON parse node: the path its
	// adapter takes for every response.
	b.Run("msgraph", func(b *testing.B) {
		loop(b, func() error { return msgraphDecode(data) })
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
