package fake_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// page is one decoded list page.
type page struct {
	ids      []string
	next     string
	count    any
	context  string
	statuses []string
}

func decodePage(t *testing.T, r *result) page {
	t.Helper()
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	m := r.json(t)
	p := page{count: m["@odata.count"], context: m["@odata.context"].(string)}
	if n, ok := m["@odata.nextLink"].(string); ok {
		p.next = n
	}
	for _, v := range m["value"].([]any) {
		u := v.(map[string]any)
		p.ids = append(p.ids, u["id"].(string))
		if s, ok := u["status"].(string); ok {
			p.statuses = append(p.statuses, s)
		}
	}
	return p
}

// listAll follows nextLinks verbatim and returns every page.
func (e *env) listAll(path string, opts ...reqOpt) []page {
	e.t.Helper()
	var pages []page
	next := fullURL(path)
	for next != "" {
		p := decodePage(e.t, e.do("GET", next, opts...))
		pages = append(pages, p)
		next = p.next
		require.Less(e.t, len(pages), 100_000, "loop")
	}
	return pages
}

// flatten concatenates the ids of pages.
func flatten(pages []page) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p.ids...)
	}
	return out
}

func TestPaging(t *testing.T) {
	for _, pageSize := range []int{1, 7, 100} {
		for _, n := range []int{0, 1, 7, 8, 250} {
			t.Run(fmt.Sprintf("size=%d/units=%d", pageSize, n), func(t *testing.T) {
				e := newEnv(t, &fake.Options{PageSize: pageSize})
				units := e.srv.Seed(n)
				var want []string
				for _, u := range units {
					want = append(want, u.ID)
				}
				slices.Sort(want)
				pages := e.listAll(unitsPath)
				got := flatten(pages)
				if n == 0 {
					require.Empty(t, got)
					require.Len(t, pages, 1)
					return
				}
				require.Equal(t, want, got)
				require.Len(t, pages, (n+pageSize-1)/pageSize)
				for i, p := range pages {
					require.LessOrEqual(t, len(p.ids), pageSize)
					if i < len(pages)-1 {
						require.Len(t, p.ids, pageSize)
						require.True(t, strings.HasPrefix(p.next, base+unitsPath+"?$skiptoken="), p.next)
					}
				}
			})
		}
	}
}

func TestPagingTopAndCasts(t *testing.T) {
	e := newEnv(t, &fake.Options{PageSize: 10})
	units := e.srv.Seed(120)
	var sites []string
	for _, u := range units {
		if u.Kind == models.KindSite {
			sites = append(sites, u.ID)
		}
	}
	slices.Sort(sites)
	for _, path := range []string{
		unitsPath + "/microsoft.graph.siteProtectionUnit",
		unitsPath + "/graph.siteProtectionUnit",
		"/solutions/backupRestore/siteProtectionUnits",
	} {
		for _, top := range []int{0, 1, 3, 10, 999} {
			q := ""
			if top > 0 {
				q = fmt.Sprintf("?$top=%d", top)
			}
			pages := e.listAll(path + q)
			require.Equal(t, sites, flatten(pages), path+q)
			size := 10
			if top > 0 && top < 10 {
				size = top // $top lowers the page size, never raises it
			}
			require.Len(t, pages[0].ids, size)
			for _, p := range pages[:len(pages)-1] {
				u, err := url.Parse(p.next)
				require.NoError(t, err)
				require.Equal(t, "/v1.0"+path, u.Path, "the nextLink keeps the cast segment")
				require.Equal(t, []string{"$skiptoken"}, keys(u.Query()), "only the skiptoken")
			}
		}
	}
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestPagingCarriesOptions(t *testing.T) {
	e := newEnv(t, &fake.Options{PageSize: 4})
	e.srv.Seed(200)
	all := e.srv.Units()
	var want []string
	for _, u := range all {
		if u.Status == models.StatusProtected || u.PolicyID == "" {
			want = append(want, u.ID)
		}
	}
	slices.Sort(want)
	pages := e.listAll(unitsPath+"?$filter="+url.QueryEscape("status eq 'protected' or policyId eq ''")+"&$select=id,status&$count=true&$top=3", prefer())
	require.Equal(t, want, flatten(pages))
	for _, p := range pages {
		require.EqualValues(t, len(want), p.count, "@odata.count on every page")
		require.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/protectionUnits(id,status)", p.context)
		require.LessOrEqual(t, len(p.ids), 3)
	}
	// $select is carried: no other property on later pages.
	r := e.do("GET", pages[1].next)
	for _, v := range r.json(t)["value"].([]any) {
		require.ElementsMatch(t, []string{"@odata.type", "id", "status"}, mapKeys(v.(map[string]any)))
	}
}

func mapKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPagingOrderBy(t *testing.T) {
	e := newEnv(t, &fake.Options{PageSize: 9})
	e.srv.Seed(100)
	all := e.srv.Units()
	rank := map[models.ProtectionUnitStatus]int{}
	for i, s := range []models.ProtectionUnitStatus{"protectRequested", "protected", "unprotectRequested", "unprotected", "removeRequested", "unknownFutureValue", "offboardRequested", "offboarded", "cancelOffboardRequested"} {
		rank[s] = i
	}
	tests := []struct {
		orderby string
		cmp     func(a, b fake.Unit) int
	}{
		{"id desc", func(a, b fake.Unit) int { return strings.Compare(b.ID, a.ID) }},
		{"status", func(a, b fake.Unit) int { return rank[a.Status] - rank[b.Status] }},
		{"status desc,createdDateTime", func(a, b fake.Unit) int {
			if c := rank[b.Status] - rank[a.Status]; c != 0 {
				return c
			}
			return a.CreatedDateTime.Compare(b.CreatedDateTime)
		}},
		{"policyId asc", func(a, b fake.Unit) int { return strings.Compare(a.PolicyID, b.PolicyID) }},
		{"lastModifiedDateTime desc", func(a, b fake.Unit) int { return b.LastModifiedDateTime.Compare(a.LastModifiedDateTime) }},
		{"createdDateTime", func(a, b fake.Unit) int { return a.CreatedDateTime.Compare(b.CreatedDateTime) }},
	}
	for _, tt := range tests {
		t.Run(tt.orderby, func(t *testing.T) {
			want := slices.Clone(all)
			slices.SortStableFunc(want, func(a, b fake.Unit) int {
				if c := tt.cmp(a, b); c != 0 {
					return c
				}
				return strings.Compare(a.ID, b.ID)
			})
			var ids []string
			for _, u := range want {
				ids = append(ids, u.ID)
			}
			pages := e.listAll(unitsPath+"?$orderby="+url.QueryEscape(tt.orderby), prefer())
			require.Equal(t, ids, flatten(pages))
		})
	}
}

func TestPagingStableUnderChanges(t *testing.T) {
	// Changing units between pages neither repeats nor skips the others.
	e := newEnv(t, &fake.Options{PageSize: 5})
	for i := range 30 {
		e.add(site(fmt.Sprintf("u%02d", i), models.StatusUnprotected, ""))
	}
	first := decodePage(t, e.do("GET", unitsPath+"?$orderby=status"))
	for _, id := range []string{"u00", "u10", "u20"} {
		require.Equal(t, http.StatusOK, e.do("POST", unitPath(id, "offboard")).status)
	}
	seen := slices.Clone(first.ids)
	next := first.next
	for next != "" {
		p := decodePage(t, e.do("GET", next))
		seen = append(seen, p.ids...)
		next = p.next
	}
	// The offboarded units sort after the others now; every unit is seen once.
	slices.Sort(seen)
	require.Equal(t, 30, len(slices.Compact(seen)))
}

func TestNextLinkHostOverHTTP(t *testing.T) {
	srv := fake.NewServer(&fake.Options{PageSize: 2})
	srv.Seed(5)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tok := fake.NewDelegatedCredential().Token()
	r := doWith(t, ts.Client(), tok, "GET", ts.URL+"/v1.0"+unitsPath+"/graph.driveProtectionUnit")
	p := decodePage(t, r)
	if p.next != "" {
		require.True(t, strings.HasPrefix(p.next, ts.URL+"/v1.0"+unitsPath+"/graph.driveProtectionUnit?$skiptoken="), p.next)
	}
	r = doWith(t, ts.Client(), tok, "GET", ts.URL+"/v1.0"+unitsPath)
	p = decodePage(t, r)
	require.True(t, strings.HasPrefix(p.next, ts.URL+"/v1.0"+unitsPath+"?$skiptoken="), p.next)

	tls := httptest.NewTLSServer(srv)
	t.Cleanup(tls.Close)
	p = decodePage(t, doWith(t, tls.Client(), tok, "GET", tls.URL+"/v1.0"+unitsPath))
	require.True(t, strings.HasPrefix(p.next, "https://"+strings.TrimPrefix(tls.URL, "https://")+"/v1.0"), p.next)
	// A page token replays over another transport too.
	require.Equal(t, http.StatusOK, doWith(t, tls.Client(), tok, "GET", p.next).status)
}

func TestSkipTokenErrors(t *testing.T) {
	e := newEnv(t, &fake.Options{PageSize: 2})
	e.srv.Seed(10)
	p := decodePage(t, e.do("GET", unitsPath))
	siteFirst := decodePage(t, e.do("GET", unitsPath+"/microsoft.graph.siteProtectionUnit"))
	tok := strings.SplitN(p.next, "$skiptoken=", 2)[1]
	for name, path := range map[string]string{
		"garbage":             unitsPath + "?$skiptoken=not-a-token",
		"empty":               unitsPath + "?$skiptoken=",
		"with $top":           unitsPath + "?$skiptoken=" + tok + "&$top=1",
		"other collection":    "/solutions/backupRestore/driveProtectionUnits?$skiptoken=" + tok,
		"other cast":          unitsPath + "/microsoft.graph.mailboxProtectionUnit?$skiptoken=" + strings.SplitN(siteFirst.next, "$skiptoken=", 2)[1],
		"base64 of non-token": unitsPath + "?$skiptoken=eyJ2IjoyfQ",
	} {
		r := e.do("GET", path)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", name, r.body)
		require.Equal(t, "BadRequest", r.errCode(t))
	}
	// The same cast written with the alias is the same collection.
	alias := strings.Replace(siteFirst.next, "microsoft.graph.siteProtectionUnit", "graph.siteProtectionUnit", 1)
	require.Equal(t, http.StatusOK, e.do("GET", alias).status)
}
