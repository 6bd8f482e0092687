package onboarding

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	backuprestore "github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// DefaultJobSize is how many targets one bulk addition job names unless
// Options.JobSize says otherwise (see the package documentation).
const DefaultJobSize = 5_000

// jobNamePrefix starts the display name of every job a run creates; the
// marker after it finds the job again after a lost answer.
const jobNamePrefix = "backuprestore onboard "

// Options configure a Run. The zero value is valid: an in-memory journal,
// jobs of DefaultJobSize, invalid input refused as a whole.
type Options struct {
	// Journal keeps the run's state for Resume (default: a new
	// offboarding.NewMemoryJournal, which lives as long as the Run).
	Journal offboarding.Journal
	// JobSize is the most targets per job: 1 to
	// backuprestore.MaxTargetsPerJob; 0 means DefaultJobSize. Another value
	// makes every call fail with backuprestore.ErrInvalidOptions.
	JobSize int
	// SkipInvalid reports invalid and duplicate lines and onboards the
	// rest, instead of refusing the whole input.
	SkipInvalid bool
	// Wait spaces the polls of the jobs (nil: the client's defaults,
	// 15 s growing to 5 min).
	Wait *backuprestore.JobWaitOptions
	// OnProgress, when set, is called after each job is created and after
	// each job finishes, with how many lines have a final outcome.
	OnProgress func(done, total int)
	// Operator, Source and CommandLine are recorded in the journal for
	// audit (who ran it; where the targets came from, e.g. a file name; the
	// command line that started it), with the machine's name.
	Operator, Source, CommandLine string
}

// Run onboards targets to a policy; New makes one. It is safe to use from
// one goroutine at a time.
type Run struct {
	c    *backuprestore.Client
	opts Options
	err  error
}

// New returns a run over c with opts (nil: the zero Options). An invalid
// option (JobSize out of range) is reported by every call of the run, with
// backuprestore.ErrInvalidOptions; so is a nil client.
func New(c *backuprestore.Client, opts *Options) *Run {
	r := &Run{c: c}
	if opts != nil {
		r.opts = *opts
	}
	switch {
	case c == nil:
		r.err = fmt.Errorf("onboarding: nil client: %w", backuprestore.ErrInvalidOptions)
	case r.opts.JobSize < 0 || r.opts.JobSize > backuprestore.MaxTargetsPerJob:
		r.err = fmt.Errorf("onboarding: Options.JobSize %d is outside 1..%d: %w", r.opts.JobSize, backuprestore.MaxTargetsPerJob, backuprestore.ErrInvalidOptions)
	}
	if r.opts.JobSize == 0 {
		r.opts.JobSize = DefaultJobSize
	}
	if r.opts.Journal == nil {
		r.opts.Journal = offboarding.NewMemoryJournal()
	}
	return r
}

// item is one distinct target's state in a run.
type item struct {
	target  string // trimmed, as given
	outcome offboarding.Outcome
	reason  offboarding.Reason
	stage   offboarding.Stage
	detail  string
	code    string
	err     error
	jobName string // the job named in an intent
	jobID   string
	final   bool
}

// state is a run in progress.
type state struct {
	r        *Run
	policyID string
	kind     models.UnitKind
	info     offboarding.RunInfo
	started  bool
	items    []*item
	byKey    map[string]*item
	lines    []lineRef
	jobs     []string
}

// lineRef maps an input line to its item, or marks it invalid or a
// duplicate.
type lineRef struct {
	target string
	it     *item
	// dupOf is the earlier line of a duplicate (-1 otherwise).
	dupOf int
	// invalid is the classification error of an invalid line.
	invalid error
}

func key(t string) string { return strings.ToLower(strings.TrimSpace(t)) }

// Onboard adds targets to the policy (its ID) through bulk addition jobs
// and waits for them. It reads the policy first (its workload decides what
// a target may be), checks every target, then creates the jobs one after
// another, each journaled before it is sent, and waits for each.
//
// It fails, sending nothing but the policy read, with the policy read's
// error (backuprestore.ErrNotFound for an unknown policy, naming it); with
// backuprestore.ErrInvalidTarget or backuprestore.ErrDuplicateTarget
// naming every bad line unless Options.SkipInvalid; with
// backuprestore.ErrInvalidOptions. Once it has started writing, per-line
// outcomes are in Results and the error is only for the run as a whole:
// the journal's failure, or the context ending (lines not finished are
// then Pending or Unknown, and Resume carries on).
func (r *Run) Onboard(ctx context.Context, policyID string, targets []string) (*Results, error) {
	if r.err != nil {
		return nil, r.err
	}
	pol, err := r.c.ProtectionPolicies().ByID(policyID).Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("onboarding: policy %q: %w", policyID, err)
	}
	kind := pol.Kind().UnitKind()
	if kind == models.KindUnknown {
		return nil, fmt.Errorf("onboarding: policy %q is of no known workload: %w", policyID, backuprestore.ErrUnexpectedResponse)
	}
	st := &state{r: r, policyID: pol.ID, kind: kind, byKey: map[string]*item{}}
	var bad []string
	var badErrs []error
	for i, t := range targets {
		ref := lineRef{target: t, dupOf: -1}
		if _, err := backuprestore.ClassifyTarget(kind, t); err != nil {
			ref.invalid = err
			bad = append(bad, fmt.Sprintf("line %d %q", i+1, t))
			badErrs = append(badErrs, err)
		} else if first, dup := st.byKey[key(t)]; dup {
			ref.it = first
			for j := range st.lines {
				if st.lines[j].it == first && st.lines[j].dupOf < 0 {
					ref.dupOf = j
					break
				}
			}
			bad = append(bad, fmt.Sprintf("line %d %q repeats line %d", i+1, t, ref.dupOf+1))
			badErrs = append(badErrs, backuprestore.ErrDuplicateTarget)
		} else {
			it := &item{target: strings.TrimSpace(t)}
			st.byKey[key(t)] = it
			st.items = append(st.items, it)
			ref.it = it
		}
		st.lines = append(st.lines, ref)
	}
	if len(bad) > 0 && !r.opts.SkipInvalid {
		shown := bad
		if len(shown) > 20 {
			shown = append(shown[:20:20], fmt.Sprintf("and %d more", len(bad)-20))
		}
		return st.results(), fmt.Errorf("onboarding: nothing was sent: %s: %w", strings.Join(shown, "; "), errors.Join(dedupErrs(badErrs)...))
	}
	ids := make([]string, len(st.items))
	for i, it := range st.items {
		ids[i] = it.target
	}
	host, _ := os.Hostname()
	st.info = offboarding.RunInfo{Action: offboarding.ActionOnboard, Policy: pol.ID, IDs: ids, Started: time.Now(),
		Operator: r.opts.Operator, Source: r.opts.Source, CommandLine: r.opts.CommandLine, Host: host}
	return st.execute(ctx)
}

func dedupErrs(errs []error) []error {
	var out []error
	for _, e := range errs {
		dup := false
		for _, o := range out {
			if errors.Is(e, backuprestore.ErrDuplicateTarget) && errors.Is(o, backuprestore.ErrDuplicateTarget) ||
				errors.Is(e, backuprestore.ErrInvalidTarget) && errors.Is(o, backuprestore.ErrInvalidTarget) {
				dup = true
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

// Resume continues the journal's latest run, which must be an onboarding
// run (else offboarding.ErrOtherAction): jobs in doubt are looked for by
// their name among the policy's jobs (found: waited for; not found:
// created again), created jobs are waited for, lines without a job get
// one. Lines already final are left as they are. Results cover the run's
// distinct targets (the input's invalid and duplicate lines are not kept).
func (r *Run) Resume(ctx context.Context) (*Results, error) {
	if r.err != nil {
		return nil, r.err
	}
	info, entries, err := r.opts.Journal.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("onboarding: resume: %w", err)
	}
	if info.Action != offboarding.ActionOnboard {
		return nil, fmt.Errorf("onboarding: resume: the latest run is an %s run: %w", info.Action, offboarding.ErrOtherAction)
	}
	pol, err := r.c.ProtectionPolicies().ByID(info.Policy).Get(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("onboarding: resume: policy %q: %w", info.Policy, err)
	}
	st := replay(r, info, entries)
	st.policyID, st.kind = pol.ID, pol.Kind().UnitKind()
	return st.execute(ctx)
}

// StatusOf reports an onboarding run as its journal holds it (Load or
// History.LoadRun), without any request: every target's outcome as last
// recorded; a target whose job was being created when the run stopped is
// Unknown (ReasonJobInDoubt), as Resume would find it before looking the
// job up. It is for a status command: what a run did, and what a resume
// would take on.
func StatusOf(info offboarding.RunInfo, entries []offboarding.Entry) *Results {
	st := replay(&Run{}, info, entries)
	st.policyID = info.Policy
	return st.results()
}

// replay rebuilds a run's state from its journal: its targets in order,
// each one's last outcome, the jobs created for them, and the jobs whose
// creation is in doubt.
func replay(r *Run, info offboarding.RunInfo, entries []offboarding.Entry) *state {
	st := &state{r: r, policyID: info.Policy, info: info, started: true, byKey: map[string]*item{}}
	for _, t := range info.IDs {
		it := &item{target: t}
		st.items = append(st.items, it)
		st.byKey[key(t)] = it
		st.lines = append(st.lines, lineRef{target: t, it: it, dupOf: -1})
	}
	jobs := map[string]bool{}
	for _, e := range entries {
		it := st.byKey[key(e.UnitID)]
		if it == nil {
			continue
		}
		it.stage = e.Stage
		if e.Intent {
			it.jobName, it.outcome, it.final = e.Detail, offboarding.OutcomeUnknown, false
			it.reason = ReasonJobInDoubt
			continue
		}
		it.outcome, it.reason, it.final = e.Outcome, e.Reason, e.Outcome.Final()
		if e.Err != nil {
			it.err = e.Err.Err()
		}
		if e.Stage == offboarding.StageAddJob && e.Outcome == offboarding.OutcomePending {
			it.jobID = e.RequestID // the job's ID (see record)
		}
		if e.Stage == offboarding.StageWaitJob {
			it.detail, it.jobID = e.Detail, e.RequestID
		}
		if it.jobID != "" && !jobs[it.jobID] {
			jobs[it.jobID] = true
			st.jobs = append(st.jobs, it.jobID)
		}
	}
	return st
}

// execute settles jobs in doubt, creates the missing jobs, waits for every
// job and finishes the run when every line is final.
func (st *state) execute(ctx context.Context) (*Results, error) {
	jobs := st.r.c.ProtectionPolicies().ByID(st.policyID).BulkAdditionJobs()
	if err := st.settleInDoubt(ctx, jobs); err != nil {
		return st.results(), err
	}
	var todo []*item
	for _, it := range st.items {
		if !it.final && it.jobID == "" && it.jobName == "" {
			todo = append(todo, it)
		}
	}
	for start := 0; start < len(todo); start += st.r.opts.JobSize {
		chunk := todo[start:min(start+st.r.opts.JobSize, len(todo))]
		if err := st.createJob(ctx, jobs, chunk); err != nil {
			return st.results(), err
		}
		st.progress()
	}
	for _, id := range st.jobs {
		if err := st.waitJob(ctx, jobs, id); err != nil {
			return st.results(), err
		}
		st.progress()
	}
	if st.started && st.allFinal() {
		counts := map[offboarding.Outcome]int{}
		for _, it := range st.items {
			counts[it.outcome]++
		}
		if err := st.r.opts.Journal.Finish(ctx, offboarding.RunEnd{Finished: time.Now(), Counts: counts}); err != nil {
			return st.results(), fmt.Errorf("onboarding: journal: %w", err)
		}
	}
	return st.results(), ctx.Err()
}

func (st *state) allFinal() bool {
	for _, it := range st.items {
		if !it.final {
			return false
		}
	}
	return true
}

func (st *state) progress() {
	if st.r.opts.OnProgress == nil {
		return
	}
	done := 0
	for _, it := range st.items {
		if it.final {
			done++
		}
	}
	st.r.opts.OnProgress(done, len(st.items))
}

// begin starts the run in the journal before its first write, recording
// the lines refused before anything was sent.
func (st *state) begin(ctx context.Context) error {
	if st.started {
		return nil
	}
	if err := st.r.opts.Journal.Start(ctx, st.info); err != nil {
		return fmt.Errorf("onboarding: journal: %w", err)
	}
	st.started = true
	// The journal may have assigned the run's ID (Results.RunID).
	if got, _, err := st.r.opts.Journal.Load(ctx); err == nil {
		st.info.ID = got.ID
	}
	return nil
}

// record journals entries for items (one per item).
func (st *state) record(ctx context.Context, items []*item, mk func(*item) offboarding.Entry) error {
	entries := make([]offboarding.Entry, len(items))
	now := time.Now()
	for i, it := range items {
		e := mk(it)
		e.UnitID, e.Kind, e.PolicyID, e.Operator, e.At = it.target, st.kind, st.policyID, st.r.opts.Operator, now
		entries[i] = e
	}
	if err := st.r.opts.Journal.Record(ctx, entries...); err != nil {
		return fmt.Errorf("onboarding: journal: %w", err)
	}
	return nil
}

// settleInDoubt looks for the jobs whose create was journaled without an
// outcome: found by name, their lines wait for them; not found, the lines
// get a new job.
func (st *state) settleInDoubt(ctx context.Context, jobs *backuprestore.BulkAdditionJobsRequestBuilder) error {
	byName := map[string][]*item{}
	for _, it := range st.items {
		if !it.final && it.jobID == "" && it.jobName != "" {
			byName[it.jobName] = append(byName[it.jobName], it)
		}
	}
	if len(byName) == 0 {
		return nil
	}
	found := map[string]string{}
	for j, err := range jobs.All(ctx, nil) {
		if err != nil {
			return fmt.Errorf("onboarding: look for the jobs in doubt: %w", err)
		}
		if _, ok := byName[j.DisplayName]; ok {
			found[j.DisplayName] = j.ID
		}
	}
	for name, its := range byName {
		id, ok := found[name]
		if !ok {
			for _, it := range its {
				it.jobName, it.outcome, it.reason = "", offboarding.OutcomePending, ""
			}
			continue
		}
		if err := st.record(ctx, its, func(*item) offboarding.Entry {
			return offboarding.Entry{Stage: offboarding.StageAddJob, Outcome: offboarding.OutcomePending, Reason: ReasonJobPending,
				Applied: true, Detail: name, RequestID: id}
		}); err != nil {
			return err
		}
		for _, it := range its {
			it.jobID, it.outcome, it.reason = id, offboarding.OutcomePending, ReasonJobPending
		}
		st.jobs = append(st.jobs, id)
	}
	return nil
}

// createJob journals the intent for chunk, creates its job and journals
// the outcome.
func (st *state) createJob(ctx context.Context, jobs *backuprestore.BulkAdditionJobsRequestBuilder, chunk []*item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := st.begin(ctx); err != nil {
		return err
	}
	name := jobNamePrefix + backuprestore.NewJobMarker()
	targets := make([]string, len(chunk))
	for i, it := range chunk {
		targets[i] = it.target
	}
	body, err := backuprestore.NewBulkAdditionJob(st.kind, name, targets)
	if err != nil {
		return fmt.Errorf("onboarding: %w", err) // cannot happen: the targets were checked
	}
	if err := st.record(ctx, chunk, func(*item) offboarding.Entry {
		return offboarding.Entry{Stage: offboarding.StageAddJob, Intent: true, Detail: name, Sent: time.Now()}
	}); err != nil {
		return err
	}
	for _, it := range chunk {
		it.jobName = name
	}
	job, err := jobs.CreateJob(ctx, body)
	switch {
	case err == nil:
		if err := st.record(ctx, chunk, func(*item) offboarding.Entry {
			return offboarding.Entry{Stage: offboarding.StageAddJob, Outcome: offboarding.OutcomePending, Reason: ReasonJobPending,
				Applied: true, Detail: name, RequestID: job.ID}
		}); err != nil {
			return err
		}
		for _, it := range chunk {
			it.jobID, it.outcome, it.reason, it.stage = job.ID, offboarding.OutcomePending, ReasonJobPending, offboarding.StageAddJob
		}
		st.jobs = append(st.jobs, job.ID)
		return nil
	case errors.Is(err, backuprestore.ErrOutcomeUnknown) || (errors.Is(err, backuprestore.ErrNotSent) && ctx.Err() != nil):
		// The intent stays open: Resume looks for the job by its name.
		for _, it := range chunk {
			it.outcome, it.reason, it.err = offboarding.OutcomeUnknown, ReasonJobInDoubt, err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
	rec := offboarding.RecordError(err)
	if err := st.record(ctx, chunk, func(*item) offboarding.Entry {
		return offboarding.Entry{Stage: offboarding.StageAddJob, Outcome: offboarding.OutcomeFailed, Reason: ReasonJobRefused, Err: rec, Detail: name}
	}); err != nil {
		return err
	}
	for _, it := range chunk {
		it.outcome, it.reason, it.err, it.final, it.jobName = offboarding.OutcomeFailed, ReasonJobRefused, err, true, ""
	}
	return nil
}

// waitJob waits for a job and settles its lines from its failures.
func (st *state) waitJob(ctx context.Context, jobs *backuprestore.BulkAdditionJobsRequestBuilder, id string) error {
	var its []*item
	for _, it := range st.items {
		if !it.final && it.jobID == id {
			its = append(its, it)
		}
	}
	if len(its) == 0 {
		return nil
	}
	job, err := jobs.ByID(id).Wait(ctx, st.r.opts.Wait)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for _, it := range its {
			it.err = err // still pending: Resume waits again
		}
		return nil
	}
	fails := map[string]models.JobItemFailure{}
	unattributed := 0
	for _, f := range job.Failures() {
		if f.Input == "" {
			unattributed++
			continue
		}
		fails[key(f.Input)] = f
	}
	var inPolicy map[string]bool
	if unattributed > 0 {
		if inPolicy, err = st.policyArtifacts(ctx); err != nil {
			return err
		}
	}
	for _, it := range its {
		f, failed := fails[key(it.target)]
		switch {
		case failed:
			it.code, it.detail = f.Code, f.Message
			switch {
			case strings.EqualFold(f.Code, backuprestore.CodeProtectionUnitAlreadyExists) && strings.Contains(f.Message, st.policyID):
				it.outcome, it.reason = offboarding.OutcomeAlready, ReasonAlreadyInPolicy
			case strings.EqualFold(f.Code, backuprestore.CodeProtectionUnitAlreadyExists):
				it.outcome, it.reason = offboarding.OutcomeAlready, ReasonInOtherPolicy
			case strings.HasSuffix(strings.ToLower(f.Code), "notfound"):
				it.outcome, it.reason = offboarding.OutcomeFailed, ReasonNotFound
			default:
				it.outcome, it.reason = offboarding.OutcomeFailed, ReasonItemFailed
			}
			if it.outcome == offboarding.OutcomeFailed {
				it.err = &ItemError{Target: it.target, Code: f.Code, Message: f.Message, JobID: id}
			}
		case unattributed > 0 && !inPolicy[key(it.target)]:
			it.outcome, it.reason = offboarding.OutcomeFailed, ReasonItemFailed
			it.detail = fmt.Sprintf("the job reported %d failures without naming their items, and the policy does not hold this target", unattributed)
			it.err = &ItemError{Target: it.target, Code: "Unattributed", Message: it.detail, JobID: id}
		default:
			it.outcome, it.reason, it.err = offboarding.OutcomeDone, ReasonProtected, nil
		}
		it.final, it.stage = true, offboarding.StageWaitJob
	}
	return st.record(ctx, its, func(it *item) offboarding.Entry {
		e := offboarding.Entry{Stage: offboarding.StageWaitJob, Outcome: it.outcome, Reason: it.reason, Detail: it.detail,
			RequestID: id, Applied: it.outcome == offboarding.OutcomeDone}
		if it.err != nil {
			e.Err = offboarding.RecordError(it.err)
		}
		return e
	})
}

// policyArtifacts lists the policy's units by every name a target can
// take (site ID and URL, directory object ID and address), lower case.
func (st *state) policyArtifacts(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	for u, err := range st.r.c.ProtectionPolicies().ByID(st.policyID).Units(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("onboarding: list the policy's units: %w", err)
		}
		for _, n := range []string{u.SiteID, u.SiteWebURL, u.DirectoryObjectID, u.Email} {
			if n != "" {
				out[key(n)] = true
			}
		}
	}
	return out, nil
}

// results renders every line's result.
func (st *state) results() *Results {
	res := &Results{RunID: st.info.ID, PolicyID: st.policyID, Jobs: append([]string(nil), st.jobs...), Items: make([]Result, len(st.lines))}
	for i, l := range st.lines {
		r := Result{Line: i, Target: l.target}
		switch {
		case l.invalid != nil:
			r.Outcome, r.Reason, r.Err, r.Detail = offboarding.OutcomeFailed, ReasonInvalidTarget, l.invalid, l.invalid.Error()
		case l.dupOf >= 0:
			r.Outcome, r.Reason = offboarding.OutcomeSkipped, ReasonDuplicateTarget
			r.Detail = fmt.Sprintf("line %d has the same target", l.dupOf+1)
			r.Err = fmt.Errorf("onboarding: line %d %q repeats line %d: %w", i+1, l.target, l.dupOf+1, backuprestore.ErrDuplicateTarget)
			r.JobID = l.it.jobID
		default:
			it := l.it
			r.Outcome, r.Reason, r.Detail, r.Code, r.Err, r.JobID = it.outcome, it.reason, it.detail, it.code, it.err, it.jobID
		}
		res.Items[i] = r
	}
	return res
}
