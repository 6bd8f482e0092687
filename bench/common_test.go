// Package bench compares backuprestore with the floor (raw net/http +
// encoding/json) and with msgraph-sdk-go, in one `go test -bench` run
// against the same loopback servers and payloads. It is its own module so
// the root module never depends on msgraph-sdk-go.
//
// The servers run in a child process (the test binary re-executed, see
// TestMain), so the B/op, allocs/op and profiles of a benchmark are the
// client's alone, not the server's too.
package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
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

const (
	seedUnitPath = "../models/testdata/cancel_offboard_200.json"
	seed403Path  = "../models/testdata/cancel_offboard_403.json"
)

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// seedUnit is the cancelOffboard page's example 1 response body.
func seedUnit(tb testing.TB) []byte { return mustRead(tb, seedUnitPath) }

// seed403 is the cancelOffboard page's example 2 response body.
func seed403(tb testing.TB) []byte { return mustRead(tb, seed403Path) }

// Bodies of the refusals checkRequest sends: a contender that does not send
// the token or the Prefer header fails its benchmark instead of being
// measured doing less work.
var (
	noTokenBody    = []byte(`{"error":{"code":"InvalidAuthenticationToken","message":"bench: missing or wrong bearer token"}}`)
	noPreferBody   = []byte(`{"error":{"code":"BadRequest","message":"bench: Prefer: include-unknown-enum-members missing"}}`)
	wrongRouteBody = []byte(`{"error":{"code":"ResourceNotFound","message":"bench: wrong method or path"}}`)
)

// checkRequest refuses a request without the bench token or without
// Prefer: include-unknown-enum-members, so every contender is held to the
// same headers. It reports whether the request may be served.
func checkRequest(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+token {
		writeJSON(w, http.StatusUnauthorized, noTokenBody)
		return false
	}
	if !strings.Contains(strings.Join(r.Header.Values("Prefer"), ","), "include-unknown-enum-members") {
		writeJSON(w, http.StatusBadRequest, noPreferBody)
		return false
	}
	return true
}

// writeJSON writes a JSON response the way Graph does.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("request-id", "b0b0b0b0-0000-0000-0000-000000000000")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// cancelPath is the path every contender must POST to.
const cancelPath = "/v1.0/solutions/backupRestore/protectionUnits/" + unitID + "/cancelOffboard"

// staticHandler answers every well-formed POST to cancelPath with status
// and body.
func staticHandler(status int, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !checkRequest(w, r) {
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != cancelPath {
			writeJSON(w, http.StatusNotFound, wrongRouteBody)
			return
		}
		writeJSON(w, status, body)
	})
}

// loopbackTransport is a tuned transport shared by every contender so they
// all reuse connections the same way.
func loopbackTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return t
}

// safeErr formats err without trusting it: msgraph-sdk-go's
// (*ODataError).Error dereferences the message and panics when the body had
// none.
func safeErr(err error) (s string) {
	if err == nil {
		return "<nil>"
	}
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("%T (its Error() panicked: %v)", err, r)
		}
	}()
	return err.Error()
}

// cpuMeter measures the CPU time the benchmark process spends over a run.
// The servers run in another process, so it is the client's alone: its
// own work, its transport goroutines and its garbage collection. It is
// steadier than ns/op, which is a full round trip on shared CPUs.
type cpuMeter struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuMeter {
	d, ok := processCPU()
	return cpuMeter{d, ok}
}

// report adds the cpu-ns/op metric for ops operations.
func (m cpuMeter) report(b *testing.B, ops int) {
	end, ok := processCPU()
	if !m.ok || !ok || ops <= 0 {
		return
	}
	b.ReportMetric(float64(end-m.start)/float64(ops), "cpu-ns/op")
}

// loop runs op in a b.Loop, failing the benchmark on its first error, and
// reports allocations and cpu-ns/op.
func loop(b *testing.B, op func() error) {
	b.ReportAllocs()
	cpu := startCPU()
	n := 0
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu.report(b, n)
}
