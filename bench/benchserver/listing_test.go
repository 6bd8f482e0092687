package benchserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestListingCheck: Check accepts only the exact listing.
func TestListingCheck(t *testing.T) {
	want := ExpectedListing()
	if want.Count != ListUnits || want.LastID != listUnitID(ListUnits-1) || want.OffboardRequested != ListUnits/len(listStatuses) {
		t.Fatalf("ExpectedListing() = %+v", want)
	}
	if err := want.Check("same", want); err != nil {
		t.Errorf("Check(want, want) = %v", err)
	}
	for name, got := range map[string]Listing{
		"one short":            {want.Count - 1, want.LastID, want.OffboardRequested},
		"wrong last":           {want.Count, listUnitID(0), want.OffboardRequested},
		"no offboardRequested": {want.Count, want.LastID, 0},
	} {
		if err := got.Check(name, want); err == nil {
			t.Errorf("%s: Check accepted %+v", name, got)
		}
	}
}

// TestListHandlerPages: following @odata.nextLink from $top=999 yields
// ExpectedListing, and the handler refuses a missing token, a wrong $top
// and an unknown $skiptoken.
func TestListHandlerPages(t *testing.T) {
	const origin = "http://127.0.0.1:1"
	h := listHandler(origin)

	get := func(url, token string) (int, []byte) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Prefer", "include-unknown-enum-members")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}

	var got Listing
	pages := 0
	for next := fmt.Sprintf("%s%s?$top=%d", origin, ListPath, ListPageSize); next != ""; pages++ {
		code, body := get(next, Token)
		if code != http.StatusOK {
			t.Fatalf("page %d: status %d: %s", pages, code, body)
		}
		var p struct {
			NextLink string `json:"@odata.nextLink"`
			Value    []struct{ ID, Status string }
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Value {
			got.Add(u.ID, u.Status == "offboardRequested")
		}
		next = p.NextLink
	}
	if err := got.Check("listHandler", ExpectedListing()); err != nil {
		t.Error(err)
	}
	if want := (ListUnits + ListPageSize - 1) / ListPageSize; pages != want {
		t.Errorf("%d pages, want %d", pages, want)
	}

	for name, tc := range map[string]struct {
		url, token string
		want       int
	}{
		"no token":       {ListPath + "?$top=999", "", http.StatusUnauthorized},
		"wrong $top":     {ListPath + "?$top=100", Token, http.StatusNotFound},
		"bad $skiptoken": {ListPath + "?$top=999&$skiptoken=nope", Token, http.StatusBadRequest},
	} {
		if code, body := get(origin+tc.url, tc.token); code != tc.want {
			t.Errorf("%s: status %d, want %d: %s", name, code, tc.want, body)
		}
	}
}
