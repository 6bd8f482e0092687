package bench

import (
	"net/http"
	"strings"
	"testing"
)

// TestContenders runs every contender of every benchmark once, so `go test`
// (without -bench) proves that each one gets the right answer.
func TestContenders(t *testing.T) {
	ctx := t.Context()
	hc := &http.Client{Transport: loopbackTransport()}

	ok := servers.OK + "/v1.0"
	forbidden := servers.Forbidden + "/v1.0"
	listBase := servers.List + "/v1.0"
	want := expectedListing()
	graphOK, _ := newMSGraph(t, ok)
	graph403, _ := newMSGraph(t, forbidden)
	graphList, graphListAdapter := newMSGraph(t, listBase)

	for name, err := range map[string]error{
		"cancel/floor":         floorCancelOK(hc, ok),
		"cancel/backuprestore": sdkCancelOK(ctx, newSDK(t, ok)),
		"cancel/msgraph":       msgraphCancelOK(ctx, graphOK),
		"403/floor":            floor403OK(hc, forbidden),
		"403/backuprestore":    sdk403OK(ctx, newSDK(t, forbidden)),
		"403/msgraph":          msgraph403OK(ctx, graph403),
		"decode/msgraph":       msgraphDecode(seedUnit(t)),
		"list/floor":           floorListOK(hc, listBase, want),
		"list/backuprestore":   sdkListOK(ctx, newSDK(t, listBase), want),
		"list/msgraph":         msgraphListOK(ctx, graphList, graphListAdapter, want),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if want.count != listUnits || want.offboarded == 0 {
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
		{"no prefer", "Bearer " + token, "", http.StatusBadRequest},
		{"all", "Bearer " + token, "include-unknown-enum-members", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+cancelPath, nil)
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
	req, _ := http.NewRequest(http.MethodPost, base+strings.Replace(cancelPath, "cancelOffboard", "offboard", 1), nil)
	req.Header.Set("Authorization", "Bearer "+token)
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
