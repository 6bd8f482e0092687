package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/cli"
	"github.com/m365kit/backuprestore/examples/internal/clitest"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// TestMain keeps these tests off Microsoft Graph (see clitest.Main).
func TestMain(m *testing.M) { clitest.Main(m) }

const (
	tenant   = clitest.Tenant
	clientID = clitest.ClientID
)

// result is what one run of the program did, and the emulator it used
// (nil when it built none).
type result struct {
	clitest.Result
	srv *fake.Server
}

// runProgram runs the program with stdin (not a terminal) and, before the
// emulator is seeded, prepare applied to it (nil: nothing).
func runProgram(t *testing.T, stdin string, prepare func(*fake.Server), args ...string) result {
	t.Helper()
	var srv *fake.Server
	newEmulator = func(o *fake.Options) *fake.Server {
		srv = fake.NewServer(o)
		if prepare != nil {
			prepare(srv)
		}
		return srv
	}
	t.Cleanup(func() { newEmulator = fake.NewServer })
	r := clitest.Run(func(stdout, stderr io.Writer) int {
		return run(t.Context(), args, console{in: strings.NewReader(stdin)}, stdout, stderr)
	})
	return result{r, srv}
}

// writes lists the requests of srv's log that change something.
func writes(srv *fake.Server) []string {
	var out []string
	for _, rq := range srv.Requests() {
		switch rq.Route {
		case fake.RoutePolicyPatch, fake.RouteOffboard, fake.RouteCancelOffboard:
			out = append(out, rq.Method+" "+rq.Path)
		}
	}
	return out
}

// routes counts srv's requests by route.
func routes(srv *fake.Server) map[fake.Route]int {
	out := map[fake.Route]int{}
	for _, rq := range srv.Requests() {
		out[rq.Route]++
	}
	return out
}

// The program run on the embedded emulator, table-driven: the default
// run, the plan only, -ids, a locked tenant. Each case checks the output
// and, from the emulator's own log and transitions, what was written.
func TestEmulatorRuns(t *testing.T) {
	cases := []struct {
		name    string
		args    func(t *testing.T) []string
		prepare func(*fake.Server)
		code    int
		check   func(t *testing.T, r result)
	}{
		{
			name: "default run",
			code: 0,
			check: func(t *testing.T, r result) {
				for _, want := range []string{
					"against the embedded emulator, seeded with 300 realistic units in 6 policies (two per workload).\n",
					"The emulator's clock runs in real time and a removal completes 1s after it is requested, so the run takes seconds\n",
					"Plan (a dry run: the service status and every unit read, nothing written):",
					"Service status: enabled\n",
					"On the embedded emulator the run goes on without asking",
					"Results: 300 units in ",
				} {
					require.Contains(t, r.Stdout, want)
				}
				plan, results, _ := strings.Cut(r.Stdout, "Results:")
				// The plan: per stage and policy, every stage of the job,
				// the skipped units with their reason and examples.
				require.Regexp(t, `(?m)^STAGE +KIND +POLICY +OUTCOME +UNITS +REASON$`, plan)
				require.Regexp(t, `(?m)^remove +site +SharePoint Policy - [^\n]+ planned +\d+ +would be removed from its policy, then offboarded$`, plan)
				require.Regexp(t, `(?m)^waitRemoved +\w+ +\S[^\n]+ planned +\d+ +removal requested; would wait for it, then offboard$`, plan)
				require.Regexp(t, `(?m)^offboard +\w+ +— \(none\) +planned +\d+ +removed from its policy; would be offboarded$`, plan)
				require.Regexp(t, `(?m)^offboard +\w+ +— \(none\) +already +\d+ +already offboarding or offboarded \(offboardRequested\)$`, plan)
				require.Regexp(t, `(?m)^  \d+ skipped, protected by a dynamic inclusion rule: [^:]+: [0-9a-f-]{36}, `, plan)
				m := regexp.MustCompile(`(?m)^planned (\d+), done 0, already (\d+), skipped (\d+), failed 0, unknown 0, pending 0$`).FindStringSubmatch(plan)
				require.NotNil(t, m, plan)
				// The results: every planned unit offboarded, the others
				// as planned, per outcome and stage.
				require.Regexp(t, `(?m)^OUTCOME +STAGE +UNITS +REASON$`, results)
				require.Regexp(t, `(?m)^done +offboard +`+m[1]+` +—$`, results)
				require.Contains(t, results, fmt.Sprintf("\ndone %s, already %s, skipped %s, failed 0, unknown 0, pending 0\n", m[1], m[2], m[3]))
				require.NotContains(t, results, "Failures")
				// One bar per stage on stderr, the last one full.
				for _, bar := range []string{"1. read ", "2. remove ", "3. offboard ", "4. waitRemoved ", "5. offboard "} {
					require.Contains(t, r.Stderr, bar)
				}
				require.Contains(t, r.Stderr, "100% |")
				require.NotContains(t, r.Stdout, "units finished")
				// The emulator agrees: every Done unit offboarded once.
				offboards := 0
				for _, tr := range r.srv.AllTransitions() {
					if tr.Cause == fake.CauseOffboard {
						offboards++
					}
				}
				require.Equal(t, m[1], fmt.Sprint(offboards))
				require.NotEmpty(t, writes(r.srv))
			},
		},
		{
			name: "dry run writes nothing",
			args: func(*testing.T) []string { return []string{"-dry-run"} },
			code: 0,
			check: func(t *testing.T, r result) {
				require.Contains(t, r.Stdout, "Plan (a dry run")
				require.Regexp(t, `\n-dry-run: nothing was written; \d+ units would be changed\.\n$`, r.Stdout)
				require.NotContains(t, r.Stdout, "Results:")
				require.Empty(t, r.Stderr, "no bars, no errors")
				require.Empty(t, writes(r.srv), "a dry run sent a write")
				n := routes(r.srv)
				require.Positive(t, n[fake.RouteServiceStatus], "the gate was read")
				require.Positive(t, n[fake.RouteBatch], "the units were read")
				for _, tr := range r.srv.AllTransitions() {
					require.Contains(t, []fake.Cause{fake.CauseTimer, fake.CauseRemoved, fake.CauseProtected}, tr.Cause,
						"only the emulator's own timers changed units")
				}
			},
		},
		{
			name: "ids seeded as protected",
			args: func(t *testing.T) []string {
				return []string{"-ids", clitest.IDsFile(t, "# two new units", "unit-a", "", "unit-b", "unit-a")}
			},
			code: 0,
			check: func(t *testing.T, r result) {
				require.Contains(t, r.Stdout, "Seeded 2 of the IDs from -ids as protected site units of the SharePoint policy")
				require.Contains(t, r.Stdout, "Offboarding the 2 units from -ids (1 duplicate line skipped).\n")
				require.Regexp(t, `(?m)^remove +site +SharePoint Policy - [^\n]+ planned +2 +would be removed`, r.Stdout)
				require.Contains(t, r.Stdout, "\ndone 2, already 0, skipped 0, failed 0, unknown 0, pending 0\n")
				for _, id := range []string{"unit-a", "unit-b"} {
					u, ok := r.srv.Unit(id)
					require.True(t, ok)
					require.Equal(t, models.StatusOffboardRequested, u.Status)
					require.Empty(t, u.PolicyID)
				}
			},
		},
		{
			name: "a malformed ID fails, not sent",
			args: func(t *testing.T) []string { return []string{"-ids", clitest.IDsFile(t, "unit-a", "..")} },
			code: cli.ExitFailure,
			check: func(t *testing.T, r result) {
				require.Contains(t, r.Stdout, "; 1 are not valid unit IDs: not seeded, and the SDK sends nothing for them")
				require.Contains(t, r.Stdout, "\ndone 1, already 0, skipped 0, failed 1, unknown 0, pending 0\n")
				require.Regexp(t, `(?m)^  \.\. failed at read: not sent \(nothing reached the service`, r.Stdout)
				require.Contains(t, r.Stderr, "offboard-lifecycle: 1 units failed and 0 are still pending\n")
			},
		},
		{
			name:    "locked tenant",
			prepare: func(srv *fake.Server) { require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked)) },
			code:    cli.ExitFailure,
			check: func(t *testing.T, r result) {
				require.Contains(t, r.Stdout, "Service status: protectionChangeLocked\n")
				require.Regexp(t, `(?m)^read +— +— \(none\) +skipped +300 +the tenant.s backup service does not allow protection changes \(protectionChangeLocked\)$`, r.Stdout)
				require.NotContains(t, r.Stdout, "Results:")
				require.Contains(t, r.Stderr, "offboard-lifecycle: ")
				require.Contains(t, r.Stderr, "does not allow units to be removed from policies")
				require.Empty(t, writes(r.srv))
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			if tc.args != nil {
				args = tc.args(t)
			}
			r := runProgram(t, "", tc.prepare, args...)
			require.Equal(t, tc.code, r.Code, "stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
			require.NotNil(t, r.srv)
			tc.check(t, r)
		})
	}
}

// -h prints the usage on stdout and exits 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		r := runProgram(t, "", nil, arg)
		require.Equal(t, 0, r.Code)
		require.Empty(t, r.Stderr)
		require.Nil(t, r.srv, "no emulator built")
		for _, want := range []string{
			"Usage: offboard-lifecycle [flags]", "It shows the plan first, from a dry run that writes nothing", "Where it runs:",
			"$AZURE_TENANT_ID", "-emulator", "-tenant", "-client-id", "-signin", "-ids file", "-units n", "20 to 100000 (default 300)",
			"-yes", "-dry-run", "-quiet", "go run ./examples/offboard-lifecycle -tenant contoso.onmicrosoft.com -client-id <app-id> -ids ids.txt",
			"Exit status:",
		} {
			require.Contains(t, r.Stdout, want)
		}
	}
}

// Every bad command line is a usage error: exit 2, a message naming the
// flag, then the usage, on stderr; nothing on stdout, nothing sent (no
// emulator built, no Graph client).
func TestUsageErrors(t *testing.T) {
	ids := clitest.IDsFile(t, "unit-a")
	empty := clitest.IDsFile(t, "", "# nothing")
	graph := []string{"-tenant", tenant, "-client-id", clientID}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"units too few", []string{"-units", "19"}, `invalid value "19" for flag -units: want a whole number from 20 to 100000`},
		{"units too many", []string{"-units", "100001"}, "want a whole number from 20 to 100000"},
		{"unknown flag", []string{"-force"}, "flag provided but not defined: -force"},
		{"yes with a value", []string{"-yes=maybe"}, "-yes"},
		{"dry-run with a value", []string{"-dry-run=perhaps"}, "-dry-run"},
		{"argument", []string{"ids.txt"}, `unexpected argument "ids.txt"`},
		{"ids missing file", []string{"-ids", filepath.Join(t.TempDir(), "none.txt")}, "no such file"},
		{"ids without ID", []string{"-ids", empty}, "holds no unit ID"},
		{"ids stdin empty", []string{"-ids", "-"}, "-ids - holds no unit ID"},
		{"tenant without client ID", []string{"-tenant", tenant}, "a tenant without a client ID"},
		{"signin without tenant", []string{"-signin", "browser"}, "-signin chooses how to sign in"},
		{"graph without ids", append(clone(graph), "-yes"), "-ids is required against Microsoft Graph"},
		{"graph with units", append(clone(graph), "-ids", ids, "-yes", "-units", "50"), "-units applies to the embedded emulator only"},
		{"graph, not a terminal, no -yes", append(clone(graph), "-ids", ids), "stdin is not a terminal, so the program cannot ask"},
		{"graph, ids from stdin, no -yes", append(clone(graph), "-ids", "-"), "-ids - reads the IDs from stdin, so it cannot also answer y/N"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runProgram(t, "", nil, tc.args...)
			clitest.RequireUsageError(t, "offboard-lifecycle", r.Result, tc.want)
			require.Nil(t, r.srv, "nothing built, nothing sent")
		})
	}
}

// clone copies s, so each case appends to its own.
func clone(s []string) []string { return append([]string(nil), s...) }

// The question on Microsoft Graph: only y or yes (any case) goes on;
// anything else, or no answer, is declined and nothing is written.
func TestConfirm(t *testing.T) {
	graph := cli.Target{Graph: true, Tenant: tenant, ClientID: clientID, TenantFrom: "-tenant", ClientIDFrom: "-client-id", SignIn: cli.DeviceCode}
	cases := []struct {
		answer string
		want   error
	}{
		{"y\n", nil}, {"YES\n", nil}, {" yes ", nil},
		{"n\n", errDeclined}, {"\n", errDeclined}, {"", errDeclined}, {"yep\n", errDeclined},
	}
	for _, tc := range cases {
		var stdout, stderr bytes.Buffer
		err := confirm(console{in: strings.NewReader(tc.answer), terminal: true}, &stdout, &stderr, graph, settings{}, 42)
		require.ErrorIs(t, err, tc.want, "%q", tc.answer)
		if tc.want == nil {
			require.NoError(t, err, "%q", tc.answer)
		}
		require.Contains(t, stderr.String(), "Remove 42 units from their policies and offboard them, on Microsoft Graph (tenant "+tenant)
		require.Contains(t, stderr.String(), "[y/N] ")
	}
	// -yes and the emulator do not ask.
	for _, tc := range []struct {
		t    cli.Target
		s    settings
		want string
	}{
		{graph, settings{yes: true}, "-yes: running without asking."},
		{cli.Target{}, settings{}, "On the embedded emulator the run goes on without asking"},
	} {
		var stdout, stderr bytes.Buffer
		require.NoError(t, confirm(console{in: strings.NewReader("n\n")}, &stdout, &stderr, tc.t, tc.s, 1))
		require.Contains(t, stdout.String(), tc.want)
		require.Empty(t, stderr.String())
	}
	// A failing stdin is an error, not a yes.
	err := confirm(console{in: io.MultiReader(strings.NewReader("y"), errReader{})}, io.Discard, io.Discard, graph, settings{}, 1)
	require.ErrorContains(t, err, "reading the answer")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("stdin closed badly") }

// The exit status, from the results: an unknown outcome wins (3), then a
// failed or pending unit (1); done, already and skipped are 0; a run that
// could not go on is 1; a declined run 1.
func TestExitStatus(t *testing.T) {
	results := func(os ...offboarding.Outcome) *offboarding.Results {
		r := &offboarding.Results{}
		for i, o := range os {
			r.Units = append(r.Units, offboarding.Result{ID: fmt.Sprint("u", i), Outcome: o})
		}
		return r
	}
	cases := []struct {
		name   string
		res    *offboarding.Results
		err    error
		code   int
		stderr string
	}{
		{"all fine", results(offboarding.OutcomeDone, offboarding.OutcomeAlready, offboarding.OutcomeSkipped), nil, 0, ""},
		{"planned", results(offboarding.OutcomePlanned), nil, 0, ""},
		{"failed", results(offboarding.OutcomeDone, offboarding.OutcomeFailed), nil, 1, "1 units failed and 0 are still pending"},
		{"pending", results(offboarding.OutcomePending), nil, 1, "0 units failed and 1 are still pending"},
		{"unknown wins", results(offboarding.OutcomeFailed, offboarding.OutcomeUnknown), nil, exitUnknown, "1 units' outcomes are unknown"},
		{"run stopped", results(offboarding.OutcomeSkipped), backuprestore.ErrServiceLocked, 1, "the tenant's backup service"},
		{"declined", results(offboarding.OutcomePlanned), errDeclined, 1, "declined: nothing was written"},
		{"unknown and stopped", results(offboarding.OutcomeUnknown), errors.New("journal full"), exitUnknown, "journal full"},
		{"no results", nil, errors.New("no client"), 1, "no client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			p := cli.New(spec, &stdout, &stderr)
			require.Equal(t, tc.code, exitStatus(p, &stderr, tc.res, tc.err))
			if tc.stderr == "" {
				require.Empty(t, stderr.String())
			} else {
				require.Contains(t, stderr.String(), tc.stderr)
			}
		})
	}
}
