package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// decodeLines parses jsonl output of onboard.
func decodeLines(t *testing.T, s string) []onboardJSON {
	t.Helper()
	var out []onboardJSON
	for l := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		var o onboardJSON
		require.NoError(t, json.Unmarshal([]byte(l), &o), "%s", l)
		out = append(out, o)
	}
	return out
}

// onboard: bad lines (neither URL nor ID, a duplicate) are refused before
// anything is written, naming their file and line (exit 2); the plan is
// shown and the command asks (declined: exit 5, nothing written); a dry
// run writes nothing; a run gives a result per input line with its file
// and line, exit 1 when a line was not found.
func TestOnboardCommand(t *testing.T) {
	srv := protectionEmulator()
	pol, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindSharePoint, DisplayName: "Target"})
	require.NoError(t, err)
	c := cli{srv: srv, wrap: func(next http.RoundTripper) http.RoundTripper { return clockOnReads{srv, next} }}
	file := writeFile(t, "sites.csv", "SiteUrl,Owner\n"+
		"https://contoso.sharepoint.com/sites/project-site-1,a\n"+
		"https://contoso.sharepoint.com/sites/project-site-2,b\n"+
		"https://contoso.sharepoint.com/sites/gone,c\n")
	for _, tc := range []struct {
		name, content, msg string
	}{
		{"not a site", "https://contoso.sharepoint.com/sites/project-site-3\nnot a site\n", `bad.txt:2: "not a site" is not a target of a site policy`},
		{"a mailbox for a site policy", "adele@contoso.com\n", `bad.txt:1: "adele@contoso.com" is not a target of a site policy`},
		{"a duplicate", "https://contoso.sharepoint.com/sites/project-site-3\nhttps://contoso.sharepoint.com/sites/Project-Site-3/\n", "bad.txt:2: duplicate target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := writeFile(t, "bad.txt", tc.content)
			r := c.run(t, "--emulator", "--yes", "onboard", "Target", "--from", bad, "--poll-interval", "5ms")
			require.Equal(t, exitUsage, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.msg)
			require.Empty(t, r.stdout)
			require.Empty(t, srv.Units(), "nothing written")
		})
	}

	declined := c
	declined.inTTY, declined.stdin = true, "n\n"
	r := declined.run(t, "--emulator", "onboard", "target", "--from", file, "--column", "siteurl")
	require.Equal(t, exitDeclined, r.code, r.stderr)
	require.Contains(t, r.stderr, `Plan: add 3 targets to the site policy "Target" (`+pol.ID)
	require.Contains(t, r.stderr, "in 1 bulk addition job of at most 5000")
	require.Contains(t, r.stderr, "  3 site URLs\n")
	require.Contains(t, r.stderr, `Proceed with adding 3 targets to the policy "Target"? [y/N]`)
	r = c.run(t, "--emulator", "-o", "jsonl", "onboard", "Target", "--from", file, "--column", "siteurl", "--dry-run")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, l := range decodeLines(t, r.stdout) {
		require.Equal(t, "planned", l.Outcome)
	}
	require.Empty(t, srv.Units(), "nothing written")

	r = c.run(t, "--emulator", "--yes", "-o", "jsonl", "onboard", "Target", "--from", file, "--column", "siteurl", "--poll-interval", "5ms")
	require.Equal(t, exitFailed, r.code, r.stderr)
	lines := decodeLines(t, r.stdout)
	require.Len(t, lines, 3)
	require.Equal(t, []string{"done", "done", "failed"}, []string{lines[0].Outcome, lines[1].Outcome, lines[2].Outcome})
	require.Equal(t, "SiteUrlNotFound", lines[2].Code)
	require.True(t, strings.HasPrefix(lines[2].Reason, "not found ("), lines[2].Reason)
	require.True(t, strings.HasSuffix(lines[2].Line, "sites.csv:4"), lines[2].Line)
	require.Empty(t, lines[0].Error)
	require.Len(t, srv.Units(), 2)
	require.Contains(t, r.stderr, "summary: 3 targets: 2 done, 1 failed; 1 job")
}

// An onboarding run is in the same journal as offboarding runs: runs list
// and status show it (a line per target); a run whose jobs outlast
// --wait-timeout prints the exact command that continues it, and resume
// finishes it without creating a job twice.
func TestOnboardResumeAndHistory(t *testing.T) {
	srv := protectionEmulator()
	_, users := srv.SeedDirectory(6)
	_, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindOneDrive, DisplayName: "Drives"})
	require.NoError(t, err)
	var targets []string
	for _, u := range users {
		targets = append(targets, u.Email)
	}
	c := cli{srv: srv}
	r := c.run(t, append([]string{"--emulator", "--yes", "-o", "jsonl", "onboard", "Drives", "--job-size", "4", "--poll-interval", "5ms", "--wait-timeout", "50ms"}, targets...)...)
	require.Equal(t, exitFailed, r.code, r.stderr)
	for _, l := range decodeLines(t, r.stdout) {
		require.Equal(t, "pending", l.Outcome, "%+v", l)
	}
	require.Contains(t, r.stderr, "  6 e-mail addresses\n")
	require.Contains(t, r.stderr, "6 targets not finished. Continue with:\n  backuprestore --emulator resume\n")

	r = c.run(t, "--emulator", "-o", "json", "runs", "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	runs := decodeRuns(t, r.stdout)
	require.Len(t, runs, 1)
	require.Equal(t, "onboard", runs[0].Action)
	require.Equal(t, "unfinished", runs[0].State)
	require.Equal(t, map[string]int{"pending": 6}, runs[0].Counts)
	require.Equal(t, "6 arguments", runs[0].Source)
	r = c.run(t, "--emulator", "-o", "jsonl", "status")
	require.Equal(t, exitFailed, r.code, r.stderr)
	require.Len(t, decodeLines(t, r.stdout), 6)
	require.Contains(t, r.stderr, "onboard run of 6 targets to policy ")

	srv.Advance(fake.DefaultJobDelay)
	r = c.run(t, "--emulator", "-o", "jsonl", "resume", "--poll-interval", "5ms")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, l := range decodeLines(t, r.stdout) {
		require.Equal(t, "done", l.Outcome, "%+v", l)
	}
	require.Equal(t, 2, countRoute(srv, fake.RouteJobCreate), "two jobs of 4, none created twice")
	r = c.run(t, "--emulator", "-o", "json", "runs", "list")
	require.Equal(t, "finished", decodeRuns(t, r.stdout)[0].State)
	r = c.run(t, "--emulator", "status", "--report", writeFile(t, "r.html", ""))
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "is an onboarding run")
}

// countRoute counts the requests of a route the emulator saw.
func countRoute(srv *fake.Server, route fake.Route) int {
	n := 0
	for _, q := range srv.Requests() {
		if q.Route == route {
			n++
		}
	}
	return n
}

// units list --offboarding lists the offboarding units with the date their
// backups are deleted and the days left, on the service's clock.
func TestUnitsListOffboarding(t *testing.T) {
	var c cli
	r := c.run(t, "--emulator", "-o", "json", "units", "list", "--offboarding", "--all")
	require.Equal(t, exitOK, r.code, r.stderr)
	var rows []struct {
		ID                string `json:"id"`
		OffboardRequested string `json:"offboardRequestedDateTime"`
		BackupsDeleted    string `json:"backupsDeletedDateTime"`
		DaysLeft          int    `json:"daysLeft"`
		CancelPossible    bool   `json:"cancelPossible"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	require.NotEmpty(t, rows)
	for _, row := range rows {
		requested, err := parseTime(row.OffboardRequested)
		require.NoError(t, err)
		deleted, err := parseTime(row.BackupsDeleted)
		require.NoError(t, err)
		require.Equal(t, requested.Add(offboardingGrace), deleted)
		require.Equal(t, int(deleted.Sub(fake.DefaultStart).Hours()/24), row.DaysLeft, row.ID)
		require.True(t, row.CancelPossible)
	}
	r = c.run(t, "--emulator", "units", "list", "--offboarding")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^ID\s+KIND\s+NAME\s+OFFBOARDREQUESTED\s+BACKUPSDELETED\s+DAYSLEFT\s+CANCELPOSSIBLE$`, r.stdout)
}

// parseTime reads an RFC 3339 time of json output.
func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
