package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// A unit protected by a dynamic rule: without --via-rules the plan names
// its rule and the ways out and nothing about rules changes; with it, the
// plan shows the rule change's blast radius (every unit the rule's
// deleteAndUnprotect unprotects, those outside the run named) before the
// question, and the run frees the unit through the rule and offboards it.
func TestOffboardViaRules(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RealTimeClock: true, Start: time.Now().UTC(), RemovalDelay: 100 * time.Millisecond, RuleDelay: 100 * time.Millisecond})
	srv.Seed(embeddedUnits)
	u := pick(srv, 1, func(u fake.Unit) bool { return dynamicRule(u) && u.ProtectionSources == "dynamicRule" })[0]
	var others []string
	for _, o := range srv.Units() {
		if o.ID != u.ID && o.PolicyID == u.PolicyID && strings.Contains(o.ProtectionSources, "dynamicRule") {
			others = append(others, o.ID)
		}
	}
	require.NotEmpty(t, others)
	c := cli{srv: srv}

	r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", u.ID}, fast...)...)
	require.Equal(t, exitFailed, r.code, r.stderr)
	res := decodeResults(t, r.stdout)
	require.Equal(t, "skipped", res[0].Outcome)
	require.Contains(t, res[0].Reason, "(rule ", "the reason names the rule")
	require.Contains(t, res[0].Reason, "deleteAndUnprotect")
	require.Empty(t, writes(srv), "nothing about rules changed")

	declined := cli{srv: srv, inTTY: true, stdin: "n\n"}
	r = declined.run(t, append([]string{"--emulator", "offboard", "--via-rules", u.ID}, fast...)...)
	require.Equal(t, exitDeclined, r.code, r.stderr)
	require.Regexp(t, `Rule change: deleteAndUnprotect rule \S+ .* unprotects \d+ units, \d+ of them not in this run: `, r.stderr)
	for _, o := range others {
		require.Contains(t, r.stderr, o, "the blast radius names every other unit")
	}
	require.Less(t, strings.Index(r.stderr, "Rule change:"), strings.Index(r.stderr, "[y/N]"), "shown before the question")

	r = c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", "--via-rules", u.ID}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, "done", decodeResults(t, r.stdout)[0].Outcome)
	got, _ := srv.Unit(u.ID)
	require.Equal(t, models.StatusOffboardRequested, got.Status)
}
