package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/onboarding"
)

// onboardHelp is onboard's long help.
const onboardHelp = `Protect sites, OneDrive accounts or mailboxes by adding them to a policy
with bulk addition jobs: site URLs or site IDs for a SharePoint policy, e-mail
addresses or directory object IDs for OneDrive and Exchange. Targets come as
arguments after the policy, --from FILE (one per line, or a CSV column with
--column) or - (stdin), up to 50,000 and more; they are split into jobs of
--job-size (default 5,000). Every line gets a result: protected, already
protected (in this policy or another), not found, or failed with the
service's reason. A line that is neither a URL nor an ID nor an address, and
a line given twice, are refused before anything is written (exit 2).

The run is journaled (default: the offboarding journal's file with
"-onboard" appended; --journal FILE): a run that was interrupted is
continued with --resume, and a job whose answer was lost is found again by
its name, never created twice.`

// onboardFlags are onboard's flags.
type onboardFlags struct {
	targetFlags
	jobSize int
	resume  bool
	waitFlags
}

// onboardCommand is "onboard".
func (a *app) onboardCommand() *cobra.Command {
	var f onboardFlags
	cmd := &cobra.Command{
		Use:   "onboard POLICY [TARGET…|-]",
		Short: "Add sites or people to a policy with bulk addition jobs, a result per input line",
		Long:  onboardHelp,
		Example: `  backuprestore --emulator onboard POLICY_ID https://contoso.sharepoint.com/sites/Sales
  backuprestore onboard POLICY_ID --from sites.csv --column SiteUrl
  backuprestore onboard --resume`,
		RunE: func(cmd *cobra.Command, args []string) error { return a.onboard(cmd, args, f) },
	}
	cmd.Flags().StringVar(&f.from, "from", "", "read targets from `FILE`: one per line (# comments), or a CSV column with --column")
	cmd.Flags().StringVar(&f.column, "column", "", "the CSV column (header `NAME`, any case) holding the targets of --from or -")
	cmd.Flags().IntVar(&f.jobSize, "job-size", onboarding.DefaultJobSize, "targets per bulk addition job (1 to 50,000)")
	cmd.Flags().BoolVar(&f.resume, "resume", false, "continue the journal's interrupted onboarding run")
	addWaitFlags(cmd, &f.waitFlags)
	_ = cmd.MarkFlagFilename("from", "txt", "csv")
	return cmd
}

// onboardJournalPath is --journal, or the default journal with "-onboard".
func (a *app) onboardJournalPath(mode string) (string, error) {
	if a.g.journal != "" {
		return a.g.journal, nil
	}
	p, err := defaultJournalPath(a.getenv, mode)
	return p + "-onboard", err
}

// onboardOpen counts an onboarding run's targets without a final outcome.
func onboardOpen(info offboarding.RunInfo, entries []offboarding.Entry) int {
	final := map[string]bool{}
	for _, e := range entries {
		final[e.UnitID] = !e.Intent && e.Outcome.Final()
	}
	n := 0
	for _, id := range info.IDs {
		if !final[id] {
			n++
		}
	}
	return n
}

func (a *app) onboard(cmd *cobra.Command, args []string, f onboardFlags) error {
	a.need = permReadWrite
	ctx := cmd.Context()
	if f.jobSize < 1 || f.jobSize > backuprestore.MaxTargetsPerJob {
		return usageErrorf("--job-size %d: want 1 to %d", f.jobSize, backuprestore.MaxTargetsPerJob)
	}
	if f.pollInterval < 0 || f.waitTimeout < 0 {
		return usageErrorf("--poll-interval and --wait-timeout cannot be negative")
	}
	ep := a.endpoint()
	path, err := a.onboardJournalPath(ep.Mode)
	if err != nil {
		return err
	}
	wait := &backuprestore.JobWaitOptions{PollInterval: f.pollInterval, Timeout: f.waitTimeout}
	if wait.PollInterval == 0 && ep.Mode != modeGraph {
		wait.PollInterval = emulatorPollInterval
	}
	if f.resume {
		if len(args) > 0 || f.from != "" {
			return usageErrorf("--resume takes no policy and no targets: they are in the journal")
		}
		jf, err := openJournal(path, true, cmd.CommandPath())
		if err != nil {
			return err
		}
		a.cleanup = append(a.cleanup, func() { _ = jf.close() })
		c, err := a.connect(ctx, ep)
		if err != nil {
			return err
		}
		fj := &fileJournal{f: jf, ep: ep}
		info, _, _, err := fj.load()
		if err != nil {
			return usageErrorf("nothing to resume in %s: %v", path, err)
		}
		res, err := a.onboardWithProgress(c, &onboarding.Options{Journal: fj, JobSize: f.jobSize, Wait: wait},
			func(r *onboarding.Run) (*onboarding.Results, error) { return r.Resume(ctx) })
		where := make([]string, len(info.IDs))
		for i := range where {
			where[i] = "target " + strconv.Itoa(i+1)
		}
		return a.onboardFinish(res, err, where)
	}
	if len(args) == 0 {
		return usageErrorf("onboard needs the policy's ID, then targets (or --from FILE)")
	}
	policyID := args[0]
	targets, err := a.readTargets(args[1:], f.targetFlags)
	if err != nil {
		return err
	}
	c, err := a.connect(ctx, ep)
	if err != nil {
		return err
	}
	pol, err := c.ProtectionPolicies().ByID(policyID).Get(ctx, nil)
	if err != nil {
		return policyInputError(fmt.Errorf("reading policy %s: %w", policyID, err))
	}
	kind := pol.Kind().UnitKind()
	var bad inputErrors
	texts := make([]string, len(targets))
	where := make([]string, len(targets))
	for i, t := range targets {
		texts[i], where[i] = t.text, t.where
		if _, err := backuprestore.ClassifyTarget(kind, t.text); err != nil {
			bad.addf("%s: %q is not a %s target: %s", t.where, t.text, kindText(kind), classifyHint(kind))
		}
	}
	if err := bad.err(); err != nil {
		return err
	}
	jf, err := openJournal(path, true, cmd.CommandPath())
	if err != nil {
		return err
	}
	a.cleanup = append(a.cleanup, func() { _ = jf.close() })
	fj := &fileJournal{f: jf, ep: ep}
	if info, _, entries, err := fj.load(); err == nil {
		if info.Action == offboarding.ActionOnboard {
			if n := onboardOpen(info, entries); n > 0 && ep.Mode != modeEmbedded {
				return usageErrorf("journal %s holds an unfinished onboarding run (%d of %d targets not finished, started %s): "+
					"\"backuprestore onboard --resume\" continues it; or pass --journal with another file",
					path, n, len(info.IDs), info.Started.Local().Format(time.DateTime))
			}
			if err := fj.archive(ctx); err != nil {
				return err
			}
		} else if err := a.makeRoom(ctx, fj); err != nil {
			return err
		}
	} else if !errors.Is(err, offboarding.ErrNoRun) {
		return err
	}
	jobs := (len(texts) + f.jobSize - 1) / f.jobSize
	if !a.g.quiet || !a.g.yes {
		fmt.Fprintf(a.err, "Plan (%s, journal %s): add %d %s to %s policy %q (%s) in %d bulk addition %s of at most %d.\n",
			ep, path, len(texts), plural(len(texts), "target"), pol.Kind(), pol.DisplayName, pol.ID, jobs, plural(jobs, "job"), f.jobSize)
	}
	ok, err := a.confirm(ctx, fmt.Sprintf("Proceed with onboarding %d %s?", len(texts), plural(len(texts), "target")), "")
	if err != nil {
		return err
	}
	if !ok {
		a.code = exitFailed
		fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
		return nil
	}
	res, err := a.onboardWithProgress(c, &onboarding.Options{Journal: fj, JobSize: f.jobSize, Wait: wait, Source: f.from},
		func(r *onboarding.Run) (*onboarding.Results, error) { return r.Onboard(ctx, pol.ID, texts) })
	return a.onboardFinish(res, err, where)
}

func kindText(k models.UnitKind) string {
	if k == models.KindSite {
		return "SharePoint"
	}
	return k.String()
}

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

// onboardRow is one result with where its line came from.
type onboardRow struct {
	where string
	r     onboarding.Result
}

var onboardColumns = []column[onboardRow]{
	{"line", func(o onboardRow) string { return o.where }},
	{"target", func(o onboardRow) string { return o.r.Target }},
	{"outcome", func(o onboardRow) string { return o.r.Outcome.String() }},
	{"reason", func(o onboardRow) string { return string(o.r.Reason) }},
	{"code", func(o onboardRow) string { return o.r.Code }},
	{"detail", func(o onboardRow) string { return o.r.Detail }},
	{"job", func(o onboardRow) string { return o.r.JobID }},
}

var onboardFormat = format[onboardRow]{
	table: onboardColumns,
	csv:   onboardColumns,
	json: func(o onboardRow) any {
		errText := ""
		if o.r.Err != nil {
			errText = o.r.Err.Error()
		}
		return struct {
			Line    string `json:"line"`
			Target  string `json:"target"`
			Outcome string `json:"outcome"`
			Reason  string `json:"reason,omitempty"`
			Code    string `json:"code,omitempty"`
			Detail  string `json:"detail,omitempty"`
			Error   string `json:"error,omitempty"`
			JobID   string `json:"jobId,omitempty"`
		}{o.where, o.r.Target, o.r.Outcome.String(), string(o.r.Reason), o.r.Code, o.r.Detail, errText, o.r.JobID}
	},
}

// onboardFinish writes a line per target and sets the exit code: 3 when an
// outcome is unknown, 1 when a line failed or is not finished, else 0.
func (a *app) onboardFinish(res *onboarding.Results, err error, where []string) error {
	if res != nil && len(res.Items) > 0 {
		rows := make([]onboardRow, len(res.Items))
		for i, it := range res.Items {
			w := strconv.Itoa(it.Line + 1)
			if it.Line < len(where) {
				w = where[it.Line]
			}
			rows[i] = onboardRow{w, it}
		}
		if werr := writeList(a.out, a.stdoutStyle(), onboardFormat, rows); werr != nil && err == nil {
			err = werr
		}
		counts := res.Counts()
		switch {
		case counts[offboarding.OutcomeUnknown] > 0:
			a.code = exitUnknown
		case counts[offboarding.OutcomeFailed] > 0 || !res.Finished():
			a.code = exitFailed
		}
		a.notef("%d done, %d already protected, %d failed, %d unknown, %d not finished; %d %s.\n",
			counts[offboarding.OutcomeDone], counts[offboarding.OutcomeAlready], counts[offboarding.OutcomeFailed],
			counts[offboarding.OutcomeUnknown], counts[offboarding.OutcomePending], len(res.Jobs), plural(len(res.Jobs), "job"))
	}
	switch {
	case err == nil:
		if res != nil && !res.Finished() {
			a.notef("Not finished: \"backuprestore onboard --resume\" continues the run.\n")
		}
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("interrupted (%w): \"backuprestore onboard --resume\" continues the run", err)
	case errors.Is(err, offboarding.ErrJournalInUse):
		return withCode(exitUsage, err)
	}
	return err
}
