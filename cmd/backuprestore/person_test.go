package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// A departing person is one target: --user ADDRESS (or the address, or
// the directory object ID, as any target) takes their OneDrive and their
// mailbox, and the plan shows both; --kind takes one. A CSV of departed
// users works the same. --user refuses what is not a person.
func TestPersonTargets(t *testing.T) {
	srv := testEmulator()
	adele, alex := embeddedPeople[0], embeddedPeople[1]
	both := []string{adele.driveID, adele.mailboxID}
	departed := writeFile(t, "departed.csv", "Name,Mail,Left\nAdele Vance,"+strings.ToLower(adele.email)+",2026-11-30\nAlex Wilber,"+alex.email+",2026-12-01\n")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"--user", []string{"--user", adele.email}, both},
		{"--user, two, comma-separated", []string{"--user", adele.email + "," + alex.email},
			[]string{adele.driveID, adele.mailboxID, alex.driveID, alex.mailboxID}},
		{"an address as an argument", []string{strings.ToUpper(adele.email)}, both},
		{"a directory object ID", []string{adele.objectID}, both},
		{"--user by directory object ID", []string{"--user", adele.objectID}, both},
		{"--kind mailbox", []string{"--user", adele.email, "--kind", "Exchange"}, []string{adele.mailboxID}},
		{"--kind drive", []string{adele.email, "--kind", "drive"}, []string{adele.driveID}},
		{"a CSV of departed users", []string{"--from", departed, "--column", "mail"},
			[]string{adele.driveID, adele.mailboxID, alex.driveID, alex.mailboxID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cli{srv: srv}
			r := c.run(t, append([]string{"--emulator", "-o", "json", "offboard", "--dry-run"}, tc.args...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			var got []string
			for _, x := range decodeResults(t, r.stdout) {
				got = append(got, x.ID)
				require.Equal(t, "planned", x.Outcome)
				require.Equal(t, "remove", x.Stage)
			}
			require.Equal(t, tc.want, got)
			if len(tc.want) > 1 {
				require.Regexp(t, `(?m)^remove\s+planned\s+drive\s+OneDrive Policy - All users\s+\d`, r.stderr, "the plan shows the OneDrive")
				require.Regexp(t, `(?m)^remove\s+planned\s+mailbox\s+Exchange Policy - All mailboxes\s+\d`, r.stderr, "and the mailbox")
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"--user with a site", []string{"--user", "https://contoso.sharepoint.com/sites/ProductLaunch2026"}, "--user takes a person's e-mail address or directory object ID, not a site URL"},
		{"--user with a unit ID", []string{"--user", adele.driveID}, "no drive or mailbox unit has the directory object ID"},
		{"--user unknown", []string{"--user", "nobody@contoso.com"}, `--user 1: no drive or mailbox unit has the e-mail address "nobody@contoso.com"`},
		{"the person twice", []string{"--user", adele.email, adele.mailboxID}, "is the same unit (" + adele.mailboxID + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cli{srv: srv}
			r := c.run(t, append([]string{"--emulator", "offboard", "--dry-run"}, tc.args...)...)
			require.Equal(t, exitUsage, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.msg)
			require.Empty(t, r.stdout)
		})
	}
}

// A person's run offboards both units, each action once.
func TestPersonRun(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RealTimeClock: true, Start: fake.DefaultStart, RemovalDelay: 100 * time.Millisecond})
	seedEmbedded(srv)
	p := embeddedPeople[1]
	c := cli{srv: srv}
	r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", "--user", p.email}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	res := decodeResults(t, r.stdout)
	require.Len(t, res, 2)
	byUnit := causes(srv.AllTransitions())
	for _, id := range []string{p.driveID, p.mailboxID} {
		got, _ := srv.Unit(id)
		require.Equal(t, models.StatusOffboardRequested, got.Status)
		require.Equal(t, 1, byUnit[id][fake.CauseOffboard])
	}
}
