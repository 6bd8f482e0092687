package fake_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// item is a $batch request item.
func item(id, method, url string, extra ...any) map[string]any {
	m := map[string]any{"id": id, "method": method, "url": url}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// batch posts a $batch body.
func (e *env) batch(items ...map[string]any) *result {
	e.t.Helper()
	return e.do("POST", "/$batch", contentType("application/json"), body(batchBody(e.t, items...)))
}

func TestBatch(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("off", models.StatusUnprotected, ""), site("can", models.StatusOffboardRequested, ""), site("att", models.StatusProtected, "p"), site("a/b?c#d", models.StatusUnprotected, ""))
	pref := map[string]string{"Prefer": "include-unknown-enum-members", "client-request-id": "item-crid"}
	r := e.batch(
		item("1", "POST", unitPath("off", "offboard")),
		item("2", "POST", unitPath("can", "cancelOffboard"), "headers", pref),
		item("3", "POST", unitPath("att", "offboard")),
		item("4", "GET", unitPath("nope")),
		item("5", "GET", "solutions/backupRestore/protectionUnits?$top=2&$select=id", "headers", pref),
		item("6", "POST", "/solutions/backupRestore/protectionUnits/a%2Fb%3Fc%23d/offboard"),
		item("7", "GET", base+unitPath("off")),
		item("8", "GET", "https://evil.example.com/v1.0"+unitPath("off")),
		item("9", "GET", "/me/drive"),
		item("10", "POST", "/$batch"),
		item("11", "DELETE", unitPath("att")),
		item("12", "get", unitsPath+"/$count"),
	)
	require.Contains(t, r.header.Get("Content-Type"), "application/json")
	items, order := batchResponses(t, r)
	require.Len(t, items, 12)
	wantStatus := map[string]int{"1": 200, "2": 200, "3": 403, "4": 404, "5": 200, "6": 200, "7": 200, "8": 400, "9": 400, "10": 400, "11": 405, "12": 200}
	for id, st := range wantStatus {
		require.EqualValues(t, st, items[id]["status"], "item %s: %v", id, items[id])
		h := items[id]["headers"].(map[string]any)
		require.NotEmpty(t, h["request-id"], id)
		require.NotEqual(t, r.header.Get("request-id"), h["request-id"], "each item has its own request-id")
	}
	// Prefer per item.
	require.Equal(t, "unknownFutureValue", items["1"]["body"].(map[string]any)["status"])
	require.Equal(t, "cancelOffboardRequested", items["2"]["body"].(map[string]any)["status"])
	h2 := items["2"]["headers"].(map[string]any)
	require.Equal(t, "include-unknown-enum-members", h2["Preference-Applied"])
	require.Equal(t, "item-crid", h2["client-request-id"])
	require.Equal(t, "OperationNotAllowed", items["3"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	require.Equal(t, "ProtectionUnitNotFound", items["4"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	require.Len(t, items["5"]["body"].(map[string]any)["value"], 2)
	require.Contains(t, items["5"]["body"].(map[string]any)["@odata.nextLink"], base+"/solutions/backupRestore/protectionUnits?$skiptoken=")
	require.Equal(t, "4", items["12"]["body"], "text bodies are JSON strings")
	// The actions were applied once each.
	require.Equal(t, models.StatusOffboardRequested, e.status("off"))
	require.Equal(t, models.StatusCancelOffboardRequested, e.status("can"))
	require.Equal(t, models.StatusOffboardRequested, e.status("a/b?c#d"))
	tr := e.srv.Transitions("off")
	require.Len(t, tr, 1)
	require.True(t, tr[0].InBatch)
	require.Equal(t, items["1"]["headers"].(map[string]any)["request-id"], tr[0].RequestID)
	// Not request order, but deterministic for a seed.
	var reqOrder []string
	for i := 1; i <= 12; i++ {
		reqOrder = append(reqOrder, fmt.Sprint(i))
	}
	require.NotEqual(t, reqOrder, order)
	e2 := newEnv(t, nil)
	e2.add(site("off", models.StatusUnprotected, ""), site("can", models.StatusOffboardRequested, ""), site("att", models.StatusProtected, "p"), site("a/b?c#d", models.StatusUnprotected, ""))
	_, order2 := batchResponses(t, e2.batch(
		item("1", "POST", unitPath("off", "offboard")), item("2", "POST", unitPath("can", "cancelOffboard"), "headers", pref),
		item("3", "POST", unitPath("att", "offboard")), item("4", "GET", unitPath("nope")), item("5", "GET", "solutions/backupRestore/protectionUnits?$top=2&$select=id", "headers", pref),
		item("6", "POST", "/solutions/backupRestore/protectionUnits/a%2Fb%3Fc%23d/offboard"), item("7", "GET", base+unitPath("off")),
		item("8", "GET", "https://evil.example.com/v1.0"+unitPath("off")), item("9", "GET", "/me/drive"), item("10", "POST", "/$batch"),
		item("11", "DELETE", unitPath("att")), item("12", "get", unitsPath+"/$count"),
	))
	require.Equal(t, order, order2)
	// Two items: never in request order.
	for range 20 {
		_, o := batchResponses(t, e.batch(item("a", "GET", unitPath("off")), item("b", "GET", unitPath("can"))))
		require.Equal(t, []string{"b", "a"}, o)
	}
}

func TestBatchLimits(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s", models.StatusUnprotected, ""))
	many := func(n int) []map[string]any {
		var out []map[string]any
		for i := range n {
			out = append(out, item(fmt.Sprint(i), "GET", unitPath("s")))
		}
		return out
	}
	items, _ := batchResponses(t, e.batch(many(20)...))
	require.Len(t, items, 20)
	tests := []struct {
		name string
		body string
		ct   string
		code int
	}{
		{"21 requests", batchBody(t, many(21)...), "application/json", 400},
		{"no requests", `{"requests":[]}`, "application/json", 400},
		{"no requests key", `{}`, "application/json", 400},
		{"not json", `requests`, "application/json", 400},
		{"duplicate ids", batchBody(t, item("1", "GET", unitPath("s")), item("1", "GET", unitPath("s"))), "application/json", 400},
		{"empty id", batchBody(t, item("", "GET", unitPath("s"))), "application/json", 400},
		{"no method", batchBody(t, item("1", "", unitPath("s"))), "application/json", 400},
		{"no url", batchBody(t, item("1", "GET", "")), "application/json", 400},
		{"unknown dependency", batchBody(t, item("1", "GET", unitPath("s"), "dependsOn", []string{"9"})), "application/json", 400},
		{"self dependency", batchBody(t, item("1", "GET", unitPath("s"), "dependsOn", []string{"1"})), "application/json", 400},
		{"cycle", batchBody(t, item("1", "GET", unitPath("s"), "dependsOn", []string{"2"}), item("2", "GET", unitPath("s"), "dependsOn", []string{"1"})), "application/json", 400},
		{"form content type", batchBody(t, item("1", "GET", unitPath("s"))), "application/x-www-form-urlencoded", 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/$batch", contentType(tt.ct), body(tt.body))
			require.Equal(t, tt.code, r.status, "%s", r.body)
			require.NotEmpty(t, r.errCode(t))
		})
	}
	// No Content-Type is tolerated; query options are not.
	require.Equal(t, 200, e.do("POST", "/$batch", body(batchBody(t, item("1", "GET", unitPath("s"))))).status)
	require.Equal(t, 400, e.do("POST", "/$batch?$top=1", body(batchBody(t, item("1", "GET", unitPath("s"))))).status)
	require.Empty(t, e.srv.Transitions("s"))
}

func TestBatchDependsOn(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s", models.StatusUnprotected, ""), site("p", models.StatusProtected, "pol"))
	// Sequential: offboard then cancel the same unit; dependencies run first
	// even when listed later.
	items, _ := batchResponses(t, e.batch(
		item("cancel", "POST", unitPath("s", "cancelOffboard"), "dependsOn", []string{"offboard"}),
		item("offboard", "POST", unitPath("s", "offboard")),
		item("get", "GET", unitPath("s"), "dependsOn", []string{"cancel"}, "headers", map[string]string{"Prefer": "include-unknown-enum-members"}),
	))
	require.EqualValues(t, 200, items["offboard"]["status"])
	require.EqualValues(t, 200, items["cancel"]["status"])
	require.Equal(t, "cancelOffboardRequested", items["get"]["body"].(map[string]any)["status"])

	// A failed dependency fails its dependants (transitively) with 424.
	items, _ = batchResponses(t, e.batch(
		item("bad", "POST", unitPath("p", "offboard")),
		item("dep", "POST", unitPath("p", "cancelOffboard"), "dependsOn", []string{"bad"}),
		item("dep2", "GET", unitPath("p"), "dependsOn", []string{"dep"}),
		item("free", "GET", unitPath("p")),
	))
	require.EqualValues(t, 403, items["bad"]["status"])
	require.EqualValues(t, 424, items["dep"]["status"])
	require.EqualValues(t, 424, items["dep2"]["status"])
	require.EqualValues(t, 200, items["free"]["status"])
	require.Equal(t, "FailedDependency", items["dep"]["body"].(map[string]any)["error"].(map[string]any)["code"])
	require.Len(t, e.srv.Transitions("p"), 0)
}

func TestBatchItemThrottling(t *testing.T) {
	e := newEnv(t, nil)
	var ids []string
	for i := range 6 {
		id := fmt.Sprintf("u%d", i)
		ids = append(ids, id)
		e.add(site(id, models.StatusUnprotected, ""))
	}
	f := e.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, InBatch: true, Kind: fake.FaultStatus, Status: 429, RetryAfter: "2.128", Count: 2})
	var reqs []map[string]any
	for _, id := range ids {
		reqs = append(reqs, item(id, "POST", unitPath(id, "offboard")))
	}
	items, _ := batchResponses(t, e.batch(reqs...))
	var throttled []string
	for _, id := range ids {
		it := items[id]
		switch it["status"] {
		case float64(429):
			throttled = append(throttled, id)
			h := it["headers"].(map[string]any)
			require.Equal(t, "2.128", h["Retry-After"])
			require.Equal(t, "TooManyRequests", it["body"].(map[string]any)["error"].(map[string]any)["code"])
			require.Equal(t, models.StatusUnprotected, e.status(id), "a throttled item is not applied")
		case float64(200):
			require.Equal(t, models.StatusOffboardRequested, e.status(id))
		default:
			t.Fatalf("item %s: %v", id, it)
		}
	}
	require.Equal(t, []string{"u0", "u1"}, throttled, "the first Count matching items, in run order")
	require.Equal(t, 2, e.srv.FaultHits(f))
	// Retrying the throttled items applies them once.
	items, _ = batchResponses(t, e.batch(item("u0", "POST", unitPath("u0", "offboard")), item("u1", "POST", unitPath("u1", "offboard"))))
	require.EqualValues(t, 200, items["u0"]["status"])
	for _, id := range ids {
		require.Equal(t, 1, causes(e.srv.Transitions(id), fake.CauseOffboard), id)
	}
	// RouteBatchItem hits every item; top-level requests are untouched.
	e.srv.AddFault(fake.Fault{Route: fake.RouteBatchItem, Kind: fake.FaultStatus, Status: 503, Count: 1})
	require.Equal(t, 200, e.do("GET", unitPath("u0")).status)
	items, _ = batchResponses(t, e.batch(item("g", "GET", unitPath("u0"))))
	require.EqualValues(t, 503, items["g"]["status"])
	require.Nil(t, items["g"]["headers"].(map[string]any)["Retry-After"])
}

func TestBatchOverHTTP(t *testing.T) {
	srv := fake.NewServer(nil)
	require.NoError(t, srv.AddUnit(site("s", models.StatusUnprotected, "")))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tok := fake.NewDelegatedCredential().Token()
	r := doWith(t, ts.Client(), tok, "POST", ts.URL+"/v1.0/$batch", contentType("application/json"), body(batchBody(t,
		item("abs", "GET", ts.URL+"/v1.0"+unitPath("s")),
		item("graph", "GET", "https://graph.microsoft.com/v1.0"+unitPath("s")),
		item("rel", "POST", unitPath("s", "offboard")),
	)))
	items, _ := batchResponses(t, r)
	require.EqualValues(t, 200, items["abs"]["status"])
	require.EqualValues(t, 400, items["graph"]["status"], "another host than the $batch's")
	require.EqualValues(t, 200, items["rel"]["status"])
	recs := srv.Requests()
	var inBatch []string
	for _, rec := range recs {
		if rec.InBatch {
			inBatch = append(inBatch, rec.BatchItemID)
		}
	}
	slices.Sort(inBatch)
	require.Equal(t, []string{"abs", "graph", "rel"}, inBatch)
	last := recs[len(recs)-1]
	require.Equal(t, http.StatusOK, last.Status, "the $batch is recorded once answered, after its items")
	require.Equal(t, fake.RouteBatch, last.Route)
	require.False(t, last.InBatch)
}
