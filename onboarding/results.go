package onboarding

import (
	"strings"

	backuprestore "github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/offboarding"
)

// The reasons of an onboarding result (offboarding.Reason values, so that
// every journal records them).
const (
	// ReasonProtected: this run's job added the target to the policy
	// (OutcomeDone).
	ReasonProtected offboarding.Reason = "protected"
	// ReasonAlreadyInPolicy: the target was already protected by this
	// policy (OutcomeAlready).
	ReasonAlreadyInPolicy offboarding.Reason = "alreadyInPolicy"
	// ReasonInOtherPolicy: the target is protected by another policy
	// (OutcomeAlready; Detail names it). A unit belongs to one policy.
	ReasonInOtherPolicy offboarding.Reason = "inOtherPolicy"
	// ReasonNotFound: the tenant has no such site or person (OutcomeFailed;
	// the service's code, e.g. SiteUrlNotFound, in Result.Code).
	ReasonNotFound offboarding.Reason = "notFound"
	// ReasonItemFailed: the job could not add the target for another
	// reason the service gave (OutcomeFailed; Code and Detail).
	ReasonItemFailed offboarding.Reason = "itemFailed"
	// ReasonJobRefused: the service refused to create the target's job
	// (OutcomeFailed; Err is its answer).
	ReasonJobRefused offboarding.Reason = "jobRefused"
	// ReasonJobInDoubt: the job's create was sent and its answer lost, and
	// reading back could not settle it (OutcomeUnknown; Resume reads back
	// again before creating anything).
	ReasonJobInDoubt offboarding.Reason = "jobInDoubt"
	// ReasonJobPending: the job was created and has not finished (or the
	// wait ended first): OutcomePending; Resume waits for it.
	ReasonJobPending offboarding.Reason = "jobPending"
	// ReasonInvalidTarget: neither a site URL or ID (SharePoint) nor an
	// address or directory object ID (OneDrive, Exchange) (OutcomeFailed).
	ReasonInvalidTarget offboarding.Reason = "invalidTarget"
	// ReasonDuplicateTarget: the same target appears on an earlier line
	// (OutcomeSkipped; the earlier line carries its result).
	ReasonDuplicateTarget offboarding.Reason = "duplicateTarget"
)

// Result is one input line's outcome.
type Result struct {
	// Line is the target's position in the input (0-based).
	Line int
	// Target is the input as given.
	Target string
	// Outcome and Reason say what happened (see the Reason… constants).
	Outcome offboarding.Outcome
	Reason  offboarding.Reason
	// Detail is the service's message, or which policy or line is meant.
	Detail string
	// Code is the service's item code (SiteUrlNotFound,
	// ProtectionUnitAlreadyExists, …), "" when none.
	Code string
	// Err is set for Failed and Unknown outcomes: *ItemError for a job's
	// item, the client's error otherwise (errors.Is with the client's
	// sentinels works on both).
	Err error
	// JobID is the bulk addition job that named the target, "" when none.
	JobID string
}

// Results are a run's results, one per input line, in input order.
type Results struct {
	// RunID is the journal's run ID ("" when nothing was written).
	RunID string
	// PolicyID is the policy onboarded to.
	PolicyID string
	// Items are the results, one per input line.
	Items []Result
	// Jobs are the IDs of the jobs the run created (or found again), in
	// order.
	Jobs []string
}

// Counts returns how many lines ended in each outcome.
func (r *Results) Counts() map[offboarding.Outcome]int {
	out := map[offboarding.Outcome]int{}
	for _, it := range r.Items {
		out[it.Outcome]++
	}
	return out
}

// Failed returns the lines that failed or whose outcome is unknown.
func (r *Results) Failed() []Result {
	var out []Result
	for _, it := range r.Items {
		if it.Outcome == offboarding.OutcomeFailed || it.Outcome == offboarding.OutcomeUnknown {
			out = append(out, it)
		}
	}
	return out
}

// Finished reports whether every line has a final outcome.
func (r *Results) Finished() bool {
	for _, it := range r.Items {
		if !it.Outcome.Final() {
			return false
		}
	}
	return true
}

// ItemError is a job item the service could not add: its code, message and
// the input it came from. errors.Is matches backuprestore.ErrNotFound for a
// code ending in "NotFound" and backuprestore.ErrAlreadyProtected for
// ProtectionUnitAlreadyExists.
type ItemError struct {
	Target, Code, Message, JobID string
}

// Error describes the item's failure; it never panics.
func (e *ItemError) Error() string {
	if e == nil {
		return "onboarding: <nil> *ItemError"
	}
	return "onboarding: " + e.Target + ": " + e.Code + ": " + e.Message + " (job " + e.JobID + ")"
}

// Is matches the client's sentinels by code.
func (e *ItemError) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case backuprestore.ErrNotFound:
		return strings.HasSuffix(strings.ToLower(e.Code), "notfound")
	case backuprestore.ErrAlreadyProtected:
		return strings.EqualFold(e.Code, backuprestore.CodeProtectionUnitAlreadyExists)
	}
	return false
}
