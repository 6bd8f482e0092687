// Package bench compares backuprestore with the floor (raw net/http +
// encoding/json) and with msgraph-sdk-go, in one `go test -bench` run
// against the same loopback server and payloads. It is its own module so the
// root module never depends on msgraph-sdk-go.
package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const (
	unitID = "89014d8c-71fe-4d00-a01a-31850bc5b32c"
	// token is an opaque bearer token: every client sends the same bytes.
	token = "bench-opaque-token"
)

// staticCred is an azcore.TokenCredential with a fixed token.
type staticCred struct{}

func (staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: token, ExpiresOn: time.Now().Add(24 * time.Hour)}, nil
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// seedUnit is the cancelOffboard page's example 1 response body.
func seedUnit(tb testing.TB) []byte {
	return mustRead(tb, "../models/testdata/cancel_offboard_200.json")
}

// seed403 is the cancelOffboard page's example 2 response body.
func seed403(tb testing.TB) []byte {
	return mustRead(tb, "../models/testdata/cancel_offboard_403.json")
}

// staticServer serves body with status for every request, on loopback.
func staticServer(tb testing.TB, status int, body []byte) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "b0b0b0b0-0000-0000-0000-000000000000")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// loopbackTransport is a tuned transport shared by every contender so they
// all reuse connections the same way.
func loopbackTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return t
}
