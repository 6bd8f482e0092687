package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// The SDK's names of the two runs (RunInfo.Action).
const (
	actionOffboard = "offboard"
	actionCancel   = "cancelOffboard"
)

// runFlags are the flags of offboard and cancel-offboard (and, for the
// waits, resume).
type runFlags struct {
	targetFlags
	dryRun        bool
	waitCancelled bool
	// viaRules: offboard units protected by a dynamic rule through the
	// rule's deleteAndUnprotect (offboarding.Options.ViaRules).
	viaRules bool
	waitFlags
}

// waitFlags configure the waiting stages.
type waitFlags struct {
	pollInterval time.Duration
	waitTimeout  time.Duration
}

// emulatorPollInterval is the first poll interval against an emulator
// (whose removals take seconds), unless --poll-interval says otherwise.
const emulatorPollInterval = time.Second

// addWaitFlags registers --poll-interval and --wait-timeout.
func addWaitFlags(cmd *cobra.Command, w *waitFlags) {
	cmd.Flags().DurationVar(&w.pollInterval, "poll-interval", 0,
		"first delay between reads while waiting, growing to 5m (default 15s; 1s against an emulator)")
	cmd.Flags().DurationVar(&w.waitTimeout, "wait-timeout", 0,
		"stop waiting for a unit after this long (it stays pending; resume continues it); default: no limit")
}

// addTargetFlags registers --from, --column and --kind.
func addTargetFlags(cmd *cobra.Command, t *targetFlags) {
	cmd.Flags().StringVar(&t.from, "from", "", "read targets from `FILE`: one per line (# comments), or a CSV column with --column")
	cmd.Flags().StringVar(&t.column, "column", "", "the CSV column (header `NAME`, any case) holding the targets of --from or -")
	cmd.Flags().Var(newEnum(&t.kind, kindValues), "kind", "only units of this kind: picks the drive or the mailbox of an e-mail address that has both")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kindValues, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagFilename("from", "txt", "csv")
}

// runOptions are the SDK options of a run.
func (a *app) runOptions(ep endpoint, w waitFlags) (*offboarding.Options, error) {
	if w.pollInterval < 0 || w.waitTimeout < 0 {
		return nil, usageErrorf("--poll-interval and --wait-timeout cannot be negative")
	}
	o := &offboarding.Options{PollInterval: w.pollInterval, WaitTimeout: w.waitTimeout}
	if o.PollInterval == 0 && ep.Mode != modeGraph {
		o.PollInterval = emulatorPollInterval
	}
	return o, nil
}

// offboardHelp is offboard's long help.
const offboardHelp = `Offboard protection units: remove each from its policy (grouped by policy, at
most 50 per request), wait until the service has removed it, offboard it and
verify. Offboarded units' backups are deleted after the grace period (90
days), during which cancel-offboard restores them.

Safety: the command first reads every unit and shows the plan (units per
stage and policy, units skipped and why), then asks before writing. When
stdin is not a terminal it refuses to write without --yes. --dry-run prints
the plan and writes nothing, not even the journal.

Units already offboarding or offboarded are left alone (outcome "already");
units protected by a dynamic rule are skipped (the service refuses to remove
them). Every write's intent is in the journal before the request is sent and
its outcome after: after a crash or Ctrl-C, "backuprestore resume" continues
without sending any action twice; "backuprestore status" shows where it is.

` + exitCodesHelp

// cancelHelp is cancel-offboard's long help.
const cancelHelp = `Cancel the offboarding of protection units (during their grace period): their
backups are kept. Units whose cancellation was already requested are left
alone; units not offboarding are skipped. --wait also waits until each
cancellation completed (the unit unprotected).

Like offboard, it shows the plan and asks first (--yes for scripts), writes a
journal that "resume" continues, and --dry-run writes nothing.

` + exitCodesHelp

// runCommand is offboard or cancel-offboard.
func (a *app) runCommand(action string) *cobra.Command {
	var f runFlags
	use, short, long := "offboard [TARGET…|-]", "Offboard protection units: remove from policy, wait, offboard, verify", offboardHelp
	example := `  backuprestore --emulator offboard --dry-run https://contoso.sharepoint.com/sites/Compliance
  backuprestore offboard --dry-run --from departed.csv --column Mail --kind drive
  backuprestore offboard --from sites.txt
  cat ids.txt | backuprestore offboard --yes - --output json > results.json`
	if action == actionCancel {
		use, short, long = "cancel-offboard [TARGET…|-]", "Cancel the offboarding of protection units (keep their backups)", cancelHelp
		example = `  backuprestore --emulator cancel-offboard --dry-run AllanG43@contoso.onmicrosoft.com
  backuprestore cancel-offboard --from sites.txt --wait`
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		RunE: func(cmd *cobra.Command, args []string) error { return a.runAction(cmd, action, args, f) },
	}
	addTargetFlags(cmd, &f.targetFlags)
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "read every unit and print the plan; write nothing")
	if action == actionCancel {
		cmd.Flags().BoolVar(&f.waitCancelled, "wait", false, "also wait until each cancellation completed")
	} else {
		cmd.Flags().BoolVar(&f.viaRules, "via-rules", false,
			"take units protected by a dynamic inclusion rule out through the rule: deleteAndUnprotect, which unprotects every unit the rule added (the plan lists them)")
	}
	addWaitFlags(cmd, &f.waitFlags)
	return cmd
}

// startRun starts the action on run.
func startRun(ctx context.Context, run *offboarding.Run, action string, ids []string) (*offboarding.Results, error) {
	if action == actionCancel {
		return run.CancelOffboard(ctx, ids)
	}
	return run.Offboard(ctx, ids)
}

// runAction runs offboard or cancel-offboard.
func (a *app) runAction(cmd *cobra.Command, action string, args []string, f runFlags) error {
	a.need, a.dryRun = permReadWrite, f.dryRun
	ctx := cmd.Context()
	targets, err := a.readTargets(args, f.targetFlags)
	if err != nil {
		return err
	}
	ep := a.endpoint()
	opts, err := a.runOptions(ep, f.waitFlags)
	if err != nil {
		return err
	}
	opts.WaitCancelled = f.waitCancelled
	opts.ViaRules = f.viaRules
	c, err := a.connect(ctx, ep)
	if err != nil {
		return err
	}
	limitMemory(a.getenv, len(targets))
	r, err := loadResolver(ctx, c, kindNames[f.kind], targets)
	if err != nil {
		return err
	}
	units, err := r.resolveAll(ctx, targets)
	if err != nil {
		return err
	}
	r = nil // the tenant's listing is no longer needed
	out := &runOutput{units: map[string]*models.ProtectionUnit{}, policies: a.policyNames(ctx, c)}
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.ID
		// What the output shows of a unit as it was resolved: its kind
		// and names (a whole unit per target would double the run's memory).
		out.units[u.ID] = &models.ProtectionUnit{ID: u.ID, ODataType: u.ODataType, CollectionKind: u.CollectionKind,
			SiteID: u.SiteID, SiteName: u.SiteName, SiteWebURL: u.SiteWebURL,
			DirectoryObjectID: u.DirectoryObjectID, DisplayName: u.DisplayName, Email: u.Email,
			PolicyID: u.PolicyID, Status: u.Status, ProtectionSources: u.ProtectionSources}
	}
	units = nil
	a.log.Debug("targets resolved", "units", len(ids))

	if f.dryRun {
		opts.DryRun = true
		res, err := a.runWithProgress(ctx, c, opts, func(run *offboarding.Run) (*offboarding.Results, error) {
			return startRun(ctx, run, action, ids)
		})
		if res != nil && !a.g.quiet {
			a.writeRuleChanges(res)
		}
		return a.finish(out, res, err, "plan (dry run: nothing was written)")
	}

	path, err := a.journalPath(ep.Mode)
	if err != nil {
		return err
	}
	jf, err := openJournal(path, true, cmd.CommandPath())
	if err != nil {
		return err
	}
	a.cleanup = append(a.cleanup, func() { _ = jf.close() })
	fj := &fileJournal{f: jf, ep: ep}
	if err := a.makeRoom(ctx, c, fj); err != nil {
		return err
	}

	// The plan first: a dry run, shown before anything is written.
	preview := *opts
	preview.DryRun = true
	plan, err := a.runWithProgress(ctx, c, &preview, func(run *offboarding.Run) (*offboarding.Results, error) {
		return startRun(ctx, run, action, ids)
	})
	if err != nil {
		return a.finish(out, plan, err, "plan (nothing was written)")
	}
	n := plan.Count()[offboarding.OutcomePlanned]
	if n == 0 {
		a.notef("Nothing to write: no unit needs it.\n")
		return a.finish(out, plan, nil, "plan (nothing was written)")
	}
	if !a.g.quiet || !a.g.yes {
		fmt.Fprintf(a.err, "Plan (%s, journal %s): %s\n", ep, path, totals(plan))
		if err := writeList(a.err, "table", planFormat, out.planRows(plan)); err != nil {
			return err
		}
		a.writeRuleChanges(plan)
	}
	question := fmt.Sprintf("Proceed with offboarding %d %s? Their backups will be deleted after the grace period.", n, plural(n, "unit"))
	if action == actionCancel {
		question = fmt.Sprintf("Proceed with cancelling the offboarding of %d %s?", n, plural(n, "unit"))
	}
	stdinNote := ""
	if slices.Contains(args, "-") {
		stdinNote = " (the targets came from it)"
	}
	ok, err := a.confirm(question, stdinNote)
	if err != nil {
		return err
	}
	if !ok {
		a.code = exitFailed
		fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
		return nil
	}

	opts.Journal = fj
	res, err := a.runWithProgress(ctx, c, opts, func(run *offboarding.Run) (*offboarding.Results, error) {
		return startRun(ctx, run, action, ids)
	})
	return a.finish(out, res, err, "summary")
}

// runWithProgress runs start on a run with opts, drawing its progress.
func (a *app) runWithProgress(ctx context.Context, c *backuprestore.Client, opts *offboarding.Options,
	start func(*offboarding.Run) (*offboarding.Results, error)) (*offboarding.Results, error) {
	onProgress, end := a.progress()
	opts.OnProgress = onProgress
	res, err := start(offboarding.New(c, opts))
	end()
	return res, err
}

// finish writes a run's results and sets the exit code from them; err (the
// run stopped as a whole) is returned with what to do next.
func (a *app) finish(out *runOutput, res *offboarding.Results, err error, title string) error {
	if res != nil && len(res.Units) > 0 {
		if werr := a.writeResults(out, res, title); werr != nil && err == nil {
			err = werr
		}
		a.code = resultCode(res)
		if aerr := authFailure(res); aerr != nil && err == nil {
			err = aerr
		}
		if res.ServiceErr != nil {
			a.notef("Note: the service status could not be read (%v); the run went on without its gate.\n", res.ServiceErr)
		}
	}
	switch {
	case err == nil:
		if res != nil && unfinished(res) > 0 && !res.DryRun {
			a.notef("%d %s not finished: \"backuprestore resume\" continues the run.\n", unfinished(res), plural(unfinished(res), "unit"))
		}
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		n := 0
		if res != nil {
			n = unfinished(res)
		}
		return fmt.Errorf("interrupted (%w): %d %s not finished; \"backuprestore resume\" continues the run", err, n, plural(n, "unit"))
	case errors.Is(err, offboarding.ErrJournalInUse):
		return withCode(exitUsage, err)
	}
	return err
}

// authFailure returns, for units that failed for want of authentication
// or of a permission, an error saying so (exit 4), or nil.
func authFailure(res *offboarding.Results) error {
	var first error
	n := 0
	for _, r := range res.Units {
		if r.Err == nil || (r.Outcome != offboarding.OutcomeFailed && r.Outcome != offboarding.OutcomeUnknown) {
			continue
		}
		if code, _ := classify(r.Err, ""); code == exitAuth {
			n++
			if first == nil {
				first = r.Err
			}
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("%d %s failed for want of authorization: %w", n, plural(n, "unit"), first)
}

// makeRoom readies the journal for a new run: a run it holds that is
// finished stays in its history; one against the embedded emulator (gone
// with its process) is abandoned; any other unfinished one is refused
// (exit 2), since starting anew would lose what it knows.
func (a *app) makeRoom(ctx context.Context, c *backuprestore.Client, fj *fileJournal) error {
	info, ep, _, err := fj.load()
	if errors.Is(err, offboarding.ErrNoRun) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := offboarding.New(c, &offboarding.Options{Journal: fj}).Status(ctx)
	if err != nil {
		return err
	}
	open := unfinished(st)
	if open > 0 && ep.Mode != modeEmbedded {
		return usageErrorf("journal %s holds an unfinished %s run of %d units (started %s against %s; %d not finished): "+
			"\"backuprestore resume\" continues it and \"backuprestore status\" shows it; or pass --journal with another file",
			fj.f.path, info.Action, len(info.IDs), info.Started.Local().Format(time.DateTime), ep, open)
	}
	a.log.Debug("archiving the journal's previous run", "action", info.Action, "units", len(info.IDs), "unfinished", open)
	return fj.archive(ctx)
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// writeRuleChanges lists a plan's rule changes (--via-rules) with their
// blast radius: every unit each deleteAndUnprotect unprotects, those the
// admin did not name first.
func (a *app) writeRuleChanges(plan *offboarding.Results) {
	for _, rc := range plan.RuleChanges {
		fmt.Fprintf(a.err, "Rule change: deleteAndUnprotect rule %s %s of policy %s unprotects %d %s, %d of them not in this run",
			rc.Rule.ID, rc.Rule.Expression(), rc.PolicyID, len(rc.Unprotects), plural(len(rc.Unprotects), "unit"), len(rc.Others))
		if len(rc.Others) > 0 {
			shown := rc.Others
			if len(shown) > 20 {
				shown = shown[:20]
			}
			fmt.Fprintf(a.err, ": %s", strings.Join(shown, ", "))
			if len(rc.Others) > len(shown) {
				fmt.Fprintf(a.err, " … and %d more", len(rc.Others)-len(shown))
			}
		}
		fmt.Fprintln(a.err)
	}
}
