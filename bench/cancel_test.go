package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/measure"
	"github.com/m365kit/backuprestore/models"
)

// The one-call operations of each contender. Each returns an error unless
// the result is the expected one, so a benchmark cannot pass while measuring
// a wrong answer. msgraph-sdk-go's are in bench/msgraph, under the same
// benchmark names.

// floorCancelOK: cancelOffboard with the floor, expecting the seed unit.
func floorCancelOK(hc *http.Client, base string) error {
	u, err := floorCancel(hc, base, benchserver.UnitID)
	if err != nil {
		return err
	}
	if u.ID != benchserver.UnitID || u.Status != "cancelOffboardRequested" {
		return fmt.Errorf("floor: got unit %q status %q", u.ID, u.Status)
	}
	return nil
}

// sdkCancelOK: cancelOffboard with backuprestore, expecting the seed unit.
func sdkCancelOK(ctx context.Context, c *backuprestore.Client) error {
	u, err := c.ProtectionUnits().ByID(benchserver.UnitID).CancelOffboard().Post(ctx, nil)
	if err != nil {
		return err
	}
	if u.ID != benchserver.UnitID || u.Status != models.StatusCancelOffboardRequested {
		return fmt.Errorf("backuprestore: got unit %q status %q", u.ID, u.Status)
	}
	return nil
}

// floor403OK: the 403 with the floor, expecting its error to carry the code.
func floor403OK(hc *http.Client, base string) error {
	_, err := floorCancel(hc, base, benchserver.UnitID)
	var fe *floorStatusError
	if !errors.As(err, &fe) || fe.Status != http.StatusForbidden || fe.Code != "OperationNotAllowed" {
		return fmt.Errorf("floor: want a 403 OperationNotAllowed, got %v", err)
	}
	return nil
}

// sdk403OK: the 403 with backuprestore, expecting *Error matching
// ErrOperationNotAllowed.
func sdk403OK(ctx context.Context, c *backuprestore.Client) error {
	_, err := c.ProtectionUnits().ByID(benchserver.UnitID).CancelOffboard().Post(ctx, nil)
	var e *backuprestore.Error
	if !errors.Is(err, backuprestore.ErrOperationNotAllowed) || !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
		return fmt.Errorf("backuprestore: want ErrOperationNotAllowed, got %v", err)
	}
	return nil
}

// BenchmarkCancelOffboard: one cancelOffboard on loopback, decoded.
func BenchmarkCancelOffboard(b *testing.B) {
	base := servers.OK + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: benchserver.LoopbackTransport()}
		measure.Loop(b, func() error { return floorCancelOK(hc, base) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		measure.Loop(b, func() error { return sdkCancelOK(b.Context(), c) })
	})
}

// BenchmarkOperationNotAllowed: the 403 of the seed page, including
// building the typed error.
func BenchmarkOperationNotAllowed(b *testing.B) {
	base := servers.Forbidden + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: benchserver.LoopbackTransport()}
		measure.Loop(b, func() error { return floor403OK(hc, base) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		measure.Loop(b, func() error { return sdk403OK(b.Context(), c) })
	})
}

// BenchmarkDecodeUnit: decode of one unit, no I/O.
func BenchmarkDecodeUnit(b *testing.B) {
	data := seedUnit(b)
	b.Run("encoding-json", func(b *testing.B) {
		measure.Loop(b, func() error {
			var u floorUnit
			if err := json.Unmarshal(data, &u); err != nil {
				return err
			}
			if u.ID != benchserver.UnitID || u.Status != "cancelOffboardRequested" {
				return fmt.Errorf("encoding/json: got unit %q status %q", u.ID, u.Status)
			}
			return nil
		})
	})
	b.Run("backuprestore", func(b *testing.B) {
		measure.Loop(b, func() error {
			var u models.ProtectionUnit
			if err := u.UnmarshalJSON(data); err != nil {
				return err
			}
			if u.ID != benchserver.UnitID || u.Status != models.StatusCancelOffboardRequested {
				return fmt.Errorf("backuprestore: got unit %q status %q", u.ID, u.Status)
			}
			return nil
		})
	})
}
