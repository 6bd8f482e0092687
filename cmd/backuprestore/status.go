package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/onboarding"
)

// statusHelp is status's long help.
const statusHelp = `Show a run of the journal, from the journal alone (nothing is sent): each
unit's name, policy, stage and outcome, with the request-id of its last
write, when it was sent and by whom. Without RUN, the latest run; RUN is an
ID that "runs list" shows. "unknown" marks a unit in doubt: a write was sent
and its outcome not recorded (the process died); resume reads it back
first. The journal is opened read-only: status works while another process
runs in it.

--report FILE.html (or -o html, to stdout) writes the run as one
self-contained HTML page to attach to a change ticket: the run's summary
(who, when, from where, how many units in each outcome), the counts per
policy and per outcome, and every unit.

The exit code is the run's, as if it ended now.

` + exitCodesHelp

// statusCommand is "status [RUN]".
func (a *app) statusCommand() *cobra.Command {
	var report string
	cmd := &cobra.Command{
		Use:   "status [RUN]",
		Short: "Show a run of the journal: per unit done, pending, in doubt (no network); --report writes it as HTML",
		Long:  statusHelp,
		Example: `  backuprestore status
  backuprestore status 3 --report run-3.html
  backuprestore --emulator-url http://127.0.0.1:8080/v1.0 status --output csv`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			fj, err := a.openHistory(cmd, false)
			if err != nil {
				return err
			}
			run, err := a.loadRun(cmd.Context(), fj, id)
			if err != nil {
				return err
			}
			info := run.info()
			a.runEP = &run.ep
			a.noContinue = !run.latest || !run.sum.Abandoned.IsZero()
			if info.Action == offboarding.ActionOnboard {
				if a.g.output == "html" || report != "" {
					return usageErrorf("run %s is an onboarding run: the HTML report is of offboard and cancel-offboard runs (-o csv or json for its lines)", info.ID)
				}
				a.notef("Run %s: the %s (journal %s); %s.\n", info.ID, describeRun(info, run.ep), fj.f.path, describeState(run.sum))
				return a.onboardFinish(onboarding.StatusOf(info, run.entries), nil, targetLines(info), "status")
			}
			res := offboarding.StatusOf(info, run.entries)
			out := &runOutput{lastStatus: map[string]models.ProtectionUnitStatus{}}
			for _, e := range run.entries {
				if e.Status != "" {
					out.lastStatus[e.UnitID] = e.Status
				}
			}
			if a.g.output == "html" || report != "" {
				rep := newReport(run, res, out, fj.f.path)
				if a.g.output == "html" {
					if err := rep.write(a.out); err != nil {
						return err
					}
					a.code = a.resultCode(res)
					return nil
				}
				if err := rep.writeFile(report); err != nil {
					return err
				}
				a.notef("Report written to %s\n", report)
			}
			a.notef("Run %s: the %s (journal %s); %s.\n", info.ID, describeRun(info, run.ep), fj.f.path, describeState(run.sum))
			return a.finish(out, res, nil, "status")
		},
	}
	cmd.Flags().StringVar(&report, "report", "", "also write the run as a self-contained HTML `FILE` (summary, counts per policy and outcome, every unit)")
	_ = cmd.MarkFlagFilename("report", "html", "htm")
	return cmd
}

// describeState says where a run stands, with when: "finished 2026-12-01
// 10:00:00", "abandoned …", "unfinished".
func describeState(s offboarding.RunSummary) string {
	switch {
	case !s.Finished.IsZero():
		return "finished " + s.Finished.Local().Format(time.DateTime)
	case !s.Abandoned.IsZero():
		return "abandoned " + s.Abandoned.Local().Format(time.DateTime)
	}
	return "unfinished"
}

// maxArgs is cobra.MaximumNArgs as a usage error.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usageErrorf("%s takes at most %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
