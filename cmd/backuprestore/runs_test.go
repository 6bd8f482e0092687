package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// liveEmulator is an emulator whose clock runs, with removals that take
// 100 ms, so that runs go through every stage in a test.
func liveEmulator(t *testing.T) *fake.Server {
	t.Helper()
	srv := fake.NewServer(&fake.Options{RealTimeClock: true, Start: time.Now().UTC(), RemovalDelay: 100 * time.Millisecond})
	srv.Seed(embeddedUnits)
	return srv
}

// fast are the flags that keep a run's waits short against liveEmulator.
var fast = []string{"--poll-interval", "50ms"}

// pick returns the IDs of up to n units of srv matching keep, in ID order.
func pick(srv *fake.Server, n int, keep func(fake.Unit) bool) []fake.Unit {
	var out []fake.Unit
	for _, u := range srv.Units() {
		if len(out) < n && keep(u) {
			out = append(out, u)
		}
	}
	return out
}

// Unit categories of the seeded emulator.
var (
	removable = func(u fake.Unit) bool {
		return u.Status == models.StatusProtected && u.PolicyID != "" && !models.ParseProtectionSources(u.ProtectionSources).Has(models.SourceDynamicRule)
	}
	removed     = func(u fake.Unit) bool { return u.Status == models.StatusUnprotected && u.PolicyID == "" }
	dynamicRule = func(u fake.Unit) bool {
		return u.Status == models.StatusProtected && models.ParseProtectionSources(u.ProtectionSources).Has(models.SourceDynamicRule)
	}
	offboardingUnit = func(u fake.Unit) bool { return u.Status == models.StatusOffboardRequested }
)

// address is how an admin would name the unit: its site URL or e-mail
// address when the kind makes that unambiguous, else its ID.
func address(u fake.Unit) string {
	switch {
	case u.SiteWebURL != "":
		return u.SiteWebURL
	case u.Kind == models.KindMailbox && u.Email != "":
		return u.Email
	}
	return u.ID
}

// writes returns the requests that could have changed something: policy
// PATCHes, offboard and cancelOffboard (in a $batch or not).
func writes(srv *fake.Server) []fake.RecordedRequest {
	var out []fake.RecordedRequest
	for _, r := range srv.Requests() {
		switch r.Route {
		case fake.RoutePolicyPatch, fake.RouteOffboard, fake.RouteCancelOffboard:
			out = append(out, r)
		}
	}
	return out
}

// causes counts each unit's transitions by cause.
func causes(ts []fake.Transition) map[string]map[fake.Cause]int {
	out := map[string]map[fake.Cause]int{}
	for _, tr := range ts {
		if out[tr.UnitID] == nil {
			out[tr.UnitID] = map[fake.Cause]int{}
		}
		out[tr.UnitID][tr.Cause]++
	}
	return out
}

// decodeResults parses json output of a run.
func decodeResults(t *testing.T, s string) []resultJSON {
	t.Helper()
	var out []resultJSON
	require.NoError(t, json.Unmarshal([]byte(s), &out), "%s", s)
	return out
}

// goldenTargets are the dry run's targets in the frozen emulator: two
// removable sites/drives/mailboxes, one already removed, one offboarding,
// one protected by a dynamic rule, by URL, e-mail address or ID.
func goldenTargets(srv *fake.Server) []string {
	var out []string
	for _, group := range [][]fake.Unit{pick(srv, 3, removable), pick(srv, 1, removed), pick(srv, 1, offboardingUnit), pick(srv, 1, dynamicRule)} {
		for _, u := range group {
			out = append(out, address(u))
		}
	}
	return out
}

// A dry run prints the plan in every format and writes nothing: no
// request that changes anything, no transition, no journal.
func TestOffboardDryRunGolden(t *testing.T) {
	for _, out := range listOutputs {
		t.Run(out, func(t *testing.T) {
			srv := testEmulator()
			c := cli{srv: srv}
			r := c.run(t, append([]string{"--emulator", "-o", out, "offboard", "--dry-run"}, goldenTargets(srv)...)...)
			require.Equal(t, exitOK, r.code, "the plan was read; that a unit would be skipped (dynamic rule) is part of it: %s", r.stderr)
			golden(t, "offboard_dryrun."+out, r.stdout)
			if out != "table" {
				require.Contains(t, r.stderr, "plan (dry run: nothing was written): 6 units: 4 planned, 1 already, 1 skipped")
			}
			require.Empty(t, writes(srv))
			require.Empty(t, srv.AllTransitions())
			_, err := os.Stat(filepath.Join(c.stateDir, "backuprestore"))
			require.True(t, os.IsNotExist(err), "no journal")
		})
	}
}

// A dry run of only removable units plans them all: exit 0.
func TestOffboardDryRunAllPlanned(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	units := pick(srv, 4, removable)
	args := []string{"--emulator", "-o", "json", "offboard", "--dry-run"}
	for _, u := range units {
		args = append(args, u.ID)
	}
	r := c.run(t, args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	res := decodeResults(t, r.stdout)
	require.Len(t, res, 4)
	for i, x := range res {
		require.Equal(t, units[i].ID, x.ID)
		require.Equal(t, "planned", x.Outcome)
		require.Equal(t, "remove", x.Stage)
		require.Equal(t, units[i].PolicyID, x.PolicyID)
	}
	require.Empty(t, writes(srv))
}

// An offboarding run with --yes takes every unit through removal and
// offboarding, each action applied exactly once; the journal records it
// and status shows every unit done.
func TestOffboardRun(t *testing.T) {
	srv := liveEmulator(t)
	c := cli{srv: srv}
	targets := append(pick(srv, 6, removable), pick(srv, 2, removed)...)
	already := pick(srv, 1, offboardingUnit)
	args := append([]string{"--emulator", "-o", "json", "--yes", "offboard"}, fast...)
	for _, u := range append(targets, already...) {
		args = append(args, address(u))
	}
	r := c.run(t, args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	res := decodeResults(t, r.stdout)
	require.Len(t, res, len(targets)+1)
	for i, u := range targets {
		require.Equal(t, u.ID, res[i].ID)
		require.Equal(t, "done", res[i].Outcome, "%+v", res[i])
		require.Equal(t, "offboard", res[i].Stage)
		require.Equal(t, "offboardRequested", res[i].Status)
		require.NotNil(t, res[i].OffboardRequestedDateTime)
		require.Equal(t, u.PolicyID, res[i].PolicyID)
		got, _ := srv.Unit(u.ID)
		require.Equal(t, models.StatusOffboardRequested, got.Status)
	}
	require.Equal(t, "already", res[len(targets)].Outcome)
	require.Contains(t, r.stderr, "Plan: 9 units: 8 planned, 1 already\nAgainst the embedded emulator; journal ")
	require.Contains(t, r.stderr, "summary: 9 units: 8 done, 1 already")

	byUnit := causes(srv.AllTransitions())
	for i, u := range targets {
		wantRemove := 1
		if i >= 6 {
			wantRemove = 0 // already removed from its policy
		}
		require.Equal(t, wantRemove, byUnit[u.ID][fake.CauseRemove], u.ID)
		require.Equal(t, wantRemove, byUnit[u.ID][fake.CauseRemoved], u.ID)
		require.Equal(t, 1, byUnit[u.ID][fake.CauseOffboard], u.ID)
	}
	require.Empty(t, byUnit[already[0].ID], "nothing sent for the unit already offboarding")

	r = c.run(t, "--emulator", "-o", "json", "status")
	require.Equal(t, exitOK, r.code, r.stderr)
	st := decodeResults(t, r.stdout)
	require.Len(t, st, len(res))
	for i := range st {
		require.Equal(t, res[i].ID, st[i].ID)
		require.Equal(t, res[i].Outcome, st[i].Outcome)
	}
	require.Equal(t, "offboardRequested", st[0].Status, "the status the journal last recorded")
}

// The run's table output: every unit, then the summary.
func TestOffboardRunTable(t *testing.T) {
	srv := liveEmulator(t)
	c := cli{srv: srv}
	u := pick(srv, 1, removable)[0]
	r := c.run(t, append([]string{"--emulator", "--yes", "offboard", u.ID}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Regexp(t, `^ID\s+KIND\s+NAME\s+STAGE\s+OUTCOME\s+STATUS\s+DETAIL$`, lines[0])
	require.Regexp(t, `^`+u.ID+`\s+`+u.Kind.String()+`\s+.+\s+offboard\s+done\s+offboardRequested\s+-$`, lines[1])
	require.Equal(t, "summary: 1 unit: 1 done", lines[3])
	require.Regexp(t, `^STAGE\s+OUTCOME\s+KIND\s+POLICY\s+UNITS\s+REASON$`, lines[4])
	require.Regexp(t, `^offboard\s+done\s+`+u.Kind.String()+`\s+.*Policy.*\s+1\s+-$`, lines[5], "the policy by name")
}

// Without --yes and without a terminal, a run refuses to write (exit 2)
// and sends nothing but reads; on a terminal it asks, and only "y" or
// "yes" goes on.
func TestOffboardConfirmation(t *testing.T) {
	srv := liveEmulator(t)
	u := pick(srv, 1, removable)[0]

	c := cli{srv: srv}
	r := c.run(t, append([]string{"--emulator", "offboard", u.ID}, fast...)...)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "refusing to write without confirmation: stdin is not a terminal. Check the plan with --dry-run, then pass --yes")
	require.Contains(t, r.stderr, "Plan: 1 unit: 1 planned\n", "the plan is shown first")
	require.Empty(t, writes(srv))

	c = cli{srv: srv, stdin: u.ID + "\n"}
	r = c.run(t, append([]string{"--emulator", "offboard", "-"}, fast...)...)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "stdin is not a terminal (the targets came from it)")
	require.Empty(t, writes(srv))

	for _, answer := range []string{"n\n", "\n", "nope\n", ""} {
		c = cli{srv: srv, inTTY: true, stdin: answer}
		r = c.run(t, append([]string{"--emulator", "offboard", u.ID}, fast...)...)
		require.Equal(t, exitDeclined, r.code, r.stderr)
		require.Contains(t, r.stderr, "Their backups will be deleted after the grace period.\nProceed with offboarding 1 unit? [y/N] ")
		require.Contains(t, r.stderr, "Not confirmed: nothing was written.")
		require.Empty(t, r.stdout)
		require.Empty(t, writes(srv), "answer %q", answer)
	}

	c = cli{srv: srv, inTTY: true, stdin: "YES\n"}
	r = c.run(t, append([]string{"--emulator", "offboard", u.ID}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	got, _ := srv.Unit(u.ID)
	require.Equal(t, models.StatusOffboardRequested, got.Status)
}

// Bad input is an input error (exit 2) naming the line, before anything is
// written and before any journal is made.
func TestOffboardBadInput(t *testing.T) {
	srv := testEmulator()
	good := pick(srv, 2, removable)
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown site URL", []string{"https://contoso.sharepoint.com/sites/Nowhere"}, `argument 1: no site unit has the URL "https://contoso.sharepoint.com/sites/Nowhere"`},
		{"malformed ID", []string{good[0].ID, ".."}, `argument 2: ".." is not a valid unit ID, site URL or e-mail address`},
		{"duplicate lines", []string{"--from", writeFile(t, "dup.txt", good[0].ID+"\n"+good[1].ID+"\n"+good[0].ID+"\n")}, "dup.txt:3: duplicate target"},
		{"same unit twice", []string{good[0].ID, strings.ToUpper(good[0].ID)}, "is the same unit"},
		{"empty file", []string{"--from", writeFile(t, "empty.txt", "")}, "empty.txt is empty: no targets"},
		{"CSV without the column", []string{"--from", writeFile(t, "u.csv", "site,owner\nx,y\n"), "--column", "url"}, `u.csv has no column "url" (its columns: "site", "owner")`},
		{"no targets", nil, "no targets"},
		{"negative wait", []string{good[0].ID, "--wait-timeout", "-1s"}, "cannot be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cli{srv: srv}
			r := c.run(t, append([]string{"--emulator", "--yes", "offboard"}, tc.args...)...)
			require.Equal(t, exitUsage, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.msg)
			require.Empty(t, r.stdout)
			require.Empty(t, writes(srv))
			_, err := os.Stat(filepath.Join(c.stateDir, "backuprestore"))
			require.True(t, os.IsNotExist(err), "no journal")
		})
	}
}

// Exit codes of runs: 1 when a unit is skipped or fails, 4 when the token
// lacks the permission to write (the message names it), 3 when an
// outcome is unknown.
func TestOffboardExitCodes(t *testing.T) {
	t.Run("skipped: 1", func(t *testing.T) {
		srv := liveEmulator(t)
		c := cli{srv: srv}
		r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", pick(srv, 1, removable)[0].ID, pick(srv, 1, dynamicRule)[0].ID}, fast...)...)
		require.Equal(t, exitFailed, r.code, r.stderr)
		res := decodeResults(t, r.stdout)
		require.Equal(t, []string{"done", "skipped"}, []string{res[0].Outcome, res[1].Outcome})
		require.Contains(t, res[1].Reason, "dynamic inclusion rule")
	})
	t.Run("failed: 1", func(t *testing.T) {
		srv := liveEmulator(t)
		u := pick(srv, 2, removed)
		srv.AddFault(fake.Fault{Route: fake.RouteOffboard, InBatch: true, UnitID: u[1].ID, Kind: fake.FaultStatus, Status: 409, Code: "Conflict", Message: "someone else is changing it"})
		c := cli{srv: srv}
		r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", u[0].ID, u[1].ID}, fast...)...)
		require.Equal(t, exitFailed, r.code, r.stderr)
		res := decodeResults(t, r.stdout)
		require.Equal(t, "done", res[0].Outcome)
		require.Equal(t, "failed", res[1].Outcome)
		require.Contains(t, res[1].Error, "someone else is changing it")
	})
	t.Run("no permission to write: 4", func(t *testing.T) {
		srv := liveEmulator(t)
		c := cli{srv: srv, cred: fake.NewDelegatedCredential(fake.PermissionRead)}
		r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", pick(srv, 1, removable)[0].ID, pick(srv, 1, removed)[0].ID}, fast...)...)
		require.Equal(t, exitAuth, r.code, r.stderr)
		require.Contains(t, r.stderr, "2 units failed for want of authorization")
		require.Contains(t, r.stderr, "needs the delegated permission "+permReadWrite)
		for _, x := range decodeResults(t, r.stdout) {
			require.Equal(t, "failed", x.Outcome)
		}
		for _, tr := range srv.AllTransitions() {
			// The emulator's own timers complete earlier removals; nothing
			// of this command's may have changed a unit.
			require.Contains(t, []fake.Cause{fake.CauseTimer, fake.CauseRemoved, fake.CauseProtected}, tr.Cause, "nothing written")
		}
	})
	t.Run("credential fails: 4", func(t *testing.T) {
		srv := liveEmulator(t)
		cred := fake.NewDelegatedCredential()
		cred.SetError(fmt.Errorf("AADSTS50076: MFA required"))
		c := cli{srv: srv, cred: cred}
		r := c.run(t, "--emulator", "--yes", "offboard", pick(srv, 1, removable)[0].ID)
		require.Equal(t, exitAuth, r.code, r.stderr)
		require.Contains(t, r.stderr, "AADSTS50076")
	})
	t.Run("answers lost: 3", func(t *testing.T) {
		srv := liveEmulator(t)
		u := pick(srv, 1, removed)[0]
		var lose atomic.Bool
		c := cli{srv: srv, wrap: func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(req *http.Request) (*http.Response, error) {
				if lose.Load() {
					// After the lost answer, nothing reaches the service
					// (a name that no longer resolves): the read-backs
					// cannot settle the outcome.
					return nil, &net.DNSError{Err: "no such host", Name: req.URL.Hostname(), IsNotFound: true}
				}
				if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/$batch") && isOffboardBatch(req) {
					lose.Store(true)
					resp, err := rt.RoundTrip(req) // the service acts…
					if err == nil {
						resp.Body.Close()
					}
					return nil, syscall.ECONNRESET // …and its answer is lost
				}
				return rt.RoundTrip(req)
			})
		}}
		r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", u.ID}, fast...)...)
		require.Equal(t, exitUnknown, r.code, r.stderr)
		res := decodeResults(t, r.stdout)
		require.Equal(t, "unknown", res[0].Outcome, "%+v", res[0])
		got, _ := srv.Unit(u.ID)
		require.Equal(t, models.StatusOffboardRequested, got.Status, "it was applied")

		// status says in doubt (exit 3); resume, with answers back, settles
		// it as done without sending the offboard again.
		r = c.run(t, "--emulator", "-o", "json", "status")
		require.Equal(t, exitUnknown, r.code, r.stderr)
		require.Equal(t, "unknown", decodeResults(t, r.stdout)[0].Outcome)
		lose.Store(false)
		c.wrap = nil
		r = c.run(t, "--emulator", "-o", "json", "resume")
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Equal(t, 1, causes(srv.AllTransitions())[u.ID][fake.CauseOffboard], "not sent twice")
		require.Equal(t, "done", decodeResults(t, r.stdout)[0].Outcome,
			"this run offboarded it (its answer was lost): Resume documents Done, not Already. The SDK's replay "+
				"drops the intent of a stage whose recorded outcome is Unknown, losing that evidence")
		require.Empty(t, decodeResults(t, r.stdout)[0].Error, "settled: the lost answer's error is history, not its state")
		r = c.run(t, "--emulator", "-o", "json", "status")
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Equal(t, "done", decodeResults(t, r.stdout)[0].Outcome)
		require.Empty(t, decodeResults(t, r.stdout)[0].Error, "status: no stale error either")
	})
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip implements http.RoundTripper.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// isOffboardBatch reports whether a $batch request carries offboard items
// (it peeks at the body and puts it back).
func isOffboardBatch(req *http.Request) bool {
	if req.GetBody == nil {
		return false
	}
	body, err := req.GetBody()
	if err != nil {
		return false
	}
	defer body.Close()
	var b strings.Builder
	buf := make([]byte, 32*1024)
	for {
		n, err := body.Read(buf)
		b.WriteString(string(buf[:n]))
		if err != nil {
			break
		}
	}
	return strings.Contains(b.String(), "/offboard")
}

// A run whose waits time out leaves its units pending (exit 1, resume
// named); status shows them pending; a new run is refused while it is
// unfinished; resume finishes it, sending nothing twice; then a new run
// may start (the old one archived).
func TestResumeAndStatus(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RemovalDelay: time.Hour}) // frozen clock: removals wait for Advance
	srv.Seed(embeddedUnits)
	c := cli{srv: srv}
	units := pick(srv, 5, removable)
	args := []string{"--emulator", "--yes", "-o", "json", "offboard", "--wait-timeout", "300ms", "--poll-interval", "50ms"}
	for _, u := range units {
		args = append(args, u.ID)
	}
	r := c.run(t, args...)
	require.Equal(t, exitFailed, r.code, r.stderr)
	require.Contains(t, r.stderr, "5 units not finished. Continue with:\n  backuprestore --emulator resume\n")
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "pending", x.Outcome)
		require.Equal(t, "waitRemoved", x.Stage)
	}

	r = c.run(t, "--emulator", "-o", "json", "status")
	require.Equal(t, exitFailed, r.code, r.stderr)
	require.Contains(t, r.stderr, "Run 000001: the offboard run of 5 units started ")
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "pending", x.Outcome)
		require.Equal(t, "removeRequested", x.Status)
	}

	srv.Advance(2 * time.Hour) // the removals complete
	r = c.run(t, "--emulator", "-o", "json", "resume", "--poll-interval", "50ms")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stderr, "Resuming the offboard run of 5 units")
	require.Contains(t, r.stderr, "the embedded emulator starts afresh in every process")
	byUnit := causes(srv.AllTransitions())
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome)
		require.Equal(t, 1, byUnit[x.ID][fake.CauseRemove], "removed once")
		require.Equal(t, 1, byUnit[x.ID][fake.CauseOffboard], "offboarded once")
	}
	r = c.run(t, "--emulator", "-o", "json", "status")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Len(t, decodeResults(t, r.stdout), 5)

	// An unfinished run of the embedded emulator (gone with its process)
	// does not block the next one: it is archived.
	r = c.run(t, "--emulator", "--yes", "offboard", "--wait-timeout", "200ms", "--poll-interval", "50ms", pick(srv, 1, removable)[0].ID)
	require.Equal(t, exitFailed, r.code, r.stderr)
	r = c.run(t, "--emulator", "--yes", "-o", "json", "offboard", "--poll-interval", "50ms", pick(srv, 1, removed)[0].ID)
	require.Equal(t, exitOK, r.code, "archived, not refused: %s", r.stderr)
}

// Against a standalone emulator (a journal of another endpoint than the
// embedded one), an unfinished run refuses a new one, resume continues it
// where it was started, and a finished run is archived for the next.
func TestUnfinishedRunRefusesNewRun(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RemovalDelay: time.Hour})
	srv.Seed(embeddedUnits)
	base := serveEmulator(t, srv)
	c := cli{}
	units := pick(srv, 3, removable)
	args := []string{"--emulator-url", base, "--yes", "-o", "json", "offboard", "--wait-timeout", "300ms", "--poll-interval", "50ms"}
	for _, u := range units {
		args = append(args, u.ID)
	}
	r := c.run(t, args...)
	require.Equal(t, exitFailed, r.code, r.stderr)

	other := pick(srv, 1, removed)[0].ID
	r = c.run(t, "--emulator-url", base, "--yes", "offboard", other)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "holds an unfinished offboard run of 3 units")
	require.Contains(t, r.stderr, "continue it with\n  backuprestore --emulator-url "+base+" resume\n")
	require.Empty(t, r.stdout, "refused before anything was read")

	r = c.run(t, "--emulator", "resume")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "no journal at", "the embedded emulator has its own journal")

	srv.Advance(2 * time.Hour)
	r = c.run(t, "--emulator-url", base, "-o", "json", "resume", "--poll-interval", "50ms")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome)
	}
	byUnit := causes(srv.AllTransitions())
	for _, u := range units {
		require.Equal(t, 1, byUnit[u.ID][fake.CauseRemove])
		require.Equal(t, 1, byUnit[u.ID][fake.CauseOffboard])
	}

	r = c.run(t, "--emulator-url", base, "--yes", "-o", "json", "offboard", other, "--poll-interval", "50ms")
	require.Equal(t, exitOK, r.code, r.stderr)
	r = c.run(t, "--emulator-url", base, "-o", "json", "status")
	require.Equal(t, exitOK, r.code, r.stderr)
	st := decodeResults(t, r.stdout)
	require.Len(t, st, 1, "status shows the new run")
	require.Equal(t, other, st[0].ID)
}

// A journal another process holds is refused with its name; resume and
// status without a journal, or with another endpoint, are usage errors.
func TestJournalErrors(t *testing.T) {
	srv := liveEmulator(t)
	c := cli{srv: srv}
	path := filepath.Join(t.TempDir(), "held.db")
	j, err := openJournal(path, true, "backuprestore offboard")
	require.NoError(t, err)
	r := c.run(t, "--emulator", "--yes", "--journal", path, "offboard", pick(srv, 1, removable)[0].ID)
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "journal "+path+" is in use by another backuprestore process (process "+fmt.Sprint(os.Getpid()))
	r = c.run(t, "--emulator", "--journal", path, "status")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "holds no run", "status reads beside the writer")
	require.NoError(t, j.close())
	require.Empty(t, writes(srv))

	r = c.run(t, "--emulator", "--journal", path, "status")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "holds no run")
	for _, cmd := range []string{"status", "resume"} {
		r = c.run(t, "--emulator", "--journal", filepath.Join(t.TempDir(), "none.db"), cmd)
		require.Equal(t, exitUsage, r.code, r.stderr)
		require.Contains(t, r.stderr, "no journal at ")
	}
	r = c.run(t, "--emulator", "--journal", writeFile(t, "x.db", "not a journal"), "status")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "is not a backuprestore journal")

	// A run against the embedded emulator is not resumed elsewhere.
	u := pick(srv, 1, removable)[0]
	jp := filepath.Join(t.TempDir(), "run.db")
	r = c.run(t, append([]string{"--emulator", "--yes", "--journal", jp, "offboard", u.ID}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	r = c.run(t, "--emulator-url", "http://127.0.0.1:9/v1.0", "--journal", jp, "resume")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "the run was started against the embedded emulator")
	r = c.run(t, "--journal", jp, "resume")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "pass --emulator to resume against a new one")
}

// cancel-offboard: the plan, the run (with --wait until each cancellation
// completed), units not offboarding skipped.
func TestCancelOffboard(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RealTimeClock: true, Start: time.Now().UTC(), CancelDelay: 100 * time.Millisecond})
	srv.Seed(embeddedUnits)
	c := cli{srv: srv}
	offb := pick(srv, 3, offboardingUnit)
	prot := pick(srv, 1, removable)[0]
	args := []string{"--emulator", "-o", "json", "cancel-offboard", "--dry-run", offb[0].ID, offb[1].ID, offb[2].ID, prot.ID}
	r := c.run(t, args...)
	require.Equal(t, exitOK, r.code, "a dry run's plan, the protected unit's skip included: %s", r.stderr)
	res := decodeResults(t, r.stdout)
	require.Equal(t, []string{"planned", "planned", "planned", "skipped"}, []string{res[0].Outcome, res[1].Outcome, res[2].Outcome, res[3].Outcome})
	require.Empty(t, writes(srv))

	c.inTTY, c.stdin = true, "y\n"
	r = c.run(t, append([]string{"--emulator", "-o", "json", "cancel-offboard", "--wait", offb[0].ID, offb[1].ID, offb[2].ID}, fast...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stderr, "Proceed with cancelling the offboarding of 3 units? [y/N] ")
	for i, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome, "%+v", x)
		require.Equal(t, offboarding.StageWaitCancelled.String(), x.Stage)
		got, _ := srv.Unit(offb[i].ID)
		require.Equal(t, models.StatusUnprotected, got.Status)
		require.Equal(t, 1, causes(srv.AllTransitions())[offb[i].ID][fake.CauseCancelOffboard])
	}
}

// Ctrl-C (the context ending) mid-run: the results so far are written,
// the unfinished units named and resume suggested (exit 1); resume then
// finishes the run.
func TestInterrupted(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RemovalDelay: time.Hour})
	srv.Seed(embeddedUnits)
	units := pick(srv, 3, removable)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(500*time.Millisecond, cancel)
	c := cli{srv: srv, ctx: ctx}
	r := c.run(t, "--emulator", "--yes", "-o", "json", "offboard", "--poll-interval", "50ms", units[0].ID, units[1].ID, units[2].ID)
	require.Equal(t, exitInterrupted, r.code, r.stderr)
	require.Contains(t, r.stderr, "interrupted (context canceled): 3 units not finished. Continue with:\n  backuprestore --emulator resume\n")
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "pending", x.Outcome)
	}
	srv.Advance(2 * time.Hour)
	c.ctx = nil
	r = c.run(t, "--emulator", "-o", "json", "resume", "--poll-interval", "50ms")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome)
		require.Equal(t, 1, causes(srv.AllTransitions())[x.ID][fake.CauseRemove])
	}
}
