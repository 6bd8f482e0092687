package benchserver

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
)

const (
	// ListUnits is the number of units the List server serves.
	ListUnits = 10000
	// ListPageSize is the page size the List server serves, and the $top
	// it requires on the first request.
	ListPageSize = 999
	// ListPath is the path of the listing.
	ListPath = "/v1.0/solutions/backupRestore/protectionUnits"
)

// listStatuses are the statuses the generated units cycle through: every
// documented member except the unknownFutureValue sentinel, which the
// service does not send when Prefer: include-unknown-enum-members is set.
var listStatuses = []string{
	"protectRequested", "protected", "unprotectRequested", "unprotected",
	"removeRequested", "offboardRequested", "offboarded", "cancelOffboardRequested",
}

var listSources = []string{"manual", "dynamicRule", "manual,dynamicRule", "none"}

// listUnitID is the ID of the i-th generated unit.
func listUnitID(i int) string {
	return fmt.Sprintf("%08x-71fe-4d00-a01a-31850bc5b32c", i)
}

// Listing is what a contender saw in a full listing (add each unit with
// Add), or what it must see (ExpectedListing).
type Listing struct {
	Count  int
	LastID string
	// OffboardRequested counts the units in offboardRequested, a status
	// the service only sends with Prefer: include-unknown-enum-members.
	OffboardRequested int
}

// Add records one listed unit.
func (l *Listing) Add(id string, offboardRequested bool) {
	l.Count++
	l.LastID = id
	if offboardRequested {
		l.OffboardRequested++
	}
}

// Check returns nil if got equals want, else an error that names the
// contender and both listings.
func (got Listing) Check(contender string, want Listing) error {
	if got != want {
		return fmt.Errorf("%s: listed %d units (last %q, %d offboardRequested), want %d (last %q, %d)",
			contender, got.Count, got.LastID, got.OffboardRequested, want.Count, want.LastID, want.OffboardRequested)
	}
	return nil
}

// ExpectedListing is what every contender must see in a full listing from
// the List server.
func ExpectedListing() Listing {
	var want Listing
	for i := range ListUnits {
		want.Add(listUnitID(i), listStatuses[i%len(listStatuses)] == "offboardRequested")
	}
	return want
}

// appendUnit appends the i-th generated unit: a site, mailbox or drive unit
// shaped like the documentation's list examples (about 960 bytes each).
func appendUnit(b []byte, i int) []byte {
	id := listUnitID(i)
	status := listStatuses[i%len(listStatuses)]
	sources := listSources[i%len(listSources)]
	offboard := "0001-01-01T00:00:00.0000000Z"
	if status == "offboardRequested" || status == "offboarded" || status == "cancelOffboardRequested" {
		offboard = "2026-05-01T08:30:00.1234567Z"
	}
	b = append(b, '{')
	switch i % 3 {
	case 0:
		b = fmt.Appendf(b, `"@odata.type":"#microsoft.graph.siteProtectionUnit","id":%q,`+
			`"siteId":"contoso.sharepoint.com,%08x-ba1d-49bc-b4d4-d5e36bae9019,712a596e-90a1-49e3-9b48-bfa80bee8740",`+
			`"siteName":"Contoso Site %d","siteWebUrl":"https://contoso.sharepoint.com/sites/site%d",`, id, i, i, i)
	case 1:
		b = fmt.Appendf(b, `"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":%q,`+
			`"directoryObjectId":"%08x-8454-4bb2-bef3-8628ebd1952e","displayName":"User %d","email":"user%d@contoso.com",`, id, i, i, i)
	default:
		b = fmt.Appendf(b, `"@odata.type":"#microsoft.graph.driveProtectionUnit","id":%q,`+
			`"directoryObjectId":"%08x-8454-4bb2-bef3-8628ebd1952e","displayName":"User %d","email":"user%d@contoso.com",`, id, i, i, i)
	}
	b = fmt.Appendf(b, `"policyId":"9fec8e78-bce4-4aaf-ab1b-5451cc387264","status":%q,"protectionSources":%q,`+
		`"createdBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"},`+
		`"user":{"id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"User1","email":"User1@contoso.com"}},`+
		`"createdDateTime":"2025-06-19T12:01:03.45Z",`+
		`"lastModifiedBy":{"application":{"id":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","displayName":"Microsoft Enhanced Restore"},`+
		`"user":{"id":"845457dc-4bb2-4815-bef3-8628ebd1952e","displayName":"User1","email":"User1@contoso.com"}},`+
		`"lastModifiedDateTime":"2025-07-19T12:01:03.45Z","error":null,"offboardRequestedDateTime":%q}`,
		status, sources, offboard)
	return b
}

// skipToken is the opaque $skiptoken of page k (k ≥ 1), as long as Graph's.
func skipToken(k int) string {
	raw := fmt.Sprintf("3e2d000000313a%08x2d%08x%0120d", k, k*ListPageSize, 0)
	return base64.StdEncoding.EncodeToString([]byte(raw))
}

// listHandler serves ListUnits generated units in pages of ListPageSize
// from origin, each page but the last with an absolute @odata.nextLink
// carrying $top and a $skiptoken. The bodies are built once, so serving is
// a map lookup and a write. The first request must ask for $top=999.
func listHandler(origin string) http.Handler {
	var pages [][]byte
	byToken := map[string]int{}
	for start, k := 0, 0; start < ListUnits; start, k = start+ListPageSize, k+1 {
		end := min(start+ListPageSize, ListUnits)
		b := []byte(`{"@odata.context":"` + origin + `/v1.0/$metadata#solutions/backupRestore/protectionUnits",`)
		if end < ListUnits {
			tok := skipToken(k + 1)
			byToken[tok] = k + 1
			b = fmt.Appendf(b, `"@odata.nextLink":"%s%s?$top=%d&$skiptoken=%s",`, origin, ListPath, ListPageSize, url.QueryEscape(tok))
		}
		b = append(b, `"value":[`...)
		for i := start; i < end; i++ {
			if i > start {
				b = append(b, ',')
			}
			b = appendUnit(b, i)
		}
		b = append(b, "]}"...)
		pages = append(pages, b)
	}
	badToken := []byte(`{"error":{"code":"BadRequest","message":"bench: unknown $skiptoken"}}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !checkRequest(w, r) {
			return
		}
		q := r.URL.Query()
		k := 0
		if tok := q.Get("$skiptoken"); tok != "" {
			var ok bool
			if k, ok = byToken[tok]; !ok {
				writeJSON(w, http.StatusBadRequest, badToken)
				return
			}
		}
		if r.Method != http.MethodGet || r.URL.Path != ListPath || q.Get("$top") != fmt.Sprint(ListPageSize) {
			writeJSON(w, http.StatusNotFound, wrongRouteBody)
			return
		}
		writeJSON(w, http.StatusOK, pages[k])
	})
}
