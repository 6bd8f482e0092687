package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore/offboarding"
)

// runRow is a run of the journal as runs list shows it: its summary, its
// endpoint and its counts per outcome (from its end, or, for a run that
// did not finish, from its entries).
type runRow struct {
	s      offboarding.RunSummary
	ep     endpoint
	counts map[offboarding.Outcome]int
}

// runJSON is a run in json and jsonl output.
type runJSON struct {
	ID          string         `json:"id"`
	Action      string         `json:"action"`
	State       string         `json:"state"`
	Started     *time.Time     `json:"started,omitempty"`
	Finished    *time.Time     `json:"finished,omitempty"`
	Abandoned   *time.Time     `json:"abandoned,omitempty"`
	Units       int            `json:"units"`
	Counts      map[string]int `json:"counts"`
	Operator    string         `json:"operator,omitempty"`
	Host        string         `json:"host,omitempty"`
	CommandLine string         `json:"commandLine,omitempty"`
	Source      string         `json:"source,omitempty"`
	Endpoint    string         `json:"endpoint"`
}

// toRunJSON converts a row.
func toRunJSON(r runRow) runJSON {
	out := runJSON{ID: r.s.Info.ID, Action: actionName(r.s.Info.Action), State: runState(r.s), Started: timeJSON(r.s.Info.Started),
		Finished: timeJSON(r.s.Finished), Abandoned: timeJSON(r.s.Abandoned), Units: len(r.s.Info.IDs), Counts: map[string]int{},
		Operator: r.s.Info.Operator, Host: r.s.Info.Host, CommandLine: r.s.Info.CommandLine, Source: r.s.Info.Source,
		Endpoint: r.ep.String()}
	for o, n := range r.counts {
		out.Counts[o.String()] = n
	}
	return out
}

// countsText is a run's counts in words: "3 done, 1 skipped".
func countsText(counts map[offboarding.Outcome]int) string {
	var parts []string
	for _, o := range []offboarding.Outcome{offboarding.OutcomeDone, offboarding.OutcomeAlready, offboarding.OutcomeSkipped,
		offboarding.OutcomeFailed, offboarding.OutcomeUnknown, offboarding.OutcomePending} {
		if n := counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	return strings.Join(parts, ", ")
}

// runFormat writes runs.
var runFormat = format[runRow]{
	table: []column[runRow]{
		{"run", func(r runRow) string { return r.s.Info.ID }},
		{"action", func(r runRow) string { return actionName(r.s.Info.Action) }},
		{"state", func(r runRow) string { return runState(r.s) }},
		{"started", func(r runRow) string { return r.s.Info.Started.Local().Format(time.DateTime) }},
		{"units", func(r runRow) string { return strconv.Itoa(len(r.s.Info.IDs)) }},
		{"outcomes", func(r runRow) string { return countsText(r.counts) }},
		{"operator", func(r runRow) string { return r.s.Info.Operator }},
		{"targets", func(r runRow) string { return r.s.Info.Source }},
	},
	layout: tableLayout{flex: []string{"outcomes", "operator", "targets"}, drop: []string{"targets", "operator"}, min: map[string]int{"outcomes": 16}},
	csv: []column[runRow]{
		{"id", func(r runRow) string { return r.s.Info.ID }},
		{"action", func(r runRow) string { return actionName(r.s.Info.Action) }},
		{"state", func(r runRow) string { return runState(r.s) }},
		{"started", func(r runRow) string { return timeText(r.s.Info.Started) }},
		{"finished", func(r runRow) string { return timeText(r.s.Finished) }},
		{"abandoned", func(r runRow) string { return timeText(r.s.Abandoned) }},
		{"units", func(r runRow) string { return strconv.Itoa(len(r.s.Info.IDs)) }},
		{"done", func(r runRow) string { return strconv.Itoa(r.counts[offboarding.OutcomeDone]) }},
		{"already", func(r runRow) string { return strconv.Itoa(r.counts[offboarding.OutcomeAlready]) }},
		{"skipped", func(r runRow) string { return strconv.Itoa(r.counts[offboarding.OutcomeSkipped]) }},
		{"failed", func(r runRow) string { return strconv.Itoa(r.counts[offboarding.OutcomeFailed]) }},
		{"unknown", func(r runRow) string { return strconv.Itoa(r.counts[offboarding.OutcomeUnknown]) }},
		{"pending", func(r runRow) string { return strconv.Itoa(r.counts[offboarding.OutcomePending]) }},
		{"operator", func(r runRow) string { return r.s.Info.Operator }},
		{"host", func(r runRow) string { return r.s.Info.Host }},
		{"commandLine", func(r runRow) string { return r.s.Info.CommandLine }},
		{"source", func(r runRow) string { return r.s.Info.Source }},
		{"endpoint", func(r runRow) string { return r.ep.String() }},
	},
	json: func(r runRow) any { return toRunJSON(r) },
}

// runsCommand is "runs list|abandon".
func (a *app) runsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "The journal's runs: list every one (runs list), give up an unfinished one (runs abandon)",
		Long: `A journal keeps every run started in it: what it did and to how many units,
when it started and ended, who started it (the signed-in operator), on which
host, with which command line, where its targets came from, against which
service, and how many units ended in each outcome. A run that writes nothing
(a dry run, a run declined at the prompt or refused without --yes, a run
with nothing to do) adds nothing and changes no earlier run.

"status RUN" shows one run's units; "runs abandon RUN" gives up the latest
run when it is unfinished, so that a new run may start in the journal.`,
		Args: noArgs,
	}
	cmd.AddCommand(a.runsListCommand(), a.runsAbandonCommand())
	return cmd
}

// runsListCommand is "runs list".
func (a *app) runsListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the journal's runs, oldest first (no network; read-only beside a running run)",
		Example: `  backuprestore runs list
  backuprestore --emulator-url http://127.0.0.1:8080/v1.0 runs list -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			fj, err := a.openHistory(cmd, false)
			if err != nil {
				return err
			}
			runs, err := fj.Runs(ctx)
			if err != nil {
				return err
			}
			lw := newListWriter(a.out, a.stdoutStyle(), runFormat)
			for _, s := range runs {
				row := runRow{s: s, ep: runEndpoint(s.Info), counts: s.Counts}
				if s.Finished.IsZero() {
					// No end recorded (unfinished, abandoned): the counts
					// as the run stands.
					info, entries, err := fj.LoadRun(ctx, s.Info.ID)
					if err != nil {
						return err
					}
					row.counts = runCounts(info, entries)
				}
				if err := lw.add(row); err != nil {
					return err
				}
			}
			if err := lw.close(); err != nil {
				return err
			}
			if len(runs) == 0 {
				a.notef("The journal %s holds no run.\n", fj.f.path)
			}
			return nil
		},
	}
}

// runsAbandonCommand is "runs abandon RUN".
func (a *app) runsAbandonCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "abandon RUN",
		Short: "Give up the latest run, unfinished, so that a new run may start (it is kept in the history)",
		Long: `Give up the journal's latest run when it is unfinished: it stays in the
history (runs list, status RUN), it can no longer be resumed, and a new run
may start in the journal. Units it left in doubt stay in doubt: read them
with "units get" before acting on them again. It asks first (--yes for
scripts), as every command that changes something does.

` + exitCodesHelp,
		Example: "  backuprestore runs abandon 3",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fj, err := a.openHistory(cmd, true)
			if err != nil {
				return err
			}
			runs, err := fj.Runs(ctx)
			if err != nil {
				return err
			}
			i := findRun(runs, args[0])
			switch {
			case i < 0:
				return usageErrorf("journal %s holds no run %q (its runs: %s)", fj.f.path, args[0], runIDs(runs))
			case !runs[i].Abandoned.IsZero():
				a.notef("Run %s was abandoned already (%s): nothing to do.\n", runs[i].Info.ID, describeState(runs[i]))
				return nil
			case !runs[i].Finished.IsZero():
				return usageErrorf("run %s is finished (%s): there is nothing to abandon", runs[i].Info.ID, describeState(runs[i]))
			case i != len(runs)-1:
				return usageErrorf("run %s is not the journal's latest (%s is): only the latest run can be abandoned", runs[i].Info.ID, runs[len(runs)-1].Info.ID)
			}
			return a.abandon(ctx, fj, runs[i])
		},
	}
}

// abandon shows what abandoning the run gives up, asks, and abandons it.
func (a *app) abandon(ctx context.Context, fj *fileJournal, s offboarding.RunSummary) error {
	info, entries, err := fj.LoadRun(ctx, s.Info.ID)
	if err != nil {
		return err
	}
	ep := runEndpoint(info)
	counts := runCounts(info, entries)
	open := runOpen(info, entries)
	what := "unit"
	if info.Action == offboarding.ActionOnboard {
		what = "target"
	}
	fmt.Fprintln(a.err, safeMessage(fmt.Sprintf("Run %s: the %s (journal %s): %s.", info.ID, describeRun(info, ep), fj.f.path, countsText(counts))))
	if n := counts[offboarding.OutcomeUnknown]; n > 0 {
		fmt.Fprintf(a.err, "%d %s in doubt stay in doubt: read them (units get) before acting on them again.\n", n, plural(n, what))
	}
	ok, err := a.confirm(ctx, fmt.Sprintf("Abandon run %s? It can no longer be resumed; %d %s not finished.", info.ID, open, plural(open, what)), "")
	if err != nil {
		return err
	}
	if !ok {
		a.code = exitDeclined
		fmt.Fprintln(a.err, "Not confirmed: the run is left as it was.")
		return nil
	}
	if err := fj.f.j.Abandon(ctx); err != nil {
		return err
	}
	a.notef("Run %s abandoned: a new run may start in %s.\n", info.ID, fj.f.path)
	return nil
}
