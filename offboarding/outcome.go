package offboarding

import (
	"fmt"
	"strconv"
)

// Outcome is where a unit of a run ended (or stands, while it runs).
type Outcome int

// The outcomes of a unit in a run.
const (
	// OutcomePending: not finished; a Resume continues it (the run ended
	// early, or a wait timed out). Nothing of this run is in doubt.
	OutcomePending Outcome = iota
	// OutcomeDone: this run did it, with evidence: the service's answer,
	// or a read-back showing this run's mark on the unit.
	OutcomeDone
	// OutcomeAlready: the unit was already in the target state; nothing
	// was sent for it.
	OutcomeAlready
	// OutcomeSkipped: not attempted, for the Reason given (a unit
	// protected by a dynamic rule, one whose offboarding was cancelled, …).
	OutcomeSkipped
	// OutcomeFailed: the service's answer (Err), or a request that can
	// never be sent (a malformed ID).
	OutcomeFailed
	// OutcomeUnknown: a write was sent, its answer was lost, and nothing
	// settled it (backuprestore.ErrOutcomeUnknown); a Resume reads the unit
	// back first.
	OutcomeUnknown
	// OutcomePlanned: a dry run's plan: Stage is where the unit would go.
	OutcomePlanned
)

var outcomeNames = [...]string{
	OutcomePending: "pending",
	OutcomeDone:    "done",
	OutcomeAlready: "already",
	OutcomeSkipped: "skipped",
	OutcomeFailed:  "failed",
	OutcomeUnknown: "unknown",
	OutcomePlanned: "planned",
}

// String names the outcome ("pending", "done", "already", …), or
// "Outcome(n)" for a value that is not one of the constants.
func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Final reports whether a Resume leaves the outcome as it is: Done,
// Already, Skipped and Failed are final; Pending, Unknown and Planned are
// not.
func (o Outcome) Final() bool {
	return o == OutcomeDone || o == OutcomeAlready || o == OutcomeSkipped || o == OutcomeFailed
}

// MarshalText writes the outcome's name; it fails for a value that is not
// one of the constants.
func (o Outcome) MarshalText() ([]byte, error) {
	if o >= 0 && int(o) < len(outcomeNames) {
		return []byte(outcomeNames[o]), nil
	}
	return nil, fmt.Errorf("offboarding: outcome %d has no name", int(o))
}

// UnmarshalText reads a name MarshalText wrote; it fails on any other text.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, n := range outcomeNames {
		if n == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("offboarding: %q is not an outcome", b)
}
