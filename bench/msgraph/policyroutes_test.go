package msgraph

// TestMsgraphDrivesPolicyRoutes is not a benchmark: it checks that
// msgraph-sdk-go, as a real application would use it, works against the
// emulator's policy routes (cmd/emulator, a child process). CI never runs
// it (CI does not compile bench/msgraph). Run it by hand:
//
//	cd bench/msgraph && go test -run TestMsgraphDrivesPolicyRoutes -v ./...
//
// The first run compiles msgraph-sdk-go: minutes and ~4 GiB of memory.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/m365kit/backuprestore/bench/benchserver"
)

// The policy and units the test creates through the control API.
const (
	routesPolicyID   = "c1f4a0c2-2f5e-4a53-9a55-6c1f0a7b3e01"
	routesPolicyName = "msgraph-sdk-go drives the emulator"
	routesRemoved    = "b0a1c2d3-0000-4000-8000-000000000001" // the unit the PATCH removes
)

// routesUnits are the policy's units, routesRemoved first.
var routesUnits = []string{routesRemoved, "b0a1c2d3-0000-4000-8000-000000000002", "b0a1c2d3-0000-4000-8000-000000000003"}

func TestMsgraphDrivesPolicyRoutes(t *testing.T) {
	ctx := t.Context()
	origin := startEmulatorProcess(t)

	// A SharePoint policy of ours with three manually added site units.
	control[json.RawMessage](t, http.MethodPost, origin+"/_emulator/policies", fmt.Sprintf(`{"kind":"sharePoint","id":%q,"displayName":%q}`, routesPolicyID, routesPolicyName), nil)
	for _, id := range routesUnits {
		control[json.RawMessage](t, http.MethodPost, origin+"/_emulator/units", fmt.Sprintf(
			`{"@odata.type":"#microsoft.graph.siteProtectionUnit","id":%q,"policyId":%q,"status":"protected","protectionSources":"manual","siteId":"contoso.sharepoint.com,%s,%s"}`,
			id, routesPolicyID, id, id), nil)
	}
	var seeded struct {
		Value []json.RawMessage `json:"value"`
	}
	control(t, http.MethodGet, origin+"/_emulator/policies", "", &seeded)

	rec := newRecordingProxy(t, origin)
	client := newStaticTokenMSGraph(t, rec.url+"/v1.0")
	br := client.Solutions().BackupRestore()

	// 1. List every policy.
	list, err := br.ProtectionPolicies().Get(ctx, nil)
	if err != nil {
		t.Fatalf("list policies: %s", safeErr(err))
	}
	var ours msmodels.ProtectionPolicyBaseable
	for _, p := range list.GetValue() {
		if p.GetId() != nil && *p.GetId() == routesPolicyID {
			ours = p
		}
	}
	if len(list.GetValue()) != len(seeded.Value) || ours == nil {
		t.Fatalf("msgraph listed %d policies (the emulator holds %d), ours among them: %v", len(list.GetValue()), len(seeded.Value), ours != nil)
	}
	if _, ok := ours.(msmodels.SharePointProtectionPolicyable); !ok {
		t.Errorf("our policy decoded as %T, want a SharePointProtectionPolicy (from its @odata.type)", ours)
	}

	// 2. Get one.
	one, err := br.ProtectionPolicies().ByProtectionPolicyBaseId(routesPolicyID).Get(ctx, nil)
	if err != nil {
		t.Fatalf("get policy: %s", safeErr(err))
	}
	if _, ok := one.(msmodels.SharePointProtectionPolicyable); !ok || one.GetDisplayName() == nil || *one.GetDisplayName() != routesPolicyName {
		t.Errorf("get policy: %T named %v", one, one.GetDisplayName())
	}

	// 3. PATCH the SharePoint policy with siteProtectionUnits@delta removing
	// one unit. msgraph-sdk-go has no typed field for @delta: it goes in
	// AdditionalData, which Kiota's JSON writer marshals with encoding/json.
	body := msmodels.NewSharePointProtectionPolicy()
	body.SetAdditionalData(map[string]any{
		"siteProtectionUnits@delta": []map[string]any{{"@removed": map[string]any{"reason": "changed"}, "id": routesRemoved}},
	})
	if _, err := br.SharePointProtectionPolicies().BySharePointProtectionPolicyId(routesPolicyID).Patch(ctx, body, nil); err != nil {
		t.Fatalf("patch policy: %s", safeErr(err))
	}
	patches := rec.requests(http.MethodPatch)
	if len(patches) != 1 {
		t.Fatalf("%d PATCH requests reached the emulator, want 1 (a 415 would make Kiota resend uncompressed): %+v", len(patches), patches)
	}
	p := patches[0]
	t.Logf("PATCH %s: Content-Encoding %q, Content-Type %q, %d bytes on the wire, body %s; answered %d: %s",
		p.path, p.contentEncoding, p.contentType, p.wireBytes, p.body, p.status, p.response)
	if p.contentEncoding != "gzip" {
		t.Errorf("the PATCH was sent with Content-Encoding %q, want gzip (Kiota's compression handler)", p.contentEncoding)
	}
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(p.body, &sent); err != nil {
		t.Fatalf("the PATCH body (decompressed) is not JSON: %v: %s", err, p.body)
	}
	if string(sent["@odata.type"]) != `"#microsoft.graph.sharePointProtectionPolicy"` {
		t.Errorf(`the PATCH body's "@odata.type" is %s, want "#microsoft.graph.sharePointProtectionPolicy" (msgraph-sdk-go's constructor sets it)`, sent["@odata.type"])
	}
	var delta []struct {
		ID      string `json:"id"`
		Removed *struct {
			Reason string `json:"reason"`
		} `json:"@removed"`
	}
	if err := json.Unmarshal(sent["siteProtectionUnits@delta"], &delta); err != nil || len(delta) != 1 || delta[0].ID != routesRemoved ||
		delta[0].Removed == nil || delta[0].Removed.Reason != "changed" {
		t.Errorf("the PATCH body's siteProtectionUnits@delta is %s (%v)", sent["siteProtectionUnits@delta"], err)
	}
	var echo struct {
		Delta []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"siteProtectionUnits@delta"`
	}
	if p.status != http.StatusOK || json.Unmarshal(p.response, &echo) != nil || len(echo.Delta) != 1 ||
		echo.Delta[0].ID != routesRemoved || echo.Delta[0].Status != "removeRequested" {
		t.Errorf("the PATCH was answered %d: %s, want 200 echoing the unit in removeRequested", p.status, p.response)
	}

	// 4. The unit went to removeRequested: read back with msgraph …
	u, err := br.ProtectionUnits().ByProtectionUnitBaseId(routesRemoved).Get(ctx, nil)
	if err != nil {
		t.Fatalf("get unit: %s", safeErr(err))
	}
	if st := u.GetStatus(); st == nil || *st != msmodels.REMOVEREQUESTED_PROTECTIONUNITSTATUS {
		t.Errorf("msgraph reads the removed unit's status as %v, want removeRequested", statusString(st))
	}
	// … and through the control API, with the others untouched.
	var units struct {
		Value []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			PolicyID string `json:"policyId"`
		} `json:"value"`
	}
	control(t, http.MethodGet, origin+"/_emulator/units", "", &units)
	want := map[string]string{routesUnits[0]: "removeRequested", routesUnits[1]: "protected", routesUnits[2]: "protected"}
	got := map[string]string{}
	for _, x := range units.Value {
		if _, ok := want[x.ID]; ok {
			got[x.ID] = x.Status
			if x.PolicyID != routesPolicyID {
				t.Errorf("control API: unit %s has policyId %q, want %q (kept while removeRequested)", x.ID, x.PolicyID, routesPolicyID)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("control API: statuses %v, want %v", got, want)
	}

	// 5. List the policy's units: all three, the removed one still in the
	// view (until its removal completes) in removeRequested.
	view, err := br.SharePointProtectionPolicies().BySharePointProtectionPolicyId(routesPolicyID).SiteProtectionUnits().Get(ctx, nil)
	if err != nil {
		t.Fatalf("list the policy's site units: %s", safeErr(err))
	}
	inView := map[string]string{}
	for _, x := range view.GetValue() {
		if x.GetId() != nil {
			inView[*x.GetId()] = statusString(x.GetStatus())
		}
	}
	if fmt.Sprint(inView) != fmt.Sprint(want) {
		t.Errorf("the policy's siteProtectionUnits: %v, want %v", inView, want)
	}

	// The emulator's own request log names the PATCH and its answer (it
	// has no headers over the control API: hence the recording proxy).
	var log struct {
		Value []struct {
			Method, Route string
			Status        int
		} `json:"value"`
	}
	control(t, http.MethodGet, origin+"/_emulator/requests", "", &log)
	var loggedPatch []string
	for _, r := range log.Value {
		if r.Method == http.MethodPatch {
			loggedPatch = append(loggedPatch, fmt.Sprintf("%s %d", r.Route, r.Status))
		}
	}
	if len(loggedPatch) != 1 || !strings.HasSuffix(loggedPatch[0], " 200") {
		t.Errorf("the emulator's request log has PATCHes %v, want one answered 200", loggedPatch)
	}
	t.Logf("emulator request log: PATCH %v; %d requests through the proxy", loggedPatch, len(rec.requests("")))
}

// statusString formats a msgraph unit status.
func statusString(st *msmodels.ProtectionUnitStatus) string {
	if st == nil {
		return "<nil>"
	}
	return st.String()
}

// startEmulatorProcess builds cmd/emulator from the repository root, runs
// it on a free loopback port with no seeded units (it still seeds its six
// policies), and the extra flags, and returns its origin. The process is interrupted (it shuts
// down cleanly on SIGINT) when the test ends.
func startEmulatorProcess(t *testing.T, extra ...string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build cmd/emulator: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "emulator")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/emulator")
	build.Dir = filepath.Join("..", "..") // bench/msgraph → the repository root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/emulator: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"-listen", "127.0.0.1:0", "-units", "0"}, extra...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	base := strings.TrimSpace(line)
	if err != nil || !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/v1.0") {
		t.Fatalf("cmd/emulator's first line %q (%v), want its base URL", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }() // the rest of its banner
	return strings.TrimSuffix(base, "/v1.0")
}

// control calls the emulator's control API and decodes its JSON answer
// into out (when not nil), failing the test on any error or non-2xx.
func control[T any](t *testing.T, method, url, body string, out *T) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s %s (%v)", method, url, resp.Status, b, err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
}

// recorded is one request that went through the recording proxy.
type recorded struct {
	method, path                 string
	contentEncoding, contentType string
	// wireBytes is the body's size as sent; body is it decoded (gunzipped
	// when Content-Encoding is gzip).
	wireBytes int
	body      []byte
	// status and response are the emulator's answer (response decoded).
	status   int
	response []byte
}

// recordingProxy is a reverse proxy on loopback in front of the emulator
// that records every request's headers and bodies: the emulator's control
// API request log has no headers, and the test must see the wire.
type recordingProxy struct {
	url string
	mu  sync.Mutex
	log []recorded
}

func newRecordingProxy(t *testing.T, origin string) *recordingProxy {
	t.Helper()
	target, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) },
		ModifyResponse: func(resp *http.Response) error {
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			resp.Body = io.NopCloser(bytes.NewReader(b))
			dec, err := decodeBody(resp.Header.Get("Content-Encoding"), b)
			if err != nil {
				return err
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			for i := len(p.log) - 1; i >= 0; i-- {
				if p.log[i].status == 0 && p.log[i].method == resp.Request.Method && p.log[i].path == resp.Request.URL.Path {
					p.log[i].status, p.log[i].response = resp.StatusCode, dec
					break
				}
			}
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		dec, err := decodeBody(r.Header.Get("Content-Encoding"), b)
		if err != nil {
			dec = []byte("<undecodable: " + err.Error() + ">")
		}
		p.mu.Lock()
		p.log = append(p.log, recorded{method: r.Method, path: r.URL.Path, contentEncoding: r.Header.Get("Content-Encoding"),
			contentType: r.Header.Get("Content-Type"), wireBytes: len(b), body: dec})
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// requests returns the recorded requests of method ("" for all).
func (p *recordingProxy) requests(method string) []recorded {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []recorded
	for _, r := range p.log {
		if method == "" || r.method == method {
			out = append(out, r)
		}
	}
	return out
}

// decodeBody undoes a gzip Content-Encoding.
func decodeBody(encoding string, b []byte) ([]byte, error) {
	if !strings.EqualFold(encoding, "gzip") || len(b) == 0 {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// staticToken is a Kiota AccessTokenProvider that hands benchserver.Token
// to 127.0.0.1 and nothing to any other host. (Kiota's Azure Identity
// provider would do too, as the benchmarks show; this is the smallest
// provider an application testing against the emulator can write.)
type staticToken struct {
	hosts *authentication.AllowedHostsValidator
}

// GetAuthorizationToken returns the token for an allowed host, "" for
// another (Kiota then sends no Authorization header). It never fails.
func (s staticToken) GetAuthorizationToken(_ context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !s.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	return benchserver.Token, nil
}

// GetAllowedHostsValidator returns the validator allowing 127.0.0.1.
func (s staticToken) GetAllowedHostsValidator() *authentication.AllowedHostsValidator { return s.hosts }

// newStaticTokenMSGraph builds msgraph-sdk-go's client for base with a
// static bearer token and msgraph-sdk-go-core's default middleware
// (compression included), over plain HTTP to loopback.
func newStaticTokenMSGraph(t *testing.T, base string) *msgraphsdk.GraphServiceClient {
	t.Helper()
	hosts, err := authentication.NewAllowedHostsValidatorErrorCheck([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	auth := authentication.NewBaseBearerTokenAuthenticationProvider(staticToken{hosts: hosts})
	opts := msgraphsdk.GetDefaultClientOptions()
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(benchserver.LoopbackTransport(), msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...),
		Timeout:   time.Minute,
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(base) // before NewGraphServiceClient, which copies it
	return msgraphsdk.NewGraphServiceClient(adapter)
}

var _ authentication.AccessTokenProvider = staticToken{}
