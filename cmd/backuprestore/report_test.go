package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// reportRun makes a finished offboarding run with every kind of outcome
// (4 done, one of them a unit with a hostile name; 1 already; 1 skipped;
// 1 failed) in the journal of c, and returns the counts.
func reportRun(t *testing.T, c *cli) map[string]int {
	t.Helper()
	srv := liveEmulator(t)
	c.srv = srv
	var pol string
	for _, p := range srv.Policies() {
		if p.Kind == models.PolicyKindSharePoint && p.IsEnabled {
			pol = p.ID
		}
	}
	require.NoError(t, srv.AddUnit(fake.Unit{ID: "hostile-site", Kind: models.KindSite, Status: models.StatusProtected, PolicyID: pol,
		SiteID: "contoso.sharepoint.com,1,2", SiteName: `<script>alert("x")</script> & =cmd`, SiteWebURL: "https://contoso.sharepoint.com/sites/x"}))
	failing := pick(srv, 1, removed)[0]
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, InBatch: true, UnitID: failing.ID, Kind: fake.FaultStatus, Status: 409, Code: "Conflict", Message: "someone else is changing it"})
	args := []string{"--emulator", "--yes", "offboard", "hostile-site", failing.ID, pick(srv, 1, offboardingUnit)[0].ID, pick(srv, 1, dynamicRule)[0].ID}
	for _, u := range pick(srv, 3, removable) {
		args = append(args, u.ID)
	}
	r := c.run(t, append(args, fast...)...)
	require.Equal(t, exitFailed, r.code, r.stderr)
	return map[string]int{"done": 4, "already": 1, "skipped": 1, "failed": 1, "unknown": 0, "pending": 0, "planned": 0}
}

// status --report FILE.html and -o html write the same self-contained
// page: the run's summary and figures, the units per outcome and per
// policy, every unit with its audit fields; nothing it would fetch; names
// escaped. Other commands refuse -o html.
func TestReportHTML(t *testing.T) {
	c := &cli{}
	counts := reportRun(t, c)
	path := filepath.Join(t.TempDir(), "run.html")
	r := c.run(t, "--emulator", "status", "--report", path)
	require.Equal(t, exitFailed, r.code, "the run's code: %s", r.stderr)
	require.Contains(t, r.stderr, "Report written to "+path)
	require.Contains(t, r.stdout, "status: 7 units", "the table too")
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	r = c.run(t, "--emulator", "-o", "html", "status", "1")
	require.Equal(t, exitFailed, r.code, r.stderr)
	generated := regexp.MustCompile(`generated [^<]+ from`)
	require.Equal(t, generated.ReplaceAllString(string(file), ""), generated.ReplaceAllString(r.stdout, ""), "the same page")

	page := string(file)
	require.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	for _, banned := range []string{"<script", "<link", "<img", "src=", "href=", "url(", "@import"} {
		require.NotContains(t, page, banned, "self-contained: nothing to fetch or run")
	}
	for name, n := range counts {
		require.Contains(t, page, `id="count-`+name+`">`+strconv.Itoa(n)+`<`, name)
	}
	require.Contains(t, page, "<dt>Operator</dt><dd>"+fake.TestUserUPN+"</dd>")
	require.Contains(t, page, "<dt>State</dt><dd>finished</dd>")
	require.Contains(t, page, "<dt>Units</dt><dd>7</dd>")
	require.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; =cmd", "the hostile name, escaped")
	require.Contains(t, page, "SharePoint Policy - Inadvertent data loss")
	require.Contains(t, page, "someone else is changing it")
	require.Equal(t, 7, strings.Count(page, `<tr><td class="id">`), "every unit")
	require.Regexp(t, `<td class="code">[0-9a-f-]{36}</td>`, page, "request-ids")
	require.Regexp(t, `data-outcome="done" data-count="4" style="width: 457px; background-color: #2e7d32"`, page, "4 of 7 units: 457 of 800 pixels")

	r = c.run(t, "--emulator", "-o", "html", "units", "list")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "-o html is status's report of a run")
	r = c.run(t, "--emulator", "status", "--report", filepath.Join(t.TempDir(), "no", "such", "dir", "r.html"))
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "--report")
}

// barWidths shares the bar's pixels in proportion, adding up exactly.
func TestBarWidths(t *testing.T) {
	for _, counts := range []map[offboarding.Outcome]int{
		{offboarding.OutcomeDone: 4, offboarding.OutcomeAlready: 1, offboarding.OutcomeSkipped: 1, offboarding.OutcomeFailed: 1},
		{offboarding.OutcomeDone: 1},
		{offboarding.OutcomeDone: 1, offboarding.OutcomeFailed: 1, offboarding.OutcomeUnknown: 1},
		{offboarding.OutcomeDone: 99998, offboarding.OutcomeFailed: 1, offboarding.OutcomeUnknown: 1},
	} {
		total := 0
		for _, n := range counts {
			total += n
		}
		ws := barWidths(counts, total)
		sum := 0
		for i, w := range ws {
			sum += w
			exact := float64(counts[reportOutcomes[i].o]) * reportBarWidth / float64(total)
			require.InDelta(t, exact, float64(w), 1, "%v", counts)
		}
		require.Equal(t, reportBarWidth, sum)
	}
	require.Equal(t, make([]int, len(reportOutcomes)), barWidths(nil, 0))
}
