package fake_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// adminCases returns the "METHOD /path" keys of the switch in
// (*Server).admin, read from the package's source.
func adminCases(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := gotoken.NewFileSet()
	var keys []string
	found := false
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		file, err := parser.ParseFile(fset, f, src, 0)
		require.NoError(t, err)
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "admin" || fn.Recv == nil {
				continue
			}
			found = true
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sw, ok := n.(*ast.SwitchStmt)
				if !ok {
					return true
				}
				if id, ok := sw.Tag.(*ast.Ident); !ok || id.Name != "key" {
					return true
				}
				for _, st := range sw.Body.List {
					for _, e := range st.(*ast.CaseClause).List {
						lit, ok := e.(*ast.BasicLit)
						require.True(t, ok, "a case of admin's switch that is not a string literal: %s", fset.Position(e.Pos()))
						v, err := strconv.Unquote(lit.Value)
						require.NoError(t, err)
						keys = append(keys, v)
					}
				}
				return false
			})
		}
	}
	require.True(t, found, "(*Server).admin not found")
	require.NotEmpty(t, keys)
	return keys
}

// The index and the router cannot drift: every case of admin's switch has
// its entry in ControlEndpoints and every entry is served.
func TestControlIndexMatchesRouter(t *testing.T) {
	var table []string
	for _, ep := range fake.ControlEndpoints() {
		require.True(t, strings.HasPrefix(ep.Path, "/_emulator/"), ep.Path)
		require.NotEmpty(t, ep.Description, ep.Path)
		table = append(table, ep.Method+" "+strings.TrimSuffix(strings.TrimPrefix(ep.Path, "/_emulator"), "/"))
	}
	cases := adminCases(t)
	for _, c := range cases {
		require.Contains(t, table, c, "admin serves %q but ControlEndpoints (index.go) does not list it: add an entry", c)
	}
	for _, k := range table {
		require.Contains(t, cases, k, "ControlEndpoints lists %q but admin's switch has no case for it", k)
	}
	require.Len(t, table, len(cases), "no duplicates")

	// Every entry answers something other than the router's 404 or 405.
	for _, ep := range fake.ControlEndpoints() {
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
			API       string                 `json:"api"`
			Endpoints []fake.ControlEndpoint `json:"endpoints"`
		}
		require.NoError(t, json.Unmarshal(r.body, &idx))
		require.Equal(t, "/v1.0", idx.API)
		require.Equal(t, fake.ControlEndpoints(), idx.Endpoints)
	}
	eps := fake.ControlEndpoints()
	require.True(t, slices.ContainsFunc(eps, func(ep fake.ControlEndpoint) bool {
		return ep.Method == "POST" && ep.Path == "/_emulator/throttle" && strings.Contains(ep.Query, "appTenant=RATE[/BURST]")
	}))
	eps[0].Path = "changed"
	require.NotEqual(t, "changed", fake.ControlEndpoints()[0].Path, "a copy")

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
	for _, ep := range fake.ControlEndpoints() {
		require.Regexp(t, `(?m)^//\t`+regexp.QuoteMeta(ep.Method)+` +`+regexp.QuoteMeta(ep.Path)+` `, string(doc),
			"doc.go's # Control API section does not list %s %s", ep.Method, ep.Path)
	}
}
