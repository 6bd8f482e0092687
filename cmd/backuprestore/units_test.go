package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// The first ten units of the seeded emulator in every output format.
func TestUnitsListGolden(t *testing.T) {
	for _, out := range listOutputs {
		t.Run(out, func(t *testing.T) {
			var c cli
			r := c.run(t, "--emulator", "--output", out, "units", "list", "--limit", "10")
			require.Equal(t, 0, r.code, r.stderr)
			golden(t, "units_list."+out, r.stdout)
			require.Contains(t, r.stderr, "the first 10 units; more match")
		})
	}
}

// The formats agree with each other and with the emulator's units.
func TestUnitsListFormatsAgree(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	all := srv.Units()

	r := c.run(t, "--emulator", "--output", "json", "units", "list", "--all")
	require.Equal(t, 0, r.code, r.stderr)
	var js []unitJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &js))
	require.Len(t, js, len(all))
	require.Empty(t, r.stderr, "--all: no note")

	r = c.run(t, "--emulator", "--output", "jsonl", "units", "list", "--all")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, len(all))
	for i, l := range lines {
		var u unitJSON
		require.NoError(t, json.Unmarshal([]byte(l), &u))
		require.Equal(t, js[i], u)
	}

	r = c.run(t, "--emulator", "--output", "csv", "units", "list", "--all")
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, len(all)+1)
	require.Equal(t, "id", recs[0][0])
	for i, rec := range recs[1:] {
		require.Equal(t, js[i].ID, rec[0])
		require.Equal(t, js[i].Status, rec[2])
		su, ok := srv.Unit(rec[0])
		require.True(t, ok)
		require.Equal(t, string(su.Status), rec[2])
		require.Equal(t, su.PolicyID, rec[3])
	}

	r = c.run(t, "--emulator", "units", "list", "--all")
	require.Len(t, strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"), len(all)+1, "a header and one line per unit")
}

// --status, --kind and --policy select exactly the matching units.
func TestUnitsListFilters(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	units := srv.Units()
	pol := ""
	for _, u := range units {
		if u.PolicyID != "" {
			pol = u.PolicyID
			break
		}
	}
	cases := []struct {
		name string
		args []string
		keep func(fake.Unit) bool
	}{
		{"status", []string{"--status", "unprotected"}, func(u fake.Unit) bool { return u.Status == models.StatusUnprotected }},
		{"two statuses", []string{"--status", "offboardRequested,offboarded"}, func(u fake.Unit) bool {
			return u.Status == models.StatusOffboardRequested || u.Status == models.StatusOffboarded
		}},
		{"kind", []string{"--kind", "mailbox"}, func(u fake.Unit) bool { return u.Kind == models.KindMailbox }},
		{"policy", []string{"--policy", pol}, func(u fake.Unit) bool { return u.PolicyID == pol }},
		{"kind and status", []string{"--kind", "site", "--status", "protected"}, func(u fake.Unit) bool {
			return u.Kind == models.KindSite && u.Status == models.StatusProtected
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(t, append([]string{"--emulator", "--output", "jsonl", "units", "list", "--all"}, tc.args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			var want []string
			for _, u := range units {
				if tc.keep(u) {
					want = append(want, u.ID)
				}
			}
			require.NotEmpty(t, want)
			var got []string
			for l := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
				var u unitJSON
				require.NoError(t, json.Unmarshal([]byte(l), &u))
				got = append(got, u.ID)
			}
			require.ElementsMatch(t, want, got)
		})
	}
}

// units list's bad flags are usage errors.
func TestUnitsListBadFlags(t *testing.T) {
	var c cli
	for _, args := range [][]string{
		{"--status", "sleeping"},
		{"--kind", "team"},
		{"--limit", "0"},
		{"extra"},
	} {
		r := c.run(t, append([]string{"--emulator", "units", "list"}, args...)...)
		require.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
		require.Empty(t, r.stdout)
		require.Contains(t, r.stderr, "backuprestore: ")
	}
}

// units get finds a unit by each of the ways admins know it, and says
// clearly when it cannot.
func TestUnitsGet(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	var site, drive fake.Unit
	for _, u := range srv.Units() {
		switch {
		case u.Kind == models.KindSite && site.ID == "":
			site = u
		case u.Kind == models.KindDrive && drive.ID == "":
			drive = u
		}
	}
	for _, tc := range []struct{ name, target, want string }{
		{"unit ID", site.ID, site.ID},
		{"site URL", site.SiteWebURL, site.ID},
		{"site URL, other case, trailing slash", strings.ToUpper(site.SiteWebURL) + "/", site.ID},
		{"e-mail", strings.ToUpper(drive.Email), drive.ID},
		{"directory object ID", drive.DirectoryObjectID, drive.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(t, "--emulator", "--output", "json", "units", "get", tc.target, "--kind", srvKind(srv, tc.want))
			require.Equal(t, 0, r.code, r.stderr)
			var got unitJSON
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got), "one JSON object")
			require.Equal(t, tc.want, got.ID)
		})
	}

	r := c.run(t, "--emulator", "units", "get", site.ID)
	require.Equal(t, 0, r.code, r.stderr)
	require.Regexp(t, `(?m)^siteWebUrl\s+`+site.SiteWebURL+`$`, r.stdout, "a field: value view")

	for _, tc := range []struct{ name, target, msg string }{
		{"unknown URL", "https://contoso.sharepoint.com/sites/NoSuchSite", `no site unit has the URL "https://contoso.sharepoint.com/sites/NoSuchSite"`},
		{"unknown e-mail", "nobody@contoso.com", `no drive or mailbox unit has the e-mail address "nobody@contoso.com"`},
		{"unknown ID", "00000000-0000-0000-0000-000000000000", `no unit has the ID or directory object ID "00000000-0000-0000-0000-000000000000"`},
		{"malformed ID", "..", `".." is not a valid unit ID, site URL or e-mail address`},
		{"wrong kind", site.ID, "is a site unit, which --kind mailbox excludes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--emulator", "units", "get", tc.target}
			if tc.name == "wrong kind" {
				args = append(args, "--kind", "mailbox")
			}
			r := c.run(t, args...)
			require.Equal(t, exitUsage, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.msg)
			require.Empty(t, r.stdout)
		})
	}
}

// srvKind is the --kind value of the unit with this ID.
func srvKind(srv *fake.Server, id string) string {
	u, _ := srv.Unit(id)
	return u.Kind.String()
}

// The embedded emulator has the same units in every process (an ID one
// invocation lists is there for the next), the golden tests' units.
func TestEmbeddedEmulatorIsReproducible(t *testing.T) {
	ids := func(srv *fake.Server) []string {
		var out []string
		for _, u := range srv.Units() {
			out = append(out, u.ID+" "+string(u.Status)+" "+u.Email+u.SiteWebURL)
		}
		return out
	}
	first := ids(newEmbeddedEmulator())
	require.Len(t, first, embeddedUnits+2*len(embeddedPeople))
	require.Equal(t, first, ids(newEmbeddedEmulator()))
	require.Equal(t, first, ids(testEmulator()))
}

// --policy takes a policy's ID or its name, in any case, and warns when
// no policy has it; a name two policies share is a usage error.
func TestUnitsListPolicyByName(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	var pol fake.Policy
	for _, p := range srv.Policies() {
		if p.DisplayName == "OneDrive Policy - All users" {
			pol = p
		}
	}
	var want []string
	for _, u := range srv.Units() {
		if u.PolicyID == pol.ID {
			want = append(want, u.ID)
		}
	}
	require.NotEmpty(t, want)
	ids := func(r result) []string {
		var out []string
		for l := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
			if l == "" {
				continue
			}
			var u unitJSON
			require.NoError(t, json.Unmarshal([]byte(l), &u))
			require.Equal(t, pol.DisplayName, u.PolicyName)
			out = append(out, u.ID)
		}
		return out
	}
	for _, sel := range []string{pol.ID, strings.ToUpper(pol.ID), pol.DisplayName, "onedrive policy - ALL USERS"} {
		r := c.run(t, "--emulator", "-o", "jsonl", "units", "list", "--all", "--policy", sel)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.ElementsMatch(t, want, ids(r), sel)
		require.NotContains(t, r.stderr, "warning")
	}
	r := c.run(t, "--emulator", "-o", "jsonl", "units", "list", "--policy", "Policy of Nobody")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Empty(t, r.stdout)
	require.Contains(t, r.stderr, `warning: no policy has the ID or name "Policy of Nobody"`)

	_, err := srv.AddPolicy(fake.Policy{Kind: models.PolicyKindOneDrive, DisplayName: pol.DisplayName})
	require.NoError(t, err)
	r = c.run(t, "--emulator", "units", "list", "--policy", pol.DisplayName)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "2 policies have that name")
	require.Empty(t, r.stdout)
}

// --limit works with --all too; --all alone lists every unit; kinds and
// statuses are taken in any case, with the workloads' names as kinds.
func TestUnitsListLimitAndVocabulary(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	count := func(r result) int {
		require.Equal(t, exitOK, r.code, r.stderr)
		return len(strings.Split(strings.TrimSpace(r.stdout), "\n"))
	}
	require.Equal(t, 7, count(c.run(t, "--emulator", "-o", "jsonl", "units", "list", "--all", "--limit", "7")))
	require.Equal(t, len(srv.Units()), count(c.run(t, "--emulator", "-o", "jsonl", "units", "list", "--all")))
	mailboxes := 0
	for _, u := range srv.Units() {
		if u.Kind == models.KindMailbox && u.Status == models.StatusProtected {
			mailboxes++
		}
	}
	for _, kind := range []string{"mailbox", "MAILBOX", "exchange", "Mailboxes"} {
		require.Equal(t, mailboxes, count(c.run(t, "--emulator", "-o", "jsonl", "units", "list", "--all", "--kind", kind, "--status", "PROTECTED")), kind)
	}
	r := c.run(t, "--emulator", "units", "list", "--kind", "teams")
	require.Equal(t, exitUsage, r.code)
	require.Contains(t, r.stderr, `"teams" is not a kind: site (SharePoint), drive (OneDrive) or mailbox (Exchange)`)
}

// A listing that fails prints nothing on stdout, in every format: no "[]"
// and no header row for a script to take as an empty result.
func TestFailedListPrintsNothing(t *testing.T) {
	for _, out := range listOutputs {
		t.Run(out, func(t *testing.T) {
			srv := testEmulator()
			srv.AddFault(fake.Fault{Kind: fake.FaultStatus, Status: 400, Code: "BadRequest", Message: "the endpoint refuses"})
			c := cli{srv: srv}
			for _, args := range [][]string{
				{"--emulator", "-o", out, "units", "list"},
				{"--emulator", "-o", out, "policies", "list"},
				{"--emulator", "-o", out, "offboard", "--dry-run", "x@contoso.com"},
			} {
				r := c.run(t, args...)
				require.Equal(t, exitFailed, r.code, "%v: %s", args, r.stderr)
				require.Empty(t, r.stdout, "%v", args)
				require.Contains(t, r.stderr, "backuprestore: ")
			}
		})
	}
}
