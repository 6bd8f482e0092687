package control_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake/control"
)

// The index and the router cannot drift: the index is the route table
// itself (each route carries its Endpoint), so this checks that every
// entry is well formed, listed once and served.
func TestControlIndexMatchesRouter(t *testing.T) {
	seen := map[string]bool{}
	for _, ep := range control.Endpoints() {
		require.True(t, strings.HasPrefix(ep.Path, "/_emulator/"), ep.Path)
		require.NotEmpty(t, ep.Description, ep.Path)
		k := ep.Method + " " + strings.TrimSuffix(strings.TrimPrefix(ep.Path, "/_emulator"), "/")
		require.False(t, seen[k], "no duplicates: %s", k)
		seen[k] = true
	}

	// Every entry answers something other than the router's 404 or 405.
	for _, ep := range control.Endpoints() {
		e := newEnv(t, nil)
		r := e.do(ep.Method, "http://emulator"+ep.Path, noAuth())
		require.NoError(t, r.err)
		require.NotContains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, r.status, "%s %s: %s", ep.Method, ep.Path, r.body)
	}
}

func TestControlIndex(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"/_emulator", "/_emulator/"} {
		r := e.do("GET", "http://emulator"+p, noAuth())
		require.Equal(t, http.StatusOK, r.status, "%s: %s", p, r.body)
		require.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "application/json"))
		var idx struct {
			API       string             `json:"api"`
			Endpoints []control.Endpoint `json:"endpoints"`
		}
		require.NoError(t, json.Unmarshal(r.body, &idx))
		require.Equal(t, "/v1.0", idx.API)
		require.Equal(t, control.Endpoints(), idx.Endpoints)
	}
	eps := control.Endpoints()
	require.True(t, slices.ContainsFunc(eps, func(ep control.Endpoint) bool {
		return ep.Method == "POST" && ep.Path == "/_emulator/throttle" && strings.Contains(ep.Query, "appTenant=RATE[/BURST]")
	}))
	eps[0].Path = "changed"
	require.NotEqual(t, "changed", control.Endpoints()[0].Path, "a copy")

	// An unknown endpoint points at the index; a known path with another
	// method is a 405 listing the methods it has.
	r := e.do("GET", "http://emulator/_emulator/nothing", noAuth())
	require.Equal(t, http.StatusNotFound, r.status)
	require.Contains(t, r.errMessage(t), "GET /_emulator/ lists its endpoints")
	r = e.do("PUT", "http://emulator/_emulator/clock", noAuth())
	require.Equal(t, http.StatusMethodNotAllowed, r.status)
	require.Equal(t, "GET, POST", r.header.Get("Allow"))
	r = e.do("POST", "http://emulator/_emulator/", noAuth())
	require.Equal(t, http.StatusMethodNotAllowed, r.status)
	require.Equal(t, "GET", r.header.Get("Allow"))
}

// The package documentation lists every control endpoint.
func TestControlAPIDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	for _, ep := range control.Endpoints() {
		require.Regexp(t, `(?m)^//\t`+regexp.QuoteMeta(ep.Method)+` +`+regexp.QuoteMeta(ep.Path)+` `, string(doc),
			"doc.go's # Control API section does not list %s %s", ep.Method, ep.Path)
	}
}
