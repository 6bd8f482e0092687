package bench

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

func newSDK(b *testing.B, base string) *backuprestore.Client {
	c, err := backuprestore.NewClient(staticCred{}, &backuprestore.Options{
		BaseURL:    base,
		HTTPClient: &http.Client{Transport: loopbackTransport()},
	})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCancelOffboard: one cancelOffboard on loopback, decoded.
func BenchmarkCancelOffboard(b *testing.B) {
	srv := staticServer(b, http.StatusOK, seedUnit(b))
	base := srv.URL + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: loopbackTransport()}
		b.ReportAllocs()
		for b.Loop() {
			u, err := floorCancel(hc, base, unitID)
			if err != nil || u.Status != "cancelOffboardRequested" {
				b.Fatal(err)
			}
		}
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		b.ReportAllocs()
		for b.Loop() {
			u, err := c.ProtectionUnits().ByID(unitID).CancelOffboard().Post(b.Context(), nil)
			if err != nil || u.Status != models.StatusCancelOffboardRequested {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOperationNotAllowed: the 403 of the seed page, including
// building the typed error.
func BenchmarkOperationNotAllowed(b *testing.B) {
	srv := staticServer(b, http.StatusForbidden, seed403(b))
	base := srv.URL + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: loopbackTransport()}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := floorCancel(hc, base, unitID); err == nil {
				b.Fatal("want an error")
			}
		}
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		b.ReportAllocs()
		for b.Loop() {
			_, err := c.ProtectionUnits().ByID(unitID).CancelOffboard().Post(b.Context(), nil)
			if !errors.Is(err, backuprestore.ErrOperationNotAllowed) {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeUnit: decode of one unit, no I/O.
func BenchmarkDecodeUnit(b *testing.B) {
	data := seedUnit(b)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u floorUnit
			if err := json.Unmarshal(data, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("backuprestore", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u models.ProtectionUnit
			if err := u.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
