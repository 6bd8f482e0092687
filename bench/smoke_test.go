package bench

import (
	"net/http"
	"strings"
	"testing"

	"github.com/m365kit/backuprestore/bench/benchserver"
)

// TestContenders runs every contender of every benchmark of this module
// once, so `go test` (without -bench) proves that each one gets the right
// answer. bench/msgraph has the same test for msgraph-sdk-go.
func TestContenders(t *testing.T) {
	ctx := t.Context()
	hc := &http.Client{Transport: benchserver.LoopbackTransport()}

	ok := servers.OK + "/v1.0"
	forbidden := servers.Forbidden + "/v1.0"
	listBase := servers.List + "/v1.0"
	want := benchserver.ExpectedListing()

	for name, err := range map[string]error{
		"cancel/floor":         floorCancelOK(hc, ok),
		"cancel/backuprestore": sdkCancelOK(ctx, newSDK(t, ok)),
		"403/floor":            floor403OK(hc, forbidden),
		"403/backuprestore":    sdk403OK(ctx, newSDK(t, forbidden)),
		"list/floor":           floorListOK(hc, listBase, want),
		"list/backuprestore":   sdkListOK(ctx, newSDK(t, listBase), want),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if want.Count != benchserver.ListUnits || want.OffboardRequested == 0 {
		t.Errorf("list server generated %+v", want)
	}
}

// TestServerRefusesMissingHeaders checks that the servers hold every
// contender to the same headers: without the token or the Prefer header a
// call fails instead of being measured.
func TestServerRefusesMissingHeaders(t *testing.T) {
	base := servers.OK
	for _, tc := range []struct {
		name, auth, prefer string
		want               int
	}{
		{"no token", "", "include-unknown-enum-members", http.StatusUnauthorized},
		{"wrong token", "Bearer other", "include-unknown-enum-members", http.StatusUnauthorized},
		{"no prefer", "Bearer " + benchserver.Token, "", http.StatusBadRequest},
		{"all", "Bearer " + benchserver.Token, "include-unknown-enum-members", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+benchserver.CancelPath, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		if tc.prefer != "" {
			req.Header.Set("Prefer", tc.prefer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	// A wrong path is refused too.
	req, _ := http.NewRequest(http.MethodPost, base+strings.Replace(benchserver.CancelPath, "cancelOffboard", "offboard", 1), nil)
	req.Header.Set("Authorization", "Bearer "+benchserver.Token)
	req.Header.Set("Prefer", "include-unknown-enum-members")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("wrong path: status %d, want 404", resp.StatusCode)
	}
}
