package offboarding

import (
	"cmp"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// Result is one unit's outcome in a run.
type Result struct {
	// ID is the unit ID as given.
	ID string
	// Kind, Name and PolicyID are the unit's as read at the start (Name:
	// the site's name or URL, the person's display name or address;
	// PolicyID "" when it was in no policy); PolicyName is its policy's
	// display name ("" when unknown).
	Kind       models.UnitKind
	Name       string
	PolicyID   string
	PolicyName string
	// Stage is the last stage the unit reached (for a plan, the one it
	// would go to).
	Stage Stage
	// Outcome is where it ended; Reason and Detail say why (Explain puts
	// them in words).
	Outcome Outcome
	Reason  Reason
	Detail  string
	// Unit is the unit as last seen; nil when it could not be read.
	Unit *models.ProtectionUnit
	// Err is the failure of a Failed, Unknown (backuprestore.ErrOutcomeUnknown)
	// or Pending outcome: the service's *backuprestore.Error or
	// *backuprestore.PolicyItemError, ErrNotSent, ErrWaitTimedOut, the
	// context's error. After a reload from a journal, errors.Is and
	// errors.As still match it (see ErrorRecord).
	Err error
	// RequestID is the request-id of the answer to the unit's last write,
	// Sent when that write went out, Operator who sent it ("" and zero when
	// the run wrote nothing to the unit).
	RequestID string
	Sent      time.Time
	Operator  string
	// Rules are, for a unit protected by a dynamic rule, the dynamic rules
	// of its policy: the one that protects it when there is one, the
	// candidates otherwise (the service does not say which rule added a
	// unit). Nil for other units.
	Rules []*models.ProtectionRule
}

// RuleChange is a dynamic rule's deleteAndUnprotect: the one a run with
// Options.ViaRules performs, or would (a dry run), and its blast radius.
type RuleChange struct {
	// PolicyID is the rule's policy; Rule the rule as read.
	PolicyID string
	Rule     *models.ProtectionRule
	// Unprotects are the IDs of every unit of the policy that carries
	// dynamicRule: the change resets that source on all of them (a unit
	// also added by hand stays protected, by hand). InRun are those of the
	// run, Others the rest: units the admin did not name.
	Unprotects, InRun, Others []string
	// Done: the run sent the change and the service accepted it (or the
	// rule was already being deleted).
	Done bool
	// Err is why the change failed, nil otherwise.
	Err error
}

// Explain returns the reason in words, with its detail.
func (r Result) Explain() string {
	switch {
	case r.Detail == "":
		return r.Reason.String()
	case r.Reason == ReasonNone:
		return r.Detail
	}
	return r.Reason.String() + " (" + r.Detail + ")"
}

// Results is what a run reports: the tenant gate and one result per
// distinct unit ID, in input order.
type Results struct {
	// RunID is the run's ID in its journal ("" for a dry run).
	RunID string
	// Action is what the run does.
	Action Action
	// DryRun: nothing was written; outcomes are the plan.
	DryRun bool
	// Service is the tenant's service status as read at the gate; nil when
	// it was not read (ServiceErr says why: a missing permission, say).
	Service    *models.ServiceStatus
	ServiceErr error
	// Units holds one result per distinct unit ID.
	Units []Result
	// RuleChanges are the dynamic rules the run changes (Options.ViaRules)
	// or would change (a dry run with ViaRules), each with every unit it
	// unprotects. Empty without ViaRules.
	RuleChanges []RuleChange
}

// Count returns how many units are in each outcome.
func (r *Results) Count() map[Outcome]int {
	out := map[Outcome]int{}
	for _, u := range r.Units {
		out[u.Outcome]++
	}
	return out
}

// Failed returns the failures (see the backuprestore package doc,
// "Failed"): units whose Outcome is Failed or Unknown. Skipped, Already and
// Pending units are not failures.
func (r *Results) Failed() []Result {
	var out []Result
	for _, u := range r.Units {
		if u.Outcome == OutcomeFailed || u.Outcome == OutcomeUnknown {
			out = append(out, u)
		}
	}
	return out
}

// PlanGroup is a group of units that share a kind, a policy, a stage, an
// outcome and a reason: one row of a plan or summary table.
type PlanGroup struct {
	Kind       models.UnitKind
	PolicyID   string
	PolicyName string
	Stage      Stage
	Outcome    Outcome
	Reason     Reason
	Detail     string
	Units      []string
}

// Explain returns the group's reason in words, with its detail.
func (g PlanGroup) Explain() string { return Result{Reason: g.Reason, Detail: g.Detail}.Explain() }

// Plan groups the units by kind, policy, stage, outcome and reason (with
// its detail), in a stable order (by stage, then kind, policy, outcome,
// reason): the table to
// show before a run writes anything (from a dry run), or after it.
func (r *Results) Plan() []PlanGroup {
	type key struct {
		kind    models.UnitKind
		policy  string
		stage   Stage
		outcome Outcome
		reason  Reason
		detail  string
	}
	idx := map[key]int{}
	var out []PlanGroup
	for _, u := range r.Units {
		k := key{u.Kind, u.PolicyID, u.Stage, u.Outcome, u.Reason, u.Detail}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, PlanGroup{Kind: u.Kind, PolicyID: u.PolicyID, PolicyName: u.PolicyName, Stage: u.Stage, Outcome: u.Outcome, Reason: u.Reason, Detail: u.Detail})
		}
		out[i].Units = append(out[i].Units, u.ID)
	}
	slices.SortStableFunc(out, func(a, b PlanGroup) int {
		return cmp.Or(cmp.Compare(a.Stage, b.Stage), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.PolicyID, b.PolicyID),
			cmp.Compare(a.Outcome, b.Outcome), cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.Detail, b.Detail))
	})
	return out
}

// Progress is what Options.OnProgress is told: the stage running, how many
// of the run's units are finished (any final outcome) out of the total,
// how many of the units the stage started with have left it, and the
// counts so far.
type Progress struct {
	Stage       Stage
	Done, Total int
	// StageDone of StageTotal units of the running stage have left it (on
	// to the next stage, or finished); it advances with every batch.
	StageDone, StageTotal int
	Counts                map[Outcome]int
}
