package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/onboarding"
)

// onboardHelp is onboard's long help.
const onboardHelp = `Protect sites, OneDrive accounts or mailboxes by adding them to a policy
(POLICY: its ID or name) with bulk addition jobs: site URLs or site IDs for
a site (SharePoint) policy, e-mail addresses or directory object IDs for a
drive (OneDrive) or mailbox (Exchange) policy. Targets come as arguments
after the policy, --from FILE (one per line, or a CSV column with --column)
or - (stdin), any count (50,000 and more); they are split into jobs of
--job-size (default 5,000).

Safety: a line that is neither a URL nor an ID nor an address, and a line
given twice, are refused before anything is written (exit 2, naming every
such line). Then the plan (the policy, how many targets of each form, how
many jobs) is shown and the command asks (--yes for scripts; --dry-run
shows the plan and writes nothing).

Every line gets a result, with its file and line: protected by this run,
already protected (in this policy or another), not found, or failed with
the service's reason. The run is in the same journal as offboarding runs
(runs list, status RUN): after a crash or Ctrl-C the command prints the
exact command that continues it (resume), which never creates a job twice
(a job whose answer was lost is found again by its name).

` + exitCodesHelp

// onboardFlags are onboard's flags.
type onboardFlags struct {
	targetFlags
	jobSize int
	dryRun  bool
	waitFlags
}

// onboardCommand is "onboard".
func (a *app) onboardCommand() *cobra.Command {
	var f onboardFlags
	cmd := &cobra.Command{
		Use:   "onboard POLICY [TARGET…|-]",
		Short: "Add sites or people to a policy with bulk addition jobs: a result per input line",
		Long:  onboardHelp,
		Example: `  backuprestore --emulator onboard "Exchange Policy - All mailboxes" person1@contoso.onmicrosoft.com person2@contoso.onmicrosoft.com
  backuprestore onboard "Finance sites" --from sites.csv --column SiteUrl --dry-run
  backuprestore onboard "Sales mailboxes" --from people.txt --yes -o csv > onboarded.csv`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.onboard(cmd, args, f) },
	}
	cmd.Flags().StringVar(&f.from, "from", "", "read targets from `FILE`: one per line (# comments), or a CSV column with --column")
	cmd.Flags().StringVar(&f.column, "column", "", "the CSV column (header `NAME`, any case) holding the targets of --from or -")
	cmd.Flags().IntVar(&f.jobSize, "job-size", onboarding.DefaultJobSize, "targets per bulk addition job (1 to 50,000)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "check every line and print the plan; write nothing")
	addWaitFlags(cmd, &f.waitFlags)
	_ = cmd.MarkFlagFilename("from", "txt", "csv")
	return cmd
}

// jobWait is the waiting of an onboarding run's jobs: the flags', an
// emulator's quick polling, or the client's defaults.
func (a *app) jobWait(ep endpoint, w waitFlags) (*backuprestore.JobWaitOptions, error) {
	if w.pollInterval < 0 || w.waitTimeout < 0 {
		return nil, usageErrorf("--poll-interval and --wait-timeout cannot be negative")
	}
	wait := &backuprestore.JobWaitOptions{PollInterval: w.pollInterval, Timeout: w.waitTimeout}
	if ep.Mode != modeGraph {
		if wait.PollInterval == 0 {
			wait.PollInterval = emulatorPollInterval
		}
		wait.MaxPollInterval = max(emulatorMaxPollInterval, wait.PollInterval)
	}
	return wait, nil
}

// onboard runs "onboard": read and check the lines, resolve the policy,
// show the plan, ask, then run the jobs in the journal.
func (a *app) onboard(cmd *cobra.Command, args []string, f onboardFlags) error {
	a.need, a.dryRun = permReadWrite, f.dryRun
	ctx := cmd.Context()
	if f.jobSize < 1 || f.jobSize > backuprestore.MaxTargetsPerJob {
		return usageErrorf("--job-size %d: want 1 to %d", f.jobSize, backuprestore.MaxTargetsPerJob)
	}
	f.argBase = 1 // the policy
	targets, err := a.readTargets(args[1:], f.targetFlags)
	if err != nil {
		return err
	}
	ep := a.endpoint()
	a.runEP = &ep
	wait, err := a.jobWait(ep, f.waitFlags)
	if err != nil {
		return err
	}
	path := ""
	if !f.dryRun {
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
	pol, err := a.resolvePolicy(ctx, c, args[0])
	if err != nil {
		return err
	}
	kind := pol.Kind().UnitKind()
	var bad inputErrors
	texts := make([]string, len(targets))
	where := make([]string, len(targets))
	forms := map[backuprestore.TargetForm]int{}
	for i, t := range targets {
		texts[i], where[i] = t.text, t.where
		form, err := backuprestore.ClassifyTarget(kind, t.text)
		if err != nil {
			bad.addf("%s: %q is not a target of a %s policy: %s", t.where, clip(t.text), policyKindText(pol.Kind()), classifyHint(kind))
			continue
		}
		forms[form]++
	}
	if err := bad.err(); err != nil {
		return err
	}
	jobs := (len(texts) + f.jobSize - 1) / f.jobSize
	if !a.g.quiet || !a.g.yes || f.dryRun {
		fmt.Fprintln(a.err, safeMessage(fmt.Sprintf("Plan: add %d %s to the %s policy %q (%s, %s) in %d bulk addition %s of at most %d",
			len(texts), plural(len(texts), "target"), policyKindText(pol.Kind()), pol.DisplayName, pol.ID, pol.Status, jobs, plural(jobs, "job"), f.jobSize)))
		if path != "" {
			fmt.Fprintln(a.err, safeMessage(fmt.Sprintf("Against %s; journal %s", ep, path)))
		}
		for _, form := range []backuprestore.TargetForm{backuprestore.TargetSiteURL, backuprestore.TargetSiteID, backuprestore.TargetEmail, backuprestore.TargetDirectoryObjectID} {
			if n := forms[form]; n > 0 {
				fmt.Fprintf(a.err, "  %d %s\n", n, pluralOf(n, form.String()))
			}
		}
	}
	if f.dryRun {
		res := &onboarding.Results{PolicyID: pol.ID, Items: make([]onboarding.Result, len(texts))}
		for i, t := range texts {
			res.Items[i] = onboarding.Result{Line: i, Target: t, Outcome: offboarding.OutcomePlanned, Reason: reasonWouldAdd}
		}
		return a.onboardFinish(res, nil, where, "plan (dry run: nothing was written)")
	}
	ok, err := a.confirm(ctx, fmt.Sprintf("Proceed with adding %d %s to the policy %q?", len(texts), plural(len(texts), "target"), pol.DisplayName), stdinNote(args))
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
	opts := &onboarding.Options{Journal: fj, JobSize: f.jobSize, Wait: wait, Operator: a.operatorName(),
		Source: targetSource(args[1:], f.targetFlags), CommandLine: shellJoin(append([]string{"backuprestore"}, a.args...))}
	res, err := a.onboardWithProgress(c, opts, func(r *onboarding.Run) (*onboarding.Results, error) { return r.Onboard(ctx, pol.ID, texts) })
	return a.onboardFinish(res, err, where, "summary")
}

// resumeOnboard continues the journal's onboarding run.
func (a *app) resumeOnboard(ctx context.Context, c *backuprestore.Client, fj *fileJournal, run runRecord, w waitFlags) error {
	wait, err := a.jobWait(*a.runEP, w)
	if err != nil {
		return err
	}
	opts := &onboarding.Options{Journal: fj, Wait: wait, Operator: a.operatorName()}
	res, err := a.onboardWithProgress(c, opts, func(r *onboarding.Run) (*onboarding.Results, error) { return r.Resume(ctx) })
	return a.onboardFinish(res, err, targetLines(run.info()), "summary")
}

// targetLines names a journaled run's targets for its results: "target
// 1", … (the input's file and line are not journaled).
func targetLines(info offboarding.RunInfo) []string {
	out := make([]string, len(info.IDs))
	for i := range out {
		out[i] = "target " + strconv.Itoa(i+1)
	}
	return out
}

// stdinNote says, for the prompt's refusal, that the targets came from
// stdin.
func stdinNote(args []string) string {
	for _, a := range args {
		if a == "-" {
			return " (the targets came from it)"
		}
	}
	return ""
}

// classifyHint says what a target of a policy of kind k is.
func classifyHint(k models.UnitKind) string {
	if k == models.KindSite {
		return "want a site URL (https://…) or a site ID (host,guid,guid)"
	}
	return "want an e-mail address or a directory object ID (a GUID)"
}

// onboardWithProgress runs start, drawing the lines settled.
func (a *app) onboardWithProgress(c *backuprestore.Client, opts *onboarding.Options,
	start func(*onboarding.Run) (*onboarding.Results, error)) (*onboarding.Results, error) {
	onProgress, end := a.progress()
	if onProgress != nil {
		opts.OnProgress = func(done, total int) {
			onProgress(offboarding.Progress{Stage: offboarding.StageWaitJob, Done: done, Total: total, StageDone: done, StageTotal: total})
		}
	}
	res, err := start(onboarding.New(c, opts))
	end(err == nil)
	return res, err
}

// reasonWouldAdd is a dry run's reason for a line: what the run would do.
const reasonWouldAdd offboarding.Reason = "wouldAdd"

// onboardReasonWords are onboarding's reasons in words.
var onboardReasonWords = map[offboarding.Reason]string{
	reasonWouldAdd:                   "would be added by a bulk addition job",
	onboarding.ReasonProtected:       "protected by this run",
	onboarding.ReasonAlreadyInPolicy: "already in this policy",
	onboarding.ReasonInOtherPolicy:   "already protected by another policy",
	onboarding.ReasonNotFound:        "not found",
	onboarding.ReasonItemFailed:      "the job failed for it",
	onboarding.ReasonJobRefused:      "the service refused its job",
	onboarding.ReasonJobInDoubt:      "its job's creation is in doubt: a resume looks the job up by its name",
	onboarding.ReasonJobPending:      "its job is not finished: a resume waits on",
	onboarding.ReasonInvalidTarget:   "not a target of this policy",
	onboarding.ReasonDuplicateTarget: "a line repeats it",
}

// onboardReason is a result's reason in words, with its detail.
func onboardReason(r onboarding.Result) string {
	w, ok := onboardReasonWords[r.Reason]
	if !ok {
		w = string(r.Reason)
	}
	switch {
	case r.Detail == "":
		return w
	case w == "":
		return r.Detail
	}
	return w + " (" + r.Detail + ")"
}

// onboardRow is one line's result, with where the line came from.
type onboardRow struct {
	where string
	r     onboarding.Result
}

// onboardJSON is a line's result in json and jsonl output.
type onboardJSON struct {
	Line    string `json:"line"`
	Target  string `json:"target"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Code    string `json:"code,omitempty"`
	Error   string `json:"error,omitempty"`
	JobID   string `json:"jobId,omitempty"`
}

// toOnboardJSON converts a row; a line settled without failure shows no
// error.
func toOnboardJSON(o onboardRow) onboardJSON {
	j := onboardJSON{Line: o.where, Target: o.r.Target, Outcome: o.r.Outcome.String(), Reason: onboardReason(o.r), Code: o.r.Code, JobID: o.r.JobID}
	if o.r.Err != nil && !settled(o.r.Outcome) {
		j.Error = describeErr(o.r.Err)
	}
	return j
}

// onboardFormat writes an onboarding run's lines.
var onboardFormat = format[onboardRow]{
	table: []column[onboardRow]{
		{"line", func(o onboardRow) string { return o.where }},
		{"target", func(o onboardRow) string { return o.r.Target }},
		{"outcome", func(o onboardRow) string { return o.r.Outcome.String() }},
		{"detail", func(o onboardRow) string {
			j := toOnboardJSON(o)
			if j.Error != "" {
				return j.Reason + ": " + j.Error
			}
			return j.Reason
		}},
		{"job", func(o onboardRow) string { return o.r.JobID }},
	},
	layout: tableLayout{flex: []string{"target", "detail", "line"}, drop: []string{"job"}, min: map[string]int{"detail": 20}},
	csv: []column[onboardRow]{
		{"line", func(o onboardRow) string { return o.where }},
		{"target", func(o onboardRow) string { return o.r.Target }},
		{"outcome", func(o onboardRow) string { return o.r.Outcome.String() }},
		{"reason", func(o onboardRow) string { return onboardReason(o.r) }},
		{"code", func(o onboardRow) string { return o.r.Code }},
		{"error", func(o onboardRow) string { return toOnboardJSON(o).Error }},
		{"jobId", func(o onboardRow) string { return o.r.JobID }},
	},
	json: func(o onboardRow) any { return toOnboardJSON(o) },
}

// onboardTotals is a one-line count of an onboarding run's lines.
func onboardTotals(res *onboarding.Results) string {
	counts := res.Counts()
	var parts []string
	for _, o := range []offboarding.Outcome{offboarding.OutcomeDone, offboarding.OutcomePlanned, offboarding.OutcomeAlready,
		offboarding.OutcomeSkipped, offboarding.OutcomeFailed, offboarding.OutcomeUnknown, offboarding.OutcomePending} {
		if n := counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	s := fmt.Sprintf("%d %s", len(res.Items), plural(len(res.Items), "target"))
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if len(res.Jobs) > 0 {
		s += fmt.Sprintf("; %d %s", len(res.Jobs), plural(len(res.Jobs), "job"))
	}
	return s
}

// onboardCode is the exit code an onboarding run's lines call for, as
// offboard's: 3 when an outcome is unknown; 1 when a line failed (not
// found, refused), was skipped or is not finished; else 0.
func (a *app) onboardCode(res *onboarding.Results) int {
	counts := res.Counts()
	switch {
	case counts[offboarding.OutcomeUnknown] > 0:
		return exitUnknown
	case counts[offboarding.OutcomeFailed]+counts[offboarding.OutcomePending]+counts[offboarding.OutcomeSkipped] > 0:
		return exitFailed
	}
	return exitOK
}

// onboardFinish writes a result per line (where names each line's source)
// and the totals, sets the exit code, and returns err (the run stopped as
// a whole) with what to do next: the exact command that continues it.
func (a *app) onboardFinish(res *onboarding.Results, err error, where []string, title string) error {
	if res != nil && len(res.Items) > 0 {
		rows := make([]onboardRow, len(res.Items))
		for i, it := range res.Items {
			w := "target " + strconv.Itoa(it.Line+1)
			if it.Line < len(where) {
				w = where[it.Line]
			}
			rows[i] = onboardRow{w, it}
		}
		if werr := writeList(a.out, a.stdoutStyle(), onboardFormat, rows); werr != nil && err == nil {
			err = werr
		}
		a.code = a.onboardCode(res)
		w := a.out
		if a.g.output != "table" {
			w = a.err
		}
		if a.g.output == "table" || !a.g.quiet {
			fmt.Fprintf(w, "\n%s: %s\n", title, onboardTotals(res))
		}
	}
	open := 0
	if res != nil {
		open = onboardOpen(res)
	}
	switch {
	case err == nil:
		if open > 0 && !a.dryRun && res.RunID != "" && !a.noContinue {
			a.notef("%d %s not finished. Continue with:\n  %s\n", open, plural(open, "target"), a.continueCommand())
		}
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		if a.dryRun || res == nil || res.RunID == "" {
			return fmt.Errorf("%w; nothing was written", interruption(err))
		}
		return fmt.Errorf("%w: %d %s not finished. Continue with:\n  %s", interruption(err), open, plural(open, "target"), a.continueCommand())
	case errors.Is(err, offboarding.ErrJournalInUse):
		return withCode(exitUsage, err)
	case errors.Is(err, backuprestore.ErrInvalidTarget), errors.Is(err, backuprestore.ErrDuplicateTarget):
		return withCode(exitUsage, err)
	}
	return policyInputError(err)
}

// onboardOpen counts an onboarding run's lines without a final outcome:
// what a resume would take on.
func onboardOpen(res *onboarding.Results) int {
	n := 0
	for _, it := range res.Items {
		if !it.Outcome.Final() && it.Outcome != offboarding.OutcomePlanned {
			n++
		}
	}
	return n
}
