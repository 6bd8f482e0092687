// Command offboard-lifecycle takes many protection units through the whole
// offboarding job with one run of the SDK (Client.Offboarding): it shows
// the plan first (a dry run: which units would be removed from which
// policy, which would wait, which are offboarded already, which are
// skipped and why), then, once confirmed, removes the units from their
// policies, waits until the service has removed them and offboards them,
// with a progress bar per stage, and prints what became of every unit.
//
//	go run ./examples/offboard-lifecycle                 # on the embedded emulator
//	go run ./examples/offboard-lifecycle -dry-run        # the plan only: nothing is written
//	go run ./examples/offboard-lifecycle -tenant <tenant-id> -client-id <app-id> -ids ids.txt
//
// -h prints every flag and the rules (examples/internal/cli). Exit status:
// 0 every unit done, already offboarding, or skipped with its reason; 1
// some failed or are still pending (or the run could not go on, or the
// confirmation was declined); 2 a usage error; 3 some outcomes are unknown
// (read those units before acting on them again).
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/cli"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], console{in: os.Stdin, terminal: isTerminal(os.Stdin)}, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitUnknown is the exit status when some outcomes are unknown: a write
// was sent and its answer lost. The other statuses are cli's.
const exitUnknown = 3

// console is the program's stdin and whether a person is at it.
type console struct {
	in io.Reader
	// terminal: stdin is a terminal, so the program may ask y/N.
	terminal bool
}

// isTerminal reports whether f is a character device (a terminal): the
// check needs no dependency beyond os.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// spec is the program's usage text.
var spec = cli.Spec{
	Name: "offboard-lifecycle",
	Summary: `Takes many protection units through the whole offboarding job with one
run (Client.Offboarding): reads the tenant's service status (a locked
tenant stops the run before anything is written) and every unit
($batch), removes the units from their policies (one PATCH per 50 units
of a policy), waits until the service has removed them (polling many
units per $batch) and offboards them ($batch).

It shows the plan first, from a dry run that writes nothing: per stage
and policy how many units would be removed, waited for or offboarded,
which are offboarding already, and which are skipped and why (a unit
protected by a dynamic rule, one whose offboarding was just cancelled…).
Then it asks y/N (or takes -yes), runs with a progress bar per stage on
stderr, and prints what became of every unit: per outcome and stage, with
the reasons, and every failure with its error.

On the embedded emulator it seeds -units realistic units in six policies
(two per workload), with a clock that runs in real time and removals that
complete in a second, so the run takes seconds; it runs without asking.
With -ids there, the IDs listed are seeded as protected site units of the
SharePoint policy first.

Against Microsoft Graph it reads unit IDs, one per line, from -ids (a
file, or - for stdin). It asks before writing when stdin is a terminal;
otherwise it needs -yes. Removal can take long there (the service
documents no duration): the run polls every 15 s, growing to 5 min. This
example keeps its run's journal in memory, so an interrupted run cannot
be resumed by a new process (cmd/backuprestore keeps a durable one).

The IDs file has one unit ID per line; blank lines and lines starting with
# are skipped, and so are repeated IDs.`,
	Examples: []string{
		"go run ./examples/offboard-lifecycle",
		"go run ./examples/offboard-lifecycle -units 1000 -dry-run",
		"go run ./examples/offboard-lifecycle -tenant contoso.onmicrosoft.com -client-id <app-id> -ids ids.txt",
		"go run ./examples/offboard-lifecycle -tenant contoso.onmicrosoft.com -client-id <app-id> -ids - -yes < ids.txt",
	},
}

// Emulator settings: a real-time clock and short delays, so a run's waits
// end in about a second.
const (
	emulatorRemovalDelay = time.Second
	emulatorPollInterval = 200 * time.Millisecond
	emulatorMaxPoll      = time.Second
	emulatorWaitTimeout  = 2 * time.Minute
)

// settings are the program's own flags, parsed.
type settings struct {
	units  int
	yes    bool
	dryRun bool
	quiet  bool
}

// run is the program: it parses args, does the job, and returns the exit
// status.
func run(ctx context.Context, args []string, con console, stdout, stderr io.Writer) int {
	p := cli.New(spec, stdout, stderr)
	fs := p.Flags()
	idsFile := fs.String("ids", "", "`file` of unit IDs, one per line, - for stdin (required on Microsoft Graph; on the emulator they are seeded as protected site units first)")
	units := cli.IntRange(fs, "units", 300, 20, 100_000, "`n` random units to seed the emulator with")
	yes := fs.Bool("yes", false, "run without asking (required on Microsoft Graph when stdin is not a terminal)")
	dryRun := fs.Bool("dry-run", false, "show the plan only: read, write nothing")
	quiet := fs.Bool("quiet", false, "no progress bars")
	p.EmulatorOnly("units")
	p.GraphRequires("ids", "the file of unit IDs to offboard (- for stdin)")
	t, err := p.Parse(args)
	if err != nil {
		return p.Exit(err)
	}
	s := settings{units: *units, yes: *yes, dryRun: *dryRun, quiet: *quiet}
	if t.Graph && !s.yes && !s.dryRun {
		// Refuse before anything is sent: a run that could not ask would
		// otherwise stop after its dry run.
		switch {
		case *idsFile == "-":
			return p.Exit(cli.Usagef("-ids - reads the IDs from stdin, so it cannot also answer y/N: pass -yes to run without asking (or -dry-run for the plan only)"))
		case !con.terminal:
			return p.Exit(cli.Usagef("stdin is not a terminal, so the program cannot ask before it writes to Microsoft Graph: pass -yes to run without asking (or -dry-run for the plan only)"))
		}
	}
	var ids cli.IDList
	if *idsFile != "" {
		if ids, err = cli.ReadIDs(*idsFile, con.in); err != nil {
			return p.Exit(err)
		}
	}
	res, err := offboardAll(ctx, con, stdout, stderr, t, s, ids)
	return exitStatus(p, stderr, res, err)
}

// errDeclined is the answer "no" to the y/N question.
var errDeclined = errors.New("declined: nothing was written")

// exitStatus reports the run's error, if any, and returns the status: 3
// when an outcome is unknown, 1 when a unit failed or is pending or the
// run could not go on, else 0.
func exitStatus(p *cli.Program, stderr io.Writer, res *offboarding.Results, err error) int {
	var ue *cli.UsageError
	if errors.As(err, &ue) || res == nil {
		return p.Exit(err)
	}
	n := res.Count()
	code := cli.ExitOK
	switch {
	case n[offboarding.OutcomeUnknown] > 0:
		fmt.Fprintf(stderr, "%s: %d units' outcomes are unknown (a write was sent and its answer lost): read them before acting on them again\n", spec.Name, n[offboarding.OutcomeUnknown])
		code = exitUnknown
	case n[offboarding.OutcomeFailed] > 0 || n[offboarding.OutcomePending] > 0:
		fmt.Fprintf(stderr, "%s: %d units failed and %d are still pending\n", spec.Name, n[offboarding.OutcomeFailed], n[offboarding.OutcomePending])
		code = cli.ExitFailure
	}
	if err != nil {
		if c := p.Exit(err); code == cli.ExitOK {
			code = c
		}
	}
	return code
}

// job is a client and the IDs it offboards, with how to wait.
type job struct {
	c    *backuprestore.Client
	ids  []string
	wait backuprestore.WaitOptions
}

// offboardAll is the job, on either target: the plan, the confirmation,
// the run, the summary. It returns the last results (the plan's, when it
// did not run) and the run's error.
func offboardAll(ctx context.Context, con console, stdout, stderr io.Writer, t cli.Target, s settings, ids cli.IDList) (*offboarding.Results, error) {
	var j job
	var err error
	if t.Graph {
		j.c, err = t.NewGraphClient(nil)
		j.ids = ids.IDs
		if err == nil {
			fmt.Fprintf(stdout, "backuprestore %s: offboarding %s, against %s\n", backuprestore.Version, ids.Describe(), t)
		}
	} else {
		j, err = emulatorJob(stdout, t, s, ids)
	}
	if err != nil {
		return nil, err
	}
	names := policyNames(ctx, stdout, j.c)

	// The plan: a dry run reads the gate and every unit, and writes nothing.
	fmt.Fprintf(stdout, "\nPlan (a dry run: the service status and every unit read, nothing written):\n\n")
	plan, err := offboarding.New(j.c, &offboarding.Options{DryRun: true, PollInterval: j.wait.PollInterval, MaxPollInterval: j.wait.MaxPollInterval, WaitTimeout: j.wait.Timeout}).Offboard(ctx, j.ids)
	showGate(stdout, plan)
	if plan != nil {
		showPlan(stdout, plan, names)
	}
	if err != nil {
		return plan, err
	}
	planned := plan.Count()[offboarding.OutcomePlanned]
	switch {
	case s.dryRun:
		fmt.Fprintf(stdout, "\n-dry-run: nothing was written; %d units would be changed.\n", planned)
		return plan, nil
	case planned == 0:
		fmt.Fprintf(stdout, "\nNothing to do: no unit needs a change.\n")
		return plan, nil
	}

	if err := confirm(con, stdout, stderr, t, s, planned); err != nil {
		return plan, err
	}

	bars := &stageBars{w: stderr}
	if s.quiet {
		bars.w = io.Discard
	}
	start := time.Now()
	res, err := offboarding.New(j.c, &offboarding.Options{PollInterval: j.wait.PollInterval, MaxPollInterval: j.wait.MaxPollInterval, WaitTimeout: j.wait.Timeout, OnProgress: bars.update}).Offboard(ctx, j.ids)
	bars.close()
	if res == nil {
		return nil, err
	}
	showGate(stdout, res)
	showResults(stdout, res, time.Since(start))
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted (%w); this example's journal is in memory, so the run cannot be resumed: run it again (units already offboarding are then Already): %w", context.Cause(ctx), err)
	}
	return res, err
}

// confirm asks y/N on a terminal, or takes -yes; on the emulator it goes
// on without asking, and says so.
func confirm(con console, stdout, stderr io.Writer, t cli.Target, s settings, planned int) error {
	switch {
	case !t.Graph:
		fmt.Fprintf(stdout, "\nOn the embedded emulator the run goes on without asking (nothing real changes); on Microsoft Graph it asks y/N, or takes -yes.\n\n")
		return nil
	case s.yes:
		fmt.Fprintf(stdout, "\n-yes: running without asking.\n\n")
		return nil
	}
	fmt.Fprintf(stderr, "\nRemove %d units from their policies and offboard them, on %s? Their backups are deleted when the grace period ends. [y/N] ", planned, t)
	line, err := bufio.NewReader(con.in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the answer: %w; nothing was written", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		fmt.Fprintln(stdout)
		return nil
	}
	return errDeclined
}

// newEmulator builds the embedded emulator; the tests replace it to
// inspect the emulator the program used.
var newEmulator = fake.NewServer

// emulatorJob seeds an emulator whose clock runs in real time with short
// removals and returns the client and the IDs to offboard: every seeded
// unit, or the IDs of -ids, seeded as protected site units first.
func emulatorJob(out io.Writer, t cli.Target, s settings, list cli.IDList) (job, error) {
	srv := newEmulator(&fake.Options{Seed: 7, RealTimeClock: true, RemovalDelay: emulatorRemovalDelay,
		// Protection and cancellation take long, as on the service, so
		// nothing else moves during the run.
		ProtectDelay: 24 * time.Hour, CancelDelay: 24 * time.Hour})
	seeded := srv.Seed(s.units)
	c, err := cli.NewEmulatorClient(srv, nil)
	if err != nil {
		return job{}, err
	}
	j := job{c: c, wait: backuprestore.WaitOptions{PollInterval: emulatorPollInterval, MaxPollInterval: emulatorMaxPoll, Timeout: emulatorWaitTimeout}}
	fmt.Fprintf(out, "backuprestore %s: offboarding against %s, seeded with %d realistic units in %d policies (two per workload).\n", backuprestore.Version, t, len(seeded), len(srv.Policies()))
	fmt.Fprintf(out, "The emulator's clock runs in real time and a removal completes %s after it is requested, so the run takes seconds\n(on Microsoft Graph it can take much longer: the service documents no duration).\n", emulatorRemovalDelay)
	if len(list.IDs) == 0 {
		for _, u := range seeded {
			j.ids = append(j.ids, u.ID)
		}
		fmt.Fprintf(out, "Offboarding all %d units.\n", len(j.ids))
		return j, nil
	}
	added, bad, err := seedProtected(srv, list.IDs)
	if err != nil {
		return job{}, err
	}
	j.ids = list.IDs
	fmt.Fprintf(out, "Seeded %d of the IDs from -ids as protected site units of the SharePoint policy (the others were drawn by the seeding too)", added)
	if bad > 0 {
		fmt.Fprintf(out, "; %d are not valid unit IDs: not seeded, and the SDK sends nothing for them", bad)
	}
	fmt.Fprintf(out, ". Offboarding the %s.\n", list.Describe())
	return j, nil
}

// seedProtected adds each valid ID the emulator does not hold as a site
// unit protected (manually) by the SharePoint policy. It returns how many
// it added and how many IDs are malformed.
func seedProtected(srv *fake.Server, ids []string) (added, bad int, err error) {
	var policy string
	for _, p := range srv.Policies() {
		if p.Kind == models.PolicyKindSharePoint && (policy == "" || p.IsEnabled) {
			policy = p.ID
		}
	}
	for i, id := range ids {
		if cli.CheckID(id) != nil {
			bad++
			continue
		}
		if _, ok := srv.Unit(id); ok {
			continue
		}
		if err := srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: id, PolicyID: policy, Status: models.StatusProtected,
			ProtectionSources: "manual", SiteName: "Seeded for -ids",
			SiteWebURL: fmt.Sprintf("https://contoso.sharepoint.com/sites/seeded%d", i+1)}); err != nil {
			return added, bad, err
		}
		added++
	}
	return added, bad, nil
}

// policyNames maps policy IDs to display names, for the tables. It is
// best effort: when the policies cannot be listed, it says so and the
// tables show IDs only.
func policyNames(ctx context.Context, out io.Writer, c *backuprestore.Client) map[string]string {
	names := map[string]string{}
	for p, err := range c.ProtectionPolicies().All(ctx, nil) {
		if err != nil {
			fmt.Fprintf(out, "(policy names not shown: listing the policies failed: %s)\n", cli.FirstLine(cli.Explain(err)))
			return names
		}
		names[p.ID] = p.DisplayName
	}
	return names
}

// showGate prints the tenant's service status as the run read it.
func showGate(out io.Writer, res *offboarding.Results) {
	switch {
	case res == nil:
	case res.Service != nil:
		fmt.Fprintf(out, "Service status: %s\n", res.Service.Status)
	case res.ServiceErr != nil:
		fmt.Fprintf(out, "Service status: not read (%s); the run went on, and a locked tenant refuses the removals\n", cli.FirstLine(cli.Explain(res.ServiceErr)))
	}
}

// examplesShown is how many IDs a table row lists under it.
const examplesShown = 3

// showPlan prints the plan: one row per stage, kind, policy, outcome and
// reason, then a few IDs of every row not planned to change.
func showPlan(out io.Writer, res *offboarding.Results, names map[string]string) {
	groups := res.Plan()
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tKIND\tPOLICY\tOUTCOME\tUNITS\tREASON")
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", g.Stage, kindLabel(g.Kind), policyLabel(g.PolicyID, names), g.Outcome, len(g.Units), reasonOf(g.Explain(), g.Outcome))
	}
	_ = tw.Flush()
	// The units left as they are, by outcome and reason, across kinds
	// and policies.
	type why struct {
		outcome offboarding.Outcome
		reason  string
	}
	byWhy := map[why][]string{}
	var whys []why
	for _, g := range groups {
		if g.Outcome != offboarding.OutcomeSkipped && g.Outcome != offboarding.OutcomeFailed {
			continue
		}
		k := why{g.Outcome, reasonOf(g.Explain(), g.Outcome)}
		if _, ok := byWhy[k]; !ok {
			whys = append(whys, k)
		}
		byWhy[k] = append(byWhy[k], g.Units...)
	}
	if len(whys) > 0 {
		fmt.Fprintln(out, "\nLeft as they are:")
		for _, k := range whys {
			fmt.Fprintf(out, "  %d %s, %s: %s\n", len(byWhy[k]), k.outcome, k.reason, someIDs(byWhy[k]))
		}
	}
	fmt.Fprintf(out, "\n%s\n", countLine(res.Count()))
}

// showResults prints what became of every unit: one row per outcome,
// stage and reason, then every failure with its error.
func showResults(out io.Writer, res *offboarding.Results, took time.Duration) {
	type key struct {
		outcome offboarding.Outcome
		stage   offboarding.Stage
		reason  string
	}
	rows := map[key]int{}
	var keys []key
	for _, u := range res.Units {
		k := key{u.Outcome, u.Stage, u.Explain()}
		if _, ok := rows[k]; !ok {
			keys = append(keys, k)
		}
		rows[k]++
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		switch {
		case a.outcome != b.outcome:
			return outcomeRank(a.outcome) - outcomeRank(b.outcome)
		case a.stage != b.stage:
			return int(a.stage) - int(b.stage)
		}
		return strings.Compare(a.reason, b.reason)
	})
	fmt.Fprintf(out, "\nResults: %d units in %s\n\n", len(res.Units), took.Round(time.Millisecond))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTCOME\tSTAGE\tUNITS\tREASON")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", k.outcome, k.stage, rows[k], reasonOf(k.reason, k.outcome))
	}
	_ = tw.Flush()
	var problems []offboarding.Result
	for _, u := range res.Units {
		if u.Outcome == offboarding.OutcomeFailed || u.Outcome == offboarding.OutcomeUnknown || u.Outcome == offboarding.OutcomePending {
			problems = append(problems, u)
		}
	}
	if len(problems) > 0 {
		fmt.Fprintln(out, "\nFailures, unknown outcomes and pending units:")
		const shown = 20
		for i, u := range problems {
			if i == shown {
				fmt.Fprintf(out, "  … and %d more\n", len(problems)-shown)
				break
			}
			msg := "(no error)"
			if u.Err != nil {
				msg = cli.FirstLine(cli.Explain(u.Err))
			}
			fmt.Fprintf(out, "  %s %s at %s: %s\n", cli.Printable(u.ID), u.Outcome, u.Stage, msg)
		}
	}
	fmt.Fprintf(out, "\n%s\n", countLine(res.Count()))
}

// outcomeRank orders outcomes for the results table: the good news first,
// the ones to act on last.
func outcomeRank(o offboarding.Outcome) int {
	order := []offboarding.Outcome{offboarding.OutcomeDone, offboarding.OutcomeAlready, offboarding.OutcomePlanned,
		offboarding.OutcomeSkipped, offboarding.OutcomePending, offboarding.OutcomeFailed, offboarding.OutcomeUnknown}
	if i := slices.Index(order, o); i >= 0 {
		return i
	}
	return len(order)
}

// countLine is "done 3, already 1, …" in the results table's order,
// every outcome but planned always shown.
func countLine(n map[offboarding.Outcome]int) string {
	var parts []string
	for _, o := range []offboarding.Outcome{offboarding.OutcomePlanned, offboarding.OutcomeDone, offboarding.OutcomeAlready,
		offboarding.OutcomeSkipped, offboarding.OutcomeFailed, offboarding.OutcomeUnknown, offboarding.OutcomePending} {
		if o == offboarding.OutcomePlanned && n[o] == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d", o, n[o]))
	}
	return strings.Join(parts, ", ")
}

// reasonOf is the reason, or a dash when the outcome has none.
func reasonOf(reason string, o offboarding.Outcome) string {
	switch {
	case reason != "":
		return reason
	case o == offboarding.OutcomeFailed || o == offboarding.OutcomeUnknown:
		return "see the error below"
	}
	return "—"
}

// kindLabel names a kind for a table, a dash when it is not known (the
// unit was not read, or its kind cannot be told).
func kindLabel(k models.UnitKind) string {
	if k == models.KindUnknown {
		return "—"
	}
	return k.String()
}

// policyLabel names a policy for a table: its display name (with its ID
// when another policy has the same name), its ID when it has no name, a
// dash for none.
func policyLabel(id string, names map[string]string) string {
	name := names[id]
	switch {
	case id == "":
		return "— (none)"
	case name == "":
		return cli.Printable(id)
	}
	for other, n := range names {
		if n == name && other != id {
			return fmt.Sprintf("%s (%s)", name, cli.Printable(id))
		}
	}
	return name
}

// someIDs lists the first few IDs and how many more there are.
func someIDs(ids []string) string {
	shown := make([]string, 0, examplesShown)
	for _, id := range ids[:min(len(ids), examplesShown)] {
		shown = append(shown, cli.Printable(id))
	}
	s := strings.Join(shown, ", ")
	if more := len(ids) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// stageBars draws one progress bar per stage of a run, from its
// RunProgress reports: each bar counts the units its stage started with
// that have left it (on to the next stage, or finished), and is closed where it stopped when
// the run moves on to another stage.
type stageBars struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	stage offboarding.Stage
	done  int // what the bar shows
	n     int // bars drawn so far
}

// update is RunOptions.OnProgress: it starts a bar when the stage changes
// and moves the current one.
func (s *stageBars) update(p offboarding.Progress) {
	if s.bar == nil || p.Stage != s.stage {
		s.close()
		s.n++
		s.stage = p.Stage
		s.bar = progressbar.NewOptions(max(p.StageTotal, 1),
			progressbar.OptionSetWriter(s.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%d. %-11s", s.n, p.Stage)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			// Every change is drawn, so a bar always shows where its
			// stage left it.
			progressbar.OptionThrottle(0),
			progressbar.OptionSetPredictTime(false),
		)
		s.done = p.StageDone
		_ = s.bar.Set(p.StageDone)
		_ = s.bar.RenderBlank()
	}
	if p.StageDone != s.done {
		s.done = p.StageDone
		_ = s.bar.Set(p.StageDone)
	}
}

// close ends the current bar, leaving it on screen as it is.
func (s *stageBars) close() {
	if s.bar == nil {
		return
	}
	_ = s.bar.Exit()
	fmt.Fprintln(s.w)
	s.bar = nil
}
