package offboarding

import (
	"fmt"
	"strconv"
)

// Stage is a step of a run, in the order a unit goes through them.
type Stage int

// The stages of the offboarding and cancel runs.
const (
	// StageRead: the unit is read, to plan its way.
	StageRead Stage = iota + 1
	// StageRemove: the unit is removed from its policy (policy PATCH).
	StageRemove
	// StageWaitRemoved: waiting until the service has removed it (empty
	// policyId, unprotected).
	StageWaitRemoved
	// StageOffboard: the unit is offboarded (POST offboard); the answer,
	// showing offboardRequested, is its verification.
	StageOffboard
	// StageCancel: the unit's offboarding is cancelled (POST cancelOffboard).
	StageCancel
	// StageWaitCancelled: waiting until the cancellation completed
	// (unprotected), when Options.WaitCancelled asks for it.
	StageWaitCancelled
	// StageAddJob: an onboarding run creates the bulk addition job that
	// names the target (package onboarding).
	StageAddJob
	// StageWaitJob: an onboarding run waits for the target's job to finish
	// and reads the target's outcome from it.
	StageWaitJob
	// StageRuleChange: an offboarding run with Options.ViaRules deletes
	// the dynamic rule that protects the unit (deleteAndUnprotect), then
	// waits until the unit is out of its policy.
	StageRuleChange
)

var stageNames = [...]string{
	StageRead:          "read",
	StageRemove:        "remove",
	StageWaitRemoved:   "waitRemoved",
	StageOffboard:      "offboard",
	StageCancel:        "cancel",
	StageWaitCancelled: "waitCancelled",
	StageAddJob:        "addJob",
	StageWaitJob:       "waitJob",
	StageRuleChange:    "ruleChange",
}

// String names the stage ("read", "remove", "waitRemoved", …), or
// "Stage(n)" for a value that is not one of the constants.
func (s Stage) String() string {
	if s > 0 && int(s) < len(stageNames) {
		return stageNames[s]
	}
	return "Stage(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the stage's name; it fails for a value that is not
// one of the constants (0 included).
func (s Stage) MarshalText() ([]byte, error) {
	if s > 0 && int(s) < len(stageNames) {
		return []byte(stageNames[s]), nil
	}
	return nil, fmt.Errorf("offboarding: stage %d has no name", int(s))
}

// UnmarshalText reads a name MarshalText wrote; it fails on any other text.
func (s *Stage) UnmarshalText(b []byte) error {
	for i, n := range stageNames {
		if i > 0 && n == string(b) {
			*s = Stage(i)
			return nil
		}
	}
	return fmt.Errorf("offboarding: %q is not a stage", b)
}
