package main

import (
	"strings"
	"testing"

	"github.com/rivo/uniseg"
	"github.com/stretchr/testify/require"
)

// requireFits fails when a line of text is wider than width columns.
func requireFits(t *testing.T, what, text string, width int) {
	t.Helper()
	for l := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		require.LessOrEqual(t, uniseg.StringWidth(l), width, "%s: %q", what, l)
	}
}

// On an 80-column terminal, the plan (stderr), a run's results and
// summary (stdout) and units list fit: names and reasons are cut with
// "…", the least useful columns left out; IDs are never cut. --wide
// shows everything.
func TestEightyColumns(t *testing.T) {
	srv := testEmulator()
	var targets []string
	for _, u := range pick(srv, 3, removed) {
		targets = append(targets, u.ID)
	}
	targets = append(targets, address(pick(srv, 1, dynamicRule)[0]), "--user", embeddedPeople[0].email)
	c := cli{srv: srv, outTTY: true, errTTY: true, width: 80, env: map[string]string{"NO_COLOR": "1"}}

	r := c.run(t, "--emulator", "--quiet", "units", "list", "--limit", "12")
	require.Equal(t, exitOK, r.code, r.stderr)
	requireFits(t, "units list", r.stdout, 80)
	golden(t, "units_list_80col.table", r.stdout)

	r = c.run(t, append([]string{"--emulator", "offboard", "--dry-run"}, targets...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	requireFits(t, "dry run", r.stdout, 80)
	golden(t, "offboard_dryrun_80col.table", r.stdout)

	// The plan before the prompt (stderr), then the results and the
	// summary of the run (stdout): the removed units are offboarded at
	// once, the dynamic-rule unit skipped, the person's units removed
	// (pending: the emulator's clock is frozen).
	c.stdin = "y\n"
	c.inTTY = true
	r = c.run(t, append([]string{"--emulator", "offboard", "--wait-timeout", "1ms"}, targets...)...)
	require.Equal(t, exitFailed, r.code, r.stderr)
	plan := r.stderr[strings.Index(r.stderr, "Against the embedded emulator; journal "):strings.Index(r.stderr, "Their backups will be")]
	plan = plan[strings.Index(plan, "\n")+1:] // the line naming the journal's path
	requireFits(t, "plan", plan, 80)
	golden(t, "offboard_plan_80col.table", plan)
	requireFits(t, "results", r.stdout, 80)
	golden(t, "offboard_results_80col.table", r.stdout)

	c.inTTY, c.stdin = false, ""
	r = c.run(t, "--emulator", "--wide", "units", "list", "--limit", "12")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "https://contoso.sharepoint.com/sites/", "--wide: every column, in full")
	require.Greater(t, uniseg.StringWidth(strings.SplitN(r.stdout, "\n", 2)[0]), 80)
}
