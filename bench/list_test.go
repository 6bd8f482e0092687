package bench

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/solutions"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

const (
	listUnits    = 10000
	listPageSize = 999
	listPath     = "/v1.0/solutions/backupRestore/protectionUnits"
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

// listWant is what every contender must see in a full listing.
type listWant struct {
	count      int
	lastID     string
	offboarded int // units in offboardRequested: only visible with the Prefer header
}

// listTally accumulates what a contender saw.
type listTally struct {
	count      int
	lastID     string
	offboarded int
}

func (t *listTally) add(id string, offboardRequested bool) {
	t.count++
	t.lastID = id
	if offboardRequested {
		t.offboarded++
	}
}

func (t listTally) check(name string, w listWant) error {
	if t.count != w.count || t.lastID != w.lastID || t.offboarded != w.offboarded {
		return fmt.Errorf("%s: listed %d units (last %q, %d offboardRequested), want %d (last %q, %d)",
			name, t.count, t.lastID, t.offboarded, w.count, w.lastID, w.offboarded)
	}
	return nil
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
	raw := fmt.Sprintf("3e2d000000313a%08x2d%08x%0120d", k, k*listPageSize, 0)
	return base64.StdEncoding.EncodeToString([]byte(raw))
}

// expectedListing is what every contender must see in a full listing.
func expectedListing() listWant {
	var want listWant
	for i := range listUnits {
		want.count++
		want.lastID = listUnitID(i)
		if listStatuses[i%len(listStatuses)] == "offboardRequested" {
			want.offboarded++
		}
	}
	return want
}

// listHandler serves listUnits generated units in pages of listPageSize from
// origin, each page but the last with an absolute @odata.nextLink carrying
// $top and a $skiptoken. The bodies are built once, so serving is a map
// lookup and a write. The first request must ask for $top=999.
func listHandler(origin string) http.Handler {
	var pages [][]byte
	byToken := map[string]int{}
	for start, k := 0, 0; start < listUnits; start, k = start+listPageSize, k+1 {
		end := min(start+listPageSize, listUnits)
		b := []byte(`{"@odata.context":"` + origin + `/v1.0/$metadata#solutions/backupRestore/protectionUnits",`)
		if end < listUnits {
			tok := skipToken(k + 1)
			byToken[tok] = k + 1
			b = fmt.Appendf(b, `"@odata.nextLink":"%s%s?$top=%d&$skiptoken=%s",`, origin, listPath, listPageSize, url.QueryEscape(tok))
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
		if r.Method != http.MethodGet || r.URL.Path != listPath || q.Get("$top") != fmt.Sprint(listPageSize) {
			writeJSON(w, http.StatusNotFound, wrongRouteBody)
			return
		}
		writeJSON(w, http.StatusOK, pages[k])
	})
}

// floorListOK lists with the floor and checks the result.
func floorListOK(hc *http.Client, base string, want listWant) error {
	var t listTally
	err := floorList(hc, fmt.Sprintf("%s/solutions/backupRestore/protectionUnits?$top=%d", base, listPageSize), func(u *floorUnit) {
		t.add(u.ID, u.Status == "offboardRequested")
	})
	if err != nil {
		return err
	}
	return t.check("floor", want)
}

// sdkListOK lists with backuprestore's All iterator and checks the result.
func sdkListOK(ctx context.Context, c *backuprestore.Client, want listWant) error {
	var t listTally
	for u, err := range c.ProtectionUnits().All(ctx, &backuprestore.ListOptions{Top: listPageSize}) {
		if err != nil {
			return err
		}
		t.add(u.ID, u.Status == models.StatusOffboardRequested)
	}
	return t.check("backuprestore", want)
}

// msgraphListOK lists with msgraph-sdk-go: the first page through the
// request builder, the rest through msgraph-sdk-go-core's PageIterator (the
// documented way), which follows @odata.nextLink.
func msgraphListOK(ctx context.Context, c *msgraphsdk.GraphServiceClient, adapter abs.RequestAdapter, want listWant) error {
	top := int32(listPageSize)
	resp, err := c.Solutions().BackupRestore().ProtectionUnits().Get(ctx, &solutions.BackupRestoreProtectionUnitsRequestBuilderGetRequestConfiguration{
		Headers:         msgraphHeaders(),
		QueryParameters: &solutions.BackupRestoreProtectionUnitsRequestBuilderGetQueryParameters{Top: &top},
	})
	if err != nil {
		return errors.New(safeErr(err))
	}
	it, err := msgraphcore.NewPageIterator[msmodels.ProtectionUnitBaseable](resp, adapter, msmodels.CreateProtectionUnitBaseCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return err
	}
	it.SetHeaders(msgraphHeaders())
	var t listTally
	err = it.Iterate(ctx, func(u msmodels.ProtectionUnitBaseable) bool {
		id, st := "", u.GetStatus()
		if p := u.GetId(); p != nil {
			id = *p
		}
		t.add(id, st != nil && *st == msmodels.OFFBOARDREQUESTED_PROTECTIONUNITSTATUS)
		return true
	})
	if err != nil {
		return errors.New(safeErr(err))
	}
	return t.check("msgraph", want)
}

// BenchmarkList10000: a full listing of 10,000 units in pages of 999 (11
// requests), every unit decoded. ns/op and allocs/op are per listing;
// ns/unit and allocs/unit divide them by 10,000.
func BenchmarkList10000(b *testing.B) {
	want := expectedListing()
	base := servers.List + "/v1.0"
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: loopbackTransport()}
		perUnit(b, func() error { return floorListOK(hc, base, want) })
	})
	b.Run("backuprestore", func(b *testing.B) {
		c := newSDK(b, base)
		perUnit(b, func() error { return sdkListOK(b.Context(), c, want) })
	})
	b.Run("msgraph", func(b *testing.B) {
		c, adapter := newMSGraph(b, base)
		perUnit(b, func() error { return msgraphListOK(b.Context(), c, adapter, want) })
	})
}

// perUnit runs list in a b.Loop and reports ns/unit and allocs/unit beside
// the per-listing figures.
func perUnit(b *testing.B, list func() error) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := startCPU()
	n := 0
	for b.Loop() {
		if err := list(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu.report(b, n)
	runtime.ReadMemStats(&after)
	units := float64(n * listUnits)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/units, "ns/unit")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/units, "allocs/unit")
}
