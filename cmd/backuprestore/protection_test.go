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

// protectionEmulator has its clock frozen (tests move it) and 10 sites
// and people outside any policy.
func protectionEmulator() *fake.Server {
	srv := fake.NewServer(nil)
	srv.SeedDirectory(10)
	return srv
}

// clockOnReads moves the emulator's clock by a job's delay before every
// GET, so that a job the CLI waits for finishes on the emulator's clock.
type clockOnReads struct {
	srv  *fake.Server
	next http.RoundTripper
}

func (c clockOnReads) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.srv.Advance(fake.DefaultJobDelay)
	}
	return c.next.RoundTrip(r)
}

// policies create, show, activate, deactivate and delete; bad input is a
// usage error (exit 2) and writes nothing.
func TestPolicyCommands(t *testing.T) {
	srv := protectionEmulator()
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "-o", "json", "policies", "create", "--kind", "exchange", "Sales mailboxes")
	require.Equal(t, 0, r.code, r.stderr)
	var created []policyJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created))
	require.Len(t, created, 1)
	id := created[0].ID
	require.Equal(t, "inactive", created[0].Status)

	r = c.run(t, "--emulator", "-o", "json", "policies", "show", id)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `"unitsByStatus"`)

	r = c.run(t, "--emulator", "policies", "activate", id)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "updating")
	r = c.run(t, "--emulator", "policies", "activate", id)
	require.Equal(t, 1, r.code, "activating an updating policy is the service's refusal")
	require.Contains(t, r.stderr, "PolicyActionNotAllowed")

	r = c.run(t, "--emulator", "policies", "delete", id)
	require.Equal(t, 2, r.code, "no --yes and no terminal")
	require.Len(t, srv.Policies(), 1)

	srv.Advance(fake.DefaultProtectDelay)
	r = c.run(t, "--emulator", "--yes", "policies", "deactivate", id)
	require.Equal(t, 0, r.code, r.stderr)
	srv.Advance(fake.DefaultProtectDelay)
	r = c.run(t, "--emulator", "--yes", "policies", "delete", id)
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, srv.Policies())

	many := []string{"--emulator", "policies", "create", "--kind", "sharePoint", "Too many"}
	for range 51 {
		many = append(many, "contoso.sharepoint.com,00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002")
	}
	r = c.run(t, many...)
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "51 artifacts")
	r = c.run(t, "--emulator", "policies", "show", "no-such-policy")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "no-such-policy")
	require.Empty(t, srv.Policies(), "nothing half-applied")
}

// rules create, list and run against a SharePoint policy.
func TestRuleCommands(t *testing.T) {
	srv := protectionEmulator()
	pol, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindSharePoint, DisplayName: "Projects"})
	require.NoError(t, err)
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "-o", "csv", "rules", "create", pol.ID, "(siteName -contains 'Project Site 1')")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, ",active,")
	r = c.run(t, "--emulator", "rules", "create", pol.ID, "everything")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "InvalidRuleExpression")
	r = c.run(t, "--emulator", "rules", "create", pol.ID, "--dynamic", "(siteName -contains 'x')")
	require.Equal(t, 2, r.code)
	srv.Advance(fake.DefaultRuleDelay)
	r = c.run(t, "--emulator", "rules", "list", pol.ID)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "completed")
	n := 0
	for _, u := range srv.Units() {
		if u.PolicyID == pol.ID {
			n++
		}
	}
	require.Equal(t, 2, n, "Project Site 1 and 10")
}

// onboard: every line gets a result; bad lines are refused before
// anything is written (exit 2); a line not found makes exit 1.
func TestOnboardCommand(t *testing.T) {
	srv := protectionEmulator()
	pol, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindSharePoint, DisplayName: "Target"})
	require.NoError(t, err)
	c := cli{srv: srv, wrap: func(next http.RoundTripper) http.RoundTripper { return clockOnReads{srv, next} }}
	file := writeFile(t, "sites.csv", "SiteUrl,Owner\n"+
		"https://contoso.sharepoint.com/sites/project-site-1,a\n"+
		"https://contoso.sharepoint.com/sites/project-site-2,b\n"+
		"https://contoso.sharepoint.com/sites/gone,c\n")
	bad := writeFile(t, "bad.txt", "https://contoso.sharepoint.com/sites/project-site-3\nnot a site\n")
	r := c.run(t, "--emulator", "--yes", "onboard", pol.ID, "--from", bad, "--poll-interval", "5ms")
	require.Equal(t, 2, r.code, r.stderr)
	require.Contains(t, r.stderr, `"not a site"`)
	require.Contains(t, r.stderr, "bad.txt:2")
	require.Zero(t, len(srv.Units()), "nothing written")

	r = c.run(t, "--emulator", "--yes", "-o", "jsonl", "onboard", pol.ID, "--from", file, "--column", "siteurl", "--poll-interval", "5ms")
	require.Equal(t, 1, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], `"outcome":"done"`)
	require.Contains(t, lines[1], `"outcome":"done"`)
	require.Contains(t, lines[2], `"code":"SiteUrlNotFound"`)
	require.Contains(t, lines[2], "sites.csv:4")
	require.Len(t, srv.Units(), 2)
}

// units list --offboarding lists the offboarding units with the date their
// backups are deleted and the days left, on the service's clock.
func TestUnitsListOffboarding(t *testing.T) {
	var c cli
	r := c.run(t, "--emulator", "-o", "json", "units", "list", "--offboarding", "--all")
	require.Equal(t, 0, r.code, r.stderr)
	var rows []struct {
		ID                string    `json:"id"`
		OffboardRequested time.Time `json:"offboardRequestedDateTime"`
		BackupsDeleted    time.Time `json:"backupsDeletedDateTime"`
		DaysLeft          int       `json:"daysLeft"`
		CancelPossible    bool      `json:"cancelPossible"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	require.NotEmpty(t, rows)
	for _, row := range rows {
		require.Equal(t, row.OffboardRequested.Add(90*24*time.Hour), row.BackupsDeleted)
		require.Equal(t, int(row.BackupsDeleted.Sub(fake.DefaultStart).Hours()/24), row.DaysLeft, row.ID)
		require.True(t, row.CancelPossible)
	}
}
