package backuprestore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// Stage is a step of a run, in the order a unit goes through them.
type Stage int

// The stages of the offboarding and cancel runs.
const (
	// StageRead: the unit is read, to plan its way.
	StageRead Stage = iota + 1
	// StageRemove: the unit is removed from its policy (policy PATCH).
	StageRemove
	// StageWaitRemoved: waiting until the service has removed it
	// (empty policyId, unprotected).
	StageWaitRemoved
	// StageOffboard: the unit is offboarded (POST offboard); the answer,
	// showing offboardRequested, is its verification.
	StageOffboard
	// StageCancel: the unit's offboarding is cancelled (POST cancelOffboard).
	StageCancel
	// StageWaitCancelled: waiting until the cancellation completed
	// (unprotected), when RunOptions.WaitCancelled asks for it.
	StageWaitCancelled
)

// String names the stage ("read", "remove", "waitRemoved", …).
func (s Stage) String() string {
	switch s {
	case StageRead:
		return "read"
	case StageRemove:
		return "remove"
	case StageWaitRemoved:
		return "waitRemoved"
	case StageOffboard:
		return "offboard"
	case StageCancel:
		return "cancel"
	case StageWaitCancelled:
		return "waitCancelled"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Outcome is where a unit of a run ended.
type Outcome int

// The outcomes of a unit in a run.
const (
	// OutcomePending: not finished; a Resume continues it (the run ended
	// early, or a wait timed out).
	OutcomePending Outcome = iota
	// OutcomeDone: this run did it (with evidence: the service's answer,
	// or a read-back of a unit the run had read before in another state).
	OutcomeDone
	// OutcomeAlready: the unit was already in the target state; nothing
	// was sent for it.
	OutcomeAlready
	// OutcomeSkipped: not attempted, for the Reason given (a unit
	// protected by a dynamic rule, one whose offboarding was cancelled, …).
	OutcomeSkipped
	// OutcomeFailed: the service's answer (Err), or a request that never
	// reached the wire.
	OutcomeFailed
	// OutcomeUnknown: a write was sent and its outcome could not be
	// settled (ErrOutcomeUnknown); a Resume reads the unit back first.
	OutcomeUnknown
	// OutcomePlanned: a dry run's plan: the Stage the unit would go to.
	OutcomePlanned
)

// String names the outcome ("pending", "done", "already", …).
func (o Outcome) String() string {
	switch o {
	case OutcomePending:
		return "pending"
	case OutcomeDone:
		return "done"
	case OutcomeAlready:
		return "already"
	case OutcomeSkipped:
		return "skipped"
	case OutcomeFailed:
		return "failed"
	case OutcomeUnknown:
		return "unknown"
	case OutcomePlanned:
		return "planned"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// final reports whether a Resume leaves the outcome as it is.
func (o Outcome) final() bool {
	return o == OutcomeDone || o == OutcomeAlready || o == OutcomeSkipped || o == OutcomeFailed
}

// RunResult is one unit's outcome in a run.
type RunResult struct {
	// ID is the unit ID as given.
	ID string
	// Kind and PolicyID are the unit's as read at the start ("" when it
	// was in no policy).
	Kind     models.UnitKind
	PolicyID string
	// Stage is the last stage the unit reached (for a plan, the one it
	// would go to).
	Stage Stage
	// Outcome is where it ended.
	Outcome Outcome
	// Reason explains a Skipped, Already, Pending or Planned outcome.
	Reason string
	// Unit is the unit as last seen; nil when it could not be read.
	Unit *models.ProtectionUnit
	// Err is the failure of a Failed, Unknown (ErrOutcomeUnknown) or
	// Pending outcome: the service's *Error or *PolicyItemError, ErrNotSent,
	// ErrWaitTimedOut, the context's error.
	Err error
}

// RunResults is what a run reports: the tenant gate and one result per
// distinct unit ID, in input order.
type RunResults struct {
	// Action is "offboard" or "cancelOffboard".
	Action string
	// DryRun: nothing was written; outcomes are the plan.
	DryRun bool
	// Service is the tenant's service status as read at the gate; nil when
	// it was not read (ServiceErr says why: a missing permission, say).
	Service    *models.ServiceStatus
	ServiceErr error
	// Units holds one result per distinct unit ID.
	Units []RunResult
}

// Count returns how many units ended in each outcome.
func (r *RunResults) Count() map[Outcome]int {
	out := map[Outcome]int{}
	for _, u := range r.Units {
		out[u.Outcome]++
	}
	return out
}

// Failed returns the units that failed or whose outcome is unknown.
func (r *RunResults) Failed() []RunResult {
	var out []RunResult
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
	Kind     models.UnitKind
	PolicyID string
	Stage    Stage
	Outcome  Outcome
	Reason   string
	Units    []string
}

// Plan groups the units by kind, policy, stage, outcome and reason, in a
// stable order (by stage, then kind, policy, outcome, reason): the table
// to show before a run writes anything (from a dry run), or after it.
func (r *RunResults) Plan() []PlanGroup {
	type key struct {
		kind    models.UnitKind
		policy  string
		stage   Stage
		outcome Outcome
		reason  string
	}
	idx := map[key]int{}
	var out []PlanGroup
	for _, u := range r.Units {
		k := key{u.Kind, u.PolicyID, u.Stage, u.Outcome, u.Reason}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, PlanGroup{Kind: u.Kind, PolicyID: u.PolicyID, Stage: u.Stage, Outcome: u.Outcome, Reason: u.Reason})
		}
		out[i].Units = append(out[i].Units, u.ID)
	}
	slices.SortStableFunc(out, func(a, b PlanGroup) int {
		switch {
		case a.Stage != b.Stage:
			return int(a.Stage) - int(b.Stage)
		case a.Kind != b.Kind:
			return int(a.Kind) - int(b.Kind)
		case a.PolicyID != b.PolicyID:
			return strings.Compare(a.PolicyID, b.PolicyID)
		case a.Outcome != b.Outcome:
			return int(a.Outcome) - int(b.Outcome)
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	return out
}

// RunProgress is what OnProgress is told: the stage running, how many of
// the run's units are finished (any final outcome) out of the total, and
// the counts so far.
type RunProgress struct {
	Stage       Stage
	Done, Total int
	Counts      map[Outcome]int
}
