//go:build unix

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake/identity"
)

// graphJSBundle is where npm (testdata/graphjs: `npm ci`, as .ci/run does)
// puts the Microsoft Graph JavaScript client's browser bundle.
var graphJSBundle = filepath.Join("testdata", "graphjs", "node_modules", "@microsoft", "microsoft-graph-client", "lib", "graph-js-sdk.js")

// requireGraphJSEnv, set to 1 (CI sets it), turns the test's skip when the
// bundle or Chromium is missing into a failure.
const requireGraphJSEnv = "BACKUPRESTORE_REQUIRE_GRAPH_JS"

// Microsoft's JavaScript Graph client, unchanged, in headless Chromium,
// against the standalone emulator from another origin: it lists every unit
// of every page and decodes them, reads policies with their $select'ed
// artifact counts and the service status, cancels an offboarding, and
// decodes the service's refusal as its GraphError with the documented code.
func TestGraphJSClient(t *testing.T) {
	skip := func(why string) {
		if os.Getenv(requireGraphJSEnv) == "1" {
			t.Fatal(why)
		}
		t.Skip("SKIPPED: " + why + "; Microsoft's JavaScript Graph client was NOT run against the emulator")
	}
	path := findChromium()
	if path == "" {
		skip("no Chromium found (install the Debian package chromium, or set " + chromiumEnv + ")")
	}
	bundle, err := os.ReadFile(graphJSBundle)
	if err != nil {
		skip("no Graph JS client: run `npm ci` in cmd/emulator/testdata/graphjs (" + err.Error() + ")")
	}
	page, err := os.ReadFile("testdata/graphjs_page.html")
	require.NoError(t, err)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graph-js-sdk.js" {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write(bundle)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	t.Cleanup(site.Close)
	b := startBrowser(t, path)
	// The client sends its token only over https, to Graph's hosts or the
	// customHosts given (by name, without the port): the emulator serves
	// https with its self-signed certificate, which this browser accepts.
	b.call("", "Security.setIgnoreCertificateErrors", map[string]any{"ignore": true}, nil)
	cert := filepath.Join(t.TempDir(), "emulator.pem")
	base := startEmulatorProcess(t, "-tls", "-tls-cert-out", cert, "-units", "120", "-seed", "5", "-frozen-clock", "-cors-origins", site.URL)
	require.True(t, strings.HasPrefix(base, "https://"), base)
	hc, err := identity.HTTPClientTrusting(cert)
	require.NoError(t, err)
	control := func(method, path, body string, v any) {
		req, err := http.NewRequestWithContext(t.Context(), method, strings.TrimSuffix(base, "/v1.0")+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
		if v != nil {
			require.NoError(t, json.Unmarshal(b, v), "%s", b)
		}
	}
	for _, u := range browserUnits {
		control(http.MethodPost, "/_emulator/units", u, nil)
	}

	title := b.pageTitle(site.URL+"/#"+base, "ok ", "error ")
	require.True(t, strings.HasPrefix(title, "ok "), "the page says %q; Chromium said:\n%s", title, b.stderr.String())
	var got struct {
		Units     int      `json:"units"`
		Kinds     []string `json:"kinds"`
		Statuses  []string `json:"statuses"`
		Policies  int      `json:"policies"`
		Counted   int      `json:"counted"`
		Service   string   `json:"service"`
		Cancelled string   `json:"cancelled"`
		Refused   string   `json:"refused"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(title, "ok ")), &got))
	require.Equal(t, 122, got.Units, "every unit of every page (120 seeded, 2 added)")
	require.Equal(t, []string{"#microsoft.graph.driveProtectionUnit", "#microsoft.graph.mailboxProtectionUnit", "#microsoft.graph.siteProtectionUnit"}, got.Kinds)
	require.Contains(t, got.Statuses, "offboardRequested", "the Prefer opt-in's members, not unknownFutureValue")
	require.NotContains(t, got.Statuses, "unknownFutureValue")
	require.Equal(t, 6, got.Policies)
	require.Positive(t, got.Counted, "protectionPolicyArtifactCount came back when selected")
	require.Equal(t, "enabled", got.Service)
	require.Equal(t, "cancelOffboardRequested", got.Cancelled)
	require.Equal(t, "403 OperationNotAllowed", got.Refused, "the service's refusal as the client's GraphError")

	var trs struct{ Value []transition }
	control(http.MethodGet, "/_emulator/transitions", "", &trs)
	require.Len(t, trs.Value, 1)
	require.Equal(t, "browser-unit", trs.Value[0].UnitID)
}
