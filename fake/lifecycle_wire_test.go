package fake_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	khttp "github.com/microsoft/kiota-http-go"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// gz returns s gzip-compressed.
func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.String()
}

func TestBatchWithPolicyRoutes(t *testing.T) {
	e := policyEnv(t, nil)
	patchBody := json.RawMessage(deltaBody(t, sp, removal("s1"), map[string]any{"siteId": "h,new,site"}))
	items := []map[string]any{
		{"id": "patch", "method": "PATCH", "url": "/solutions/backupRestore/sharePointProtectionPolicies/sp-1",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": patchBody},
		{"id": "policy", "method": "GET", "url": "/solutions/backupRestore/protectionPolicies/sp-1", "dependsOn": []string{"patch"}},
		{"id": "units", "method": "GET", "url": "/solutions/backupRestore/sharePointProtectionPolicies/sp-1/siteProtectionUnits?$top=2"},
		{"id": "list", "method": "GET", "url": "/solutions/backupRestore/exchangeProtectionPolicies"},
		{"id": "status", "method": "GET", "url": "/solutions/backupRestore"},
		{"id": "no-ctype", "method": "PATCH", "url": "/solutions/backupRestore/sharePointProtectionPolicies/sp-1", "body": patchBody},
		{"id": "null-body", "method": "GET", "url": "/solutions/backupRestore/protectionPolicies", "body": nil},
		{"id": "bad", "method": "PATCH", "url": "/solutions/backupRestore/sharePointProtectionPolicies/nope",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": patchBody},
	}
	r := e.do("POST", "/$batch", contentType("application/json"), body(batchBody(t, items...)))
	out, _ := batchResponses(t, r)
	want := map[string]int{"patch": 200, "policy": 200, "units": 200, "list": 200, "status": 200, "no-ctype": 400, "null-body": 200, "bad": 404}
	for id, st := range want {
		require.EqualValues(t, st, out[id]["status"], "%s: %v", id, out[id]["body"])
	}
	echo := out["patch"]["body"].(map[string]any)["siteProtectionUnits@delta"].([]any)
	require.Equal(t, "removeRequested", echo[0].(map[string]any)["status"])
	require.Equal(t, "protectRequested", echo[1].(map[string]any)["status"])
	require.Equal(t, "updating", out["policy"]["body"].(map[string]any)["status"])
	require.Len(t, out["units"]["body"].(map[string]any)["value"], 2)
	require.Contains(t, out["units"]["body"].(map[string]any)["@odata.nextLink"], base+"/solutions/backupRestore/sharePointProtectionPolicies/sp-1/siteProtectionUnits?$skiptoken=")
	require.Equal(t, "enabled", out["status"]["body"].(map[string]any)["serviceStatus"].(map[string]any)["status"])
	require.Equal(t, "PolicyNotFound", out["bad"]["body"].(map[string]any)["error"].(map[string]any)["code"])

	// The removal was applied once, by the batch item, and is recorded so.
	ts := e.srv.Transitions("s1")
	require.Len(t, ts, 1)
	require.True(t, ts[0].InBatch)
	require.Equal(t, out["patch"]["headers"].(map[string]any)["request-id"], ts[0].RequestID)
	var rec *fake.RecordedRequest
	for _, q := range e.srv.Requests() {
		if q.BatchItemID == "patch" {
			rec = &q
		}
	}
	require.NotNil(t, rec)
	require.Equal(t, fake.RoutePolicyPatch, rec.Route)
	require.Equal(t, "sp-1", rec.PolicyID)
	require.Equal(t, 200, rec.Status)
	require.True(t, rec.InBatch)
}

func TestCompressedBodies(t *testing.T) {
	e := policyEnv(t, nil)
	// A gzipped PATCH.
	r := e.patch(sp, "sp-1", gz(t, deltaBody(t, sp, removal("s1"))), header("Content-Encoding", "gzip"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, models.StatusRemoveRequested, e.status("s1"))

	// A gzipped $batch whose item is a PATCH.
	batch := batchBody(t, map[string]any{"id": "1", "method": "PATCH", "url": "/solutions/backupRestore/sharePointProtectionPolicies/sp-1",
		"headers": map[string]string{"Content-Type": "application/json"}, "body": json.RawMessage(deltaBody(t, sp, removal("s2")))})
	r = e.do("POST", "/$batch", contentType("application/json"), header("Content-Encoding", "gzip"), body(gz(t, batch)))
	out, _ := batchResponses(t, r)
	require.EqualValues(t, 200, out["1"]["status"], "%v", out["1"])
	require.Equal(t, models.StatusRemoveRequested, e.status("s2"))

	// Identity and stacked codings; an unknown coding is a 415 and changes nothing.
	r = e.patch(sp, "sp-1", gz(t, gz(t, `{"displayName":"Twice"}`)), header("Content-Encoding", "gzip, x-gzip"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = e.patch(sp, "sp-1", `{"displayName":"Plain"}`, header("Content-Encoding", "identity"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = e.patch(sp, "sp-1", deltaBody(t, sp, removal("s3")), header("Content-Encoding", "br"))
	require.Equal(t, http.StatusUnsupportedMediaType, r.status)
	require.Equal(t, "UnsupportedMediaType", r.errCode(t))
	r = e.patch(sp, "sp-1", "not gzip", header("Content-Encoding", "gzip"))
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, models.StatusProtected, e.status("s3"))
	big := gz(t, `{"displayName":"`+strings.Repeat("x", 5<<20)+`"}`)
	r = e.patch(sp, "sp-1", big, header("Content-Encoding", "gzip"))
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)

	// Kiota's own compression handler (the one msgraph-sdk-go installs)
	// gzips the body; the emulator takes it as is.
	kc := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(e.srv.Transport(), khttp.NewCompressionHandler())}
	req, err := http.NewRequestWithContext(t.Context(), "PATCH", base+policyPath(sp, "sp-1"), strings.NewReader(deltaBody(t, sp, removal("s3"))))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := kc.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.Equal(t, models.StatusRemoveRequested, e.status("s3"))
	last := e.srv.Requests()[len(e.srv.Requests())-1]
	require.Equal(t, "gzip", last.Header.Get("Content-Encoding"), "the body did arrive compressed")
}

func TestFaultsOnPolicyRoutes(t *testing.T) {
	e := policyEnv(t, nil)
	// A status fault answers before anything is applied.
	id := e.srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, Kind: fake.FaultStatus, Status: 503, Count: 1})
	r := e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")))
	require.Equal(t, 503, r.status)
	require.Equal(t, models.StatusProtected, e.status("s1"))
	require.Equal(t, 1, e.srv.FaultHits(id))

	// A reset after the PATCH was applied: the client sees an error, the
	// removal happened, exactly once.
	e.srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, Kind: fake.FaultResetAfter, Count: 1})
	r = e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")))
	require.True(t, errors.Is(r.err, syscall.ECONNRESET), "%v", r.err)
	require.Equal(t, models.StatusRemoveRequested, e.status("s1"))
	r = e.patch(sp, "sp-1", deltaBody(t, sp, removal("s1")))
	require.Equal(t, 200, r.status)
	require.Contains(t, deltaEcho(t, r, sp)[0], "@Core.DataModificationException", "the retry finds it already pending")
	require.Equal(t, 1, causes(e.srv.Transitions("s1"), fake.CauseRemove))

	// Faults on the read routes, restricted to a policy.
	e.srv.AddFault(fake.Fault{Route: fake.RoutePolicyUnitList, PolicyID: "od-1", Kind: fake.FaultStatus, Status: 429, Count: 1})
	require.Equal(t, 200, e.do("GET", policyPath(sp, "sp-1", "siteProtectionUnits")).status, "another policy")
	r = e.do("GET", policyPath(od, "od-1", "driveProtectionUnits"))
	require.Equal(t, 429, r.status)
	require.Equal(t, "1", r.header.Get("Retry-After"))
	for _, rt := range []fake.Route{fake.RoutePolicyList, fake.RoutePolicyGet, fake.RoutePolicyUnitGet, fake.RouteServiceStatus} {
		e.srv.AddFault(fake.Fault{Route: rt, Kind: fake.FaultHTMLBody, Count: 1})
	}
	for _, path := range []string{brRoot + "/protectionPolicies", policyPath(sp, "sp-1"), policyPath(sp, "sp-1", "siteProtectionUnits", "s2"), brRoot} {
		r := e.do("GET", path)
		require.Equal(t, 502, r.status, path)
		require.Equal(t, "text/html", r.header.Get("Content-Type"))
	}

	// An item fault in a $batch: that PATCH item is not applied.
	e.srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, InBatch: true, Kind: fake.FaultStatus, Status: 429, RetryAfter: "2", Count: 1})
	items := []map[string]any{{"id": "1", "method": "PATCH", "url": "/solutions/backupRestore/sharePointProtectionPolicies/sp-1",
		"headers": map[string]string{"Content-Type": "application/json"}, "body": json.RawMessage(deltaBody(t, sp, removal("s2")))}}
	out, _ := batchResponses(t, e.do("POST", "/$batch", contentType("application/json"), body(batchBody(t, items...))))
	require.EqualValues(t, 429, out["1"]["status"])
	require.Equal(t, "2", out["1"]["headers"].(map[string]any)["Retry-After"])
	require.Equal(t, models.StatusProtected, e.status("s2"))

	rec := e.srv.Requests()
	var routes []string
	for _, q := range rec {
		if q.Route == fake.RoutePolicyPatch && !q.InBatch {
			routes = append(routes, q.PolicyID+":"+q.Fault.String())
		}
	}
	require.Equal(t, []string{"sp-1:status", "sp-1:resetAfter", "sp-1:none"}, routes)
}

func TestPolicyPatchOverHTTP(t *testing.T) {
	// Over a real socket: the same answers, the absolute nextLinks use the socket's host.
	srv := fake.NewServer(&fake.Options{PageSize: 2})
	srv.Seed(100)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	tok := fake.NewDelegatedCredential().Token()
	pols := srv.Policies()
	var active fake.Policy
	for _, p := range pols {
		if p.IsEnabled && p.Kind == models.PolicyKindSharePoint {
			active = p
		}
	}
	r := doWith(t, hs.Client(), tok, "GET", hs.URL+"/v1.0"+policyPath(sp, active.ID, "siteProtectionUnits"))
	require.Equal(t, 200, r.status, "%s", r.body)
	next, _ := r.json(t)["@odata.nextLink"].(string)
	require.True(t, strings.HasPrefix(next, hs.URL+"/v1.0/solutions/backupRestore/sharePointProtectionPolicies/"+active.ID+"/siteProtectionUnits?$skiptoken="), "%s %s", next, r.body)

	var victim string
	for _, u := range srv.Units() {
		if u.PolicyID == active.ID && u.Status == models.StatusProtected && u.ProtectionSources == "manual" {
			victim = u.ID
		}
	}
	require.NotEmpty(t, victim)
	r = doWith(t, hs.Client(), tok, "PATCH", hs.URL+"/v1.0"+policyPath(sp, active.ID), contentType("application/json"),
		header("Content-Encoding", "gzip"), body(gz(t, deltaBody(t, sp, removal(victim)))))
	require.Equal(t, 200, r.status, "%s", r.body)
	u, _ := srv.Unit(victim)
	require.Equal(t, models.StatusRemoveRequested, u.Status)
}
