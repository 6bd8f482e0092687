package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
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
	// allowSkipped: skipped units do not make the exit code 1.
	allowSkipped bool
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
// (whose removals take seconds: cmd/emulator's default -removal-delay is
// 5 s), unless --poll-interval says otherwise; emulatorMaxPollInterval the
// longest, so that a run against an emulator with longer delays ends
// within seconds of its removals (against Graph: 5 minutes).
const (
	emulatorPollInterval    = time.Second
	emulatorMaxPollInterval = 2 * time.Second
)

// addWaitFlags registers --poll-interval and --wait-timeout.
func addWaitFlags(cmd *cobra.Command, w *waitFlags) {
	cmd.Flags().DurationVar(&w.pollInterval, "poll-interval", 0,
		"first delay between reads while waiting, growing to 5m (default 15s; against an emulator 1s, growing to 2s)")
	cmd.Flags().DurationVar(&w.waitTimeout, "wait-timeout", 0,
		"stop waiting for a unit after this long (it stays pending; resume continues it); default: no limit")
}

// addTargetFlags registers --from, --column and --kind.
func addTargetFlags(cmd *cobra.Command, t *targetFlags) {
	cmd.Flags().StringVar(&t.from, "from", "", "read targets from `FILE`: one per line (# comments), or a CSV column with --column")
	cmd.Flags().StringVar(&t.column, "column", "", "the CSV column (header `NAME`, any case) holding the targets of --from or -")
	cmd.Flags().StringSliceVar(&t.users, "user", nil, "a person's e-mail `ADDRESS` (or directory object ID): every unit of the person, OneDrive and mailbox (repeat, or comma-separate, for several)")
	addKindFlag(cmd, &t.kind, "only units of this kind: the drive or the mailbox of a person who has both")
	_ = cmd.MarkFlagFilename("from", "txt", "csv")
}

// runOptions are the SDK options of a run.
func (a *app) runOptions(ep endpoint, w waitFlags) (*offboarding.Options, error) {
	if w.pollInterval < 0 || w.waitTimeout < 0 {
		return nil, usageErrorf("--poll-interval and --wait-timeout cannot be negative")
	}
	o := &offboarding.Options{PollInterval: w.pollInterval, WaitTimeout: w.waitTimeout}
	if ep.Mode != modeGraph {
		if o.PollInterval == 0 {
			o.PollInterval = emulatorPollInterval
		}
		o.MaxPollInterval = max(emulatorMaxPollInterval, o.PollInterval)
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

A person (--user ADDRESS, or an e-mail address or directory object ID as a
target) stands for every unit of theirs: their OneDrive and their mailbox;
--kind drive or --kind mailbox takes one.

Units already offboarding or offboarded are left alone (outcome "already");
units protected by a dynamic rule are skipped (the service refuses to remove
them): --allow-skipped keeps them from making the exit code 1. Every write's
intent is in the journal before the request is sent and its outcome after:
after a crash or Ctrl-C the command prints the exact command that continues
the run (resume, with this command's --emulator-url or --journal), which
sends no action twice; "backuprestore status" shows where it is, and
"backuprestore runs list" every run the journal holds.

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
	example := `  backuprestore --emulator offboard --dry-run --user AdeleV@contoso.onmicrosoft.com https://contoso.sharepoint.com/sites/ProductLaunch2026
  backuprestore offboard --dry-run --from departed.csv --column Mail   # each person's OneDrive and mailbox
  backuprestore offboard --user adele@contoso.com --user alex@contoso.com
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
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "read every unit and print the plan; write nothing (exit 0 once the plan is read)")
	addAllowSkipped(cmd, &f.allowSkipped)
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

// runAction runs offboard or cancel-offboard: it resolves the targets,
// reads every unit and shows the plan, asks, and only then opens the
// journal and writes. A dry run, a refused or declined run and a run with
// nothing to write never open the journal for writing, so the runs it
// holds stay as they were.
func (a *app) runAction(cmd *cobra.Command, action string, args []string, f runFlags) error {
	a.need, a.dryRun, a.allowSkipped = permReadWrite, f.dryRun, f.allowSkipped
	ctx := cmd.Context()
	targets, err := a.readTargets(args, f.targetFlags)
	if err != nil {
		return err
	}
	ep := a.endpoint()
	a.runEP = &ep
	opts, err := a.runOptions(ep, f.waitFlags)
	if err != nil {
		return err
	}
	opts.WaitCancelled = f.waitCancelled
	opts.ViaRules = f.viaRules
	path := ""
	if !f.dryRun {
		// The journal's problems (a path that cannot be used, a run it
		// holds unfinished, another process holding it) before any
		// request.
		if path, err = a.journalPath(ep.Mode); err != nil {
			return err
		}
		if err := a.checkJournal(path); err != nil {
			return err
		}
	}
	c, err := a.connect(ctx, ep)
	if err != nil {
		return err
	}
	a.audit(opts, args, f.targetFlags)
	limitMemory(a.getenv, len(targets))
	r, err := loadResolver(ctx, c, kindNames[f.kind], targets)
	if err != nil {
		return err
	}
	r.people = true
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
	a.log.Debug("targets resolved", "targets", len(targets), "units", len(ids))

	// The plan first: a dry run, shown before anything is written.
	preview := *opts
	preview.DryRun = true
	plan, err := a.runWithProgress(ctx, c, &preview, func(run *offboarding.Run) (*offboarding.Results, error) {
		return startRun(ctx, run, action, ids)
	})
	if f.dryRun || err != nil {
		if plan != nil && !a.g.quiet {
			a.writeRuleChanges(plan)
		}
		return a.finish(out, plan, err, "plan (dry run: nothing was written)")
	}
	n := plan.Count()[offboarding.OutcomePlanned]
	if n == 0 {
		a.notef("Nothing to write: no unit needs it (the journal is left as it was).\n")
		return a.finish(out, plan, nil, "plan (nothing was written)")
	}
	if !a.g.quiet || !a.g.yes {
		fmt.Fprintf(a.err, "%s\n", safeMessage(fmt.Sprintf("Plan: %s\nAgainst %s; journal %s", totals(plan), ep, path)))
		if err := writeList(a.err, a.stderrTable(), planFormat, out.planRows(plan)); err != nil {
			return err
		}
		a.writeRuleChanges(plan)
	}
	question := fmt.Sprintf("Their backups will be deleted after the grace period.\nProceed with offboarding %d %s?", n, plural(n, "unit"))
	if action == actionCancel {
		question = fmt.Sprintf("Proceed with cancelling the offboarding of %d %s?", n, plural(n, "unit"))
	}
	ok, err := a.confirm(ctx, question, stdinNote(args))
	if err != nil {
		return err
	}
	if !ok {
		a.code = exitDeclined
		fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
		return nil
	}

	jf, err := openJournal(path, true, cmd.CommandPath())
	if err != nil {
		return journalError(err)
	}
	a.cleanup = append(a.cleanup, func() { _ = jf.close() })
	fj := &fileJournal{f: jf, ep: ep}
	if err := a.makeRoom(ctx, fj); err != nil {
		return err
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
	end(err == nil)
	return res, err
}

// finish writes a run's results and sets the exit code from them; err (the
// run stopped as a whole) is returned with what to do next: the exact
// command that continues the run.
func (a *app) finish(out *runOutput, res *offboarding.Results, err error, title string) error {
	if res != nil && len(res.Units) > 0 {
		if werr := a.writeResults(out, res, title); werr != nil && err == nil {
			err = werr
		}
		a.code = a.resultCode(res)
		if aerr := authFailure(res); aerr != nil && err == nil {
			err = aerr
		}
		if res.ServiceErr != nil {
			a.notef("Note: the service status could not be read (%v); the run went on without its gate.\n", res.ServiceErr)
		}
	}
	open := 0
	if res != nil {
		open = unfinished(res)
	}
	switch {
	case err == nil:
		if open > 0 && !a.dryRun && res.RunID != "" && !a.noContinue {
			a.notef("%d %s not finished. Continue with:\n  %s\n", open, plural(open, "unit"), a.continueCommand())
		}
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		if a.dryRun || res == nil || res.RunID == "" {
			return fmt.Errorf("%w; nothing was written", interruption(err))
		}
		return fmt.Errorf("%w: %d %s not finished. Continue with:\n  %s", interruption(err), open, plural(open, "unit"), a.continueCommand())
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

// checkJournal refuses, before anything is sent, a journal that cannot
// take a new run: its path unusable, another process writing it, a file
// that is not a journal, or an unfinished run in it (other than one
// against the embedded emulator, which ended with its process). It only
// reads the journal.
func (a *app) checkJournal(path string) error {
	if err := checkJournalPath(path); err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if owner, held, err := filejournal.LockOwner(path); err != nil {
		return journalError(err)
	} else if held {
		return usageErrorf("journal %s is in use by another backuprestore process (%s); wait for it to end, or pass --journal with another file",
			path, owner)
	}
	jf, err := openJournal(path, false, "")
	if err != nil {
		return journalError(err)
	}
	defer jf.close()
	return a.refuseUnfinished(context.Background(), &fileJournal{f: jf})
}

// refuseUnfinished fails with a usage error (exit 2) when the journal's
// latest run is unfinished (neither finished nor abandoned) and was not
// against the embedded emulator: a new run would lose what it knows.
func (a *app) refuseUnfinished(ctx context.Context, fj *fileJournal) error {
	runs, err := fj.Runs(ctx)
	if err != nil || len(runs) == 0 {
		return err
	}
	latest := runs[len(runs)-1]
	if runState(latest) != "unfinished" {
		return nil
	}
	info, entries, err := fj.LoadRun(ctx, latest.Info.ID)
	if err != nil {
		return err
	}
	ep := runEndpoint(info)
	if open := runOpen(info, entries); open > 0 && ep.Mode != modeEmbedded {
		return a.unfinishedRunError(fj.f.path, info, ep, open)
	}
	return nil
}

// unfinishedRunError is the usage error (exit 2) of a journal whose run is
// unfinished: it names the run and the commands that continue or show it.
func (a *app) unfinishedRunError(path string, info offboarding.RunInfo, ep endpoint, open int) error {
	saved := a.runEP
	a.runEP = &ep
	cont := a.continueCommand()
	a.runEP = saved
	return usageErrorf("journal %s holds an unfinished %s (%d not finished): continue it with\n  %s\nor pass --journal with another file",
		path, describeRun(info, ep), open, cont)
}

// makeRoom readies the journal for a new run: a run it holds that ended
// stays in its history; an unfinished one against the embedded emulator
// (gone with its process) is abandoned; any other unfinished one is
// refused (exit 2), since starting anew would lose what it knows.
func (a *app) makeRoom(ctx context.Context, fj *fileJournal) error {
	if err := a.refuseUnfinished(ctx, fj); err != nil {
		return err
	}
	a.log.Debug("abandoning the journal's previous run if it is unfinished (the embedded emulator's)")
	return fj.archive(ctx)
}

// pluralOf is plural for any noun: "addresses", "site URLs".
func pluralOf(n int, word string) string {
	if n != 1 && strings.HasSuffix(word, "s") {
		return word + "es"
	}
	return plural(n, word)
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// addAllowSkipped registers --allow-skipped.
func addAllowSkipped(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "allow-skipped", false,
		"skipped units (dynamic-rule units, units not offboarding, …) do not make the exit code 1: for scripts that accept them")
}

// interruption is err (a run's stop because its context ended) as the
// message starts: "interrupted (…)".
func interruption(err error) error {
	if strings.HasPrefix(err.Error(), "interrupted") {
		return err
	}
	return fmt.Errorf("interrupted (%w)", err)
}

// writeRuleChanges lists a plan's rule changes (--via-rules) with their
// blast radius: every unit each deleteAndUnprotect unprotects, those the
// admin did not name first.
func (a *app) writeRuleChanges(plan *offboarding.Results) {
	for _, rc := range plan.RuleChanges {
		var b strings.Builder
		fmt.Fprintf(&b, "Rule change: deleteAndUnprotect rule %s %s of policy %s unprotects %d %s, %d of them not in this run",
			rc.Rule.ID, rc.Rule.Expression(), rc.PolicyID, len(rc.Unprotects), plural(len(rc.Unprotects), "unit"), len(rc.Others))
		if len(rc.Others) > 0 {
			shown := rc.Others
			if len(shown) > 20 {
				shown = shown[:20]
			}
			fmt.Fprintf(&b, ": %s", strings.Join(shown, ", "))
			if len(rc.Others) > len(shown) {
				fmt.Fprintf(&b, " … and %d more", len(rc.Others)-len(shown))
			}
		}
		fmt.Fprintln(a.err, safeMessage(b.String()))
	}
}
