package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

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

// RoundTrip implements http.RoundTripper.
func (c clockOnReads) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.srv.Advance(fake.DefaultJobDelay)
	}
	return c.next.RoundTrip(r)
}

// decodePolicy parses a policy in json output (policies create, rename,
// activate, deactivate).
func decodePolicy(t *testing.T, s string) policyJSON {
	t.Helper()
	var p policyJSON
	require.NoError(t, json.Unmarshal([]byte(s), &p), "%s", s)
	return p
}

// A policy's life through the command line, named by ID or by name in any
// case: create (kind in the one vocabulary), show with its units counted
// per status, rename, activate; deactivate and delete show a plan and ask
// (refused without a terminal or --yes: exit 2; declined: exit 5; nothing
// written either way); the service's refusals exit 1 with its code.
func TestPolicyLifecycle(t *testing.T) {
	srv := protectionEmulator()
	sites, _ := srv.SeedDirectory(2)
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "-o", "json", "policies", "create", "--kind", "SharePoint", "Finance sites", sites[0].ID, sites[1].ID)
	require.Equal(t, exitOK, r.code, r.stderr)
	p := decodePolicy(t, r.stdout)
	require.Equal(t, "site", p.Kind)
	require.Equal(t, "inactive", p.Status)
	require.Equal(t, "Finance sites", p.DisplayName)

	r = c.run(t, "--emulator", "-o", "json", "policies", "show", "finance SITES")
	require.Equal(t, exitOK, r.code, r.stderr)
	var shown struct {
		policyJSON
		Units         int64            `json:"units"`
		UnitsByStatus map[string]int64 `json:"unitsByStatus"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &shown))
	require.Equal(t, p.ID, shown.ID)
	require.Equal(t, int64(2), shown.Units)
	require.Equal(t, int64(2), shown.UnitsByStatus["unprotected"]+shown.UnitsByStatus["protectRequested"])
	r = c.run(t, "--emulator", "policies", "show", p.ID)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^units\s+2$`, r.stdout)

	r = c.run(t, "--emulator", "-o", "json", "policies", "rename", strings.ToUpper(p.ID), "Finance and legal sites")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, "Finance and legal sites", decodePolicy(t, r.stdout).DisplayName)

	r = c.run(t, "--emulator", "-o", "json", "policies", "activate", "Finance and legal sites")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, "updating", decodePolicy(t, r.stdout).Status)
	r = c.run(t, "--emulator", "policies", "activate", p.ID)
	require.Equal(t, exitFailed, r.code, "activating an updating policy is the service's refusal")
	require.Contains(t, r.stderr, "PolicyActionNotAllowed")
	srv.Advance(fake.DefaultProtectDelay)

	// deactivate: the plan, then the question.
	r = c.run(t, "--emulator", "policies", "deactivate", p.ID)
	require.Equal(t, exitUsage, r.code, "no terminal, no --yes: %s", r.stderr)
	require.Contains(t, r.stderr, "refusing to write without confirmation")
	declined := cli{srv: srv, inTTY: true, stdin: "n\n"}
	r = declined.run(t, "--emulator", "policies", "deactivate", p.ID)
	require.Equal(t, exitDeclined, r.code, r.stderr)
	require.Contains(t, r.stderr, `Plan: deactivate the site policy "Finance and legal sites" (`+p.ID+`)`)
	require.Regexp(t, `(?m)^units protected\s+2$`, r.stderr, "its units per status")
	require.Contains(t, r.stderr, `Deactivate policy "Finance and legal sites"? Backups of its 2 units stop. [y/N]`)
	require.Empty(t, r.stdout)
	pols := srv.Policies()
	require.Len(t, pols, 1)
	require.Equal(t, models.PolicyStatusActive, pols[0].Status, "nothing written")

	yes := cli{srv: srv, inTTY: true, stdin: "y\n"}
	r = yes.run(t, "--emulator", "-o", "json", "policies", "deactivate", "finance and legal sites")
	require.Equal(t, exitOK, r.code, r.stderr)
	r = c.run(t, "--emulator", "--yes", "policies", "delete", p.ID)
	require.Equal(t, exitFailed, r.code, "the service deletes only an inactive policy: %s", r.stderr)
	srv.Advance(fake.DefaultProtectDelay)
	r = c.run(t, "--emulator", "--yes", "policies", "delete", p.ID)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stderr, `Deleted the policy "Finance and legal sites"`)
	require.Empty(t, srv.Policies())
}

// Bad input is a clear error naming the input, before anything is
// written: an unknown policy, a name two policies share, 51 artifacts on
// create, no --kind, an unknown kind; nothing half-applied.
func TestPolicyBadInput(t *testing.T) {
	srv := protectionEmulator()
	for range 2 {
		_, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindExchange, DisplayName: "Twins"})
		require.NoError(t, err)
	}
	many := []string{"--emulator", "policies", "create", "--kind", "site", "Too many"}
	for range 51 {
		many = append(many, "contoso.sharepoint.com,00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002")
	}
	c := cli{srv: srv}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--emulator", "policies", "show", "no-such-policy"}, `no policy has the ID or name "no-such-policy"`},
		{[]string{"--emulator", "--yes", "policies", "delete", "Nobody's"}, `no policy has the ID or name "Nobody's"`},
		{[]string{"--emulator", "--yes", "policies", "deactivate", "twins"}, `2 policies are named "twins"`},
		{many, "51 artifacts: a policy is created with at most 50; nothing was sent"},
		{[]string{"--emulator", "policies", "create", "Kindless"}, "--kind is required"},
		{[]string{"--emulator", "policies", "create", "--kind", "teams", "x"}, `"teams" is not a kind`},
		{[]string{"--emulator", "rules", "list", "no-such-policy"}, `no policy has the ID or name "no-such-policy"`},
		{[]string{"--emulator", "--yes", "onboard", "no-such-policy", "a@contoso.com"}, `no policy has the ID or name "no-such-policy"`},
	} {
		r := c.run(t, tc.args...)
		require.Equal(t, exitUsage, r.code, "%v: %s", tc.args, r.stderr)
		require.Contains(t, r.stderr, tc.msg, "%v", tc.args)
		require.Empty(t, r.stdout)
	}
	require.Len(t, srv.Policies(), 2, "nothing created, nothing deleted")
	for _, rq := range srv.Requests() {
		require.Equal(t, http.MethodGet, rq.Method, "nothing but reads was sent: %+v", rq)
	}
}
