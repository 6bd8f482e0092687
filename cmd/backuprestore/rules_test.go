package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// decodeRule parses a rule in json output.
func decodeRule(t *testing.T, s string) map[string]any {
	t.Helper()
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &r), "%s", s)
	return r
}

// rules create, list and run under a site policy named by its name; the
// service's refusals (a bad expression, a tenant whose protection changes
// are locked) exit 1 with its code, naming the policy, and create nothing;
// --dynamic on a site policy is refused before anything is sent.
func TestRuleCommands(t *testing.T) {
	srv := protectionEmulator()
	pol, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindSharePoint, DisplayName: "Projects"})
	require.NoError(t, err)
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "-o", "csv", "rules", "create", "projects", "(siteName -contains 'Project Site 1')")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, ",active,")

	r = c.run(t, "--emulator", "rules", "create", "Projects", "everything")
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "InvalidRuleExpression")
	require.Contains(t, r.stderr, `policy "Projects"`)
	r = c.run(t, "--emulator", "rules", "create", pol.ID, "--dynamic", "(siteName -contains 'x')")
	require.Equal(t, exitUsage, r.code)
	require.Contains(t, r.stderr, "site rules are static")

	require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	r = c.run(t, "--emulator", "rules", "create", "Projects", "(siteName -contains 'Project Site 2')")
	require.Equal(t, exitFailed, r.code, "the service refuses: %s", r.stderr)
	require.NoError(t, srv.SetServiceStatus(models.ServiceEnabled))

	srv.Advance(fake.DefaultRuleDelay)
	r = c.run(t, "--emulator", "-o", "json", "rules", "list", "Projects")
	require.Equal(t, exitOK, r.code, r.stderr)
	var rules []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rules))
	require.Len(t, rules, 1, "one rule: the refused ones were not created")
	require.Equal(t, "completed", rules[0]["status"])
	n := 0
	for _, u := range srv.Units() {
		if u.PolicyID == pol.ID {
			n++
		}
	}
	require.Equal(t, 2, n, "Project Site 1 and 10")

	id := rules[0]["id"].(string)
	r = c.run(t, "--emulator", "-o", "json", "rules", "run", "Projects", id)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, id, decodeRule(t, r.stdout)["id"])
	r = c.run(t, "--emulator", "--yes", "rules", "delete", "Projects", id, "--unprotect")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "is static")
}

// rules delete shows the rule and asks; --unprotect (deleteAndUnprotect of
// a dynamic rule) lists every unit only the rule protects first, and those
// lose their protection; declined, nothing is written.
func TestRuleDeletePlans(t *testing.T) {
	srv := protectionEmulator()
	_, users := srv.SeedDirectory(4)
	group := "5a1e5b0c-0000-4000-8000-00000000a11e"
	var members []string
	for _, u := range users {
		members = append(members, u.ID)
	}
	require.NoError(t, srv.AddGroup(fake.Group{ID: group, DisplayName: "Sales", Members: members}))
	pol, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindExchange, DisplayName: "Sales mailboxes"})
	require.NoError(t, err)
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "-o", "json", "rules", "create", "Sales mailboxes", "--dynamic", "(memberOf -any (group.id -in ['"+group+"']))")
	require.Equal(t, exitOK, r.code, r.stderr)
	id := decodeRule(t, r.stdout)["id"].(string)
	srv.Advance(fake.DefaultRuleDelay)
	var protected []string
	for _, u := range srv.Units() {
		if u.PolicyID == pol.ID {
			protected = append(protected, u.ID)
		}
	}
	require.Len(t, protected, 4)

	declined := cli{srv: srv, inTTY: true, stdin: "n\n"}
	r = declined.run(t, "--emulator", "rules", "delete", "sales MAILBOXES", id, "--unprotect")
	require.Equal(t, exitDeclined, r.code, r.stderr)
	require.Contains(t, r.stderr, `Plan: delete the rule of the mailbox policy "Sales mailboxes"`)
	require.Contains(t, r.stderr, "deleteAndUnprotect unprotects the 4 units only the policy's dynamic rules protect:")
	for _, u := range protected {
		require.Contains(t, r.stderr, u, "the blast radius lists every unit")
	}
	require.Contains(t, r.stderr, "Delete this rule and unprotect 4 units? Their backups stop. [y/N]")

	r = c.run(t, "--emulator", "--yes", "-o", "json", "rules", "delete", "Sales mailboxes", id, "--unprotect")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, "deleteRequested", decodeRule(t, r.stdout)["status"])
	srv.Advance(fake.DefaultRuleDelay)
	for _, id := range protected {
		u, _ := srv.Unit(id)
		require.False(t, strings.Contains(u.ProtectionSources, "dynamicRule"), "%s lost the rule", id)
	}
}
