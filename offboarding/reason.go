package offboarding

// Reason says why a unit's outcome is what it is: why it was skipped, why
// it is already done, where a pending unit stands, what a plan would do.
// Its value is a stable code, kept in journals and safe to compare;
// String gives the words for a person. Result.Detail carries the specifics
// that go with it (the unit's status, say).
type Reason string

// The reasons a run gives. A journal written by a later version may hold
// codes this one does not know; String returns them as they are.
const (
	// ReasonNone: the outcome needs no explanation (a plain Done or Failed).
	ReasonNone Reason = ""

	// A dry run's plan.
	ReasonWouldRemove        Reason = "wouldRemove"
	ReasonWouldWaitRemoved   Reason = "wouldWaitRemoved"
	ReasonWouldOffboard      Reason = "wouldOffboard"
	ReasonWouldCancel        Reason = "wouldCancel"
	ReasonWouldWaitCancelled Reason = "wouldWaitCancelled"

	// What the read found.
	ReasonUnreadable         Reason = "unreadable"
	ReasonServiceLocked      Reason = "serviceLocked"
	ReasonAlreadyOffboarding Reason = "alreadyOffboarding"
	ReasonCancelRequested    Reason = "cancelRequested"
	ReasonNotUnprotected     Reason = "notUnprotected"
	ReasonDynamicRule        Reason = "dynamicRule"
	// ReasonViaRule: with Options.ViaRules, the unit leaves its policy
	// through its dynamic rule's deleteAndUnprotect (Detail names the
	// rule; Results.RuleChanges has every unit the change unprotects).
	ReasonViaRule Reason = "viaRule"
	// ReasonRuleAmbiguous: with Options.ViaRules, the unit's policy has no
	// dynamic rule, or several, so the rule that protects it cannot be
	// told (the service does not say which rule added a unit); nothing is
	// changed.
	ReasonRuleAmbiguous Reason = "ruleAmbiguous"
	// ReasonRuleUnprotected: the rule change is done (the rule deleted,
	// the unit's dynamicRule source reset); the unit goes on to be removed
	// and offboarded.
	ReasonRuleUnprotected Reason = "ruleUnprotected"
	// ReasonStillRuleProtected: after its rule was deleted, the unit still
	// carries dynamicRule (another rule selects it): skipped.
	ReasonStillRuleProtected Reason = "stillRuleProtected"
	ReasonUnknownKind        Reason = "unknownKind"
	ReasonUnknownState       Reason = "unknownState"
	ReasonReadBack           Reason = "readBack"
	ReasonInDoubt            Reason = "inDoubt"

	// Removal and offboarding.
	ReasonRemovalRequested        Reason = "removalRequested"
	ReasonRemoved                 Reason = "removed"
	ReasonAlreadyRemoved          Reason = "alreadyRemoved"
	ReasonRemovalAlreadyRequested Reason = "removalAlreadyRequested"
	ReasonNotSent                 Reason = "notSent"
	ReasonRequeued                Reason = "requeued"
	ReasonStillWaiting            Reason = "stillWaiting"

	// Cancelling.
	ReasonCancellationRequested      Reason = "cancellationRequested"
	ReasonCancelAlreadyRequested     Reason = "cancelAlreadyRequested"
	ReasonCancelCompleted            Reason = "cancelCompleted"
	ReasonCancelCompletedPerhapsOurs Reason = "cancelCompletedPerhapsOurs"
	ReasonAlreadyCancelled           Reason = "alreadyCancelled"
	ReasonNotOffboarding             Reason = "notOffboarding"
	ReasonTooLateToCancel            Reason = "tooLateToCancel"
)

var reasonWords = map[Reason]string{
	ReasonWouldRemove:        "would be removed from its policy, then offboarded",
	ReasonWouldWaitRemoved:   "removal requested; would wait for it, then offboard",
	ReasonWouldOffboard:      "removed from its policy; would be offboarded",
	ReasonWouldCancel:        "offboarding; would be cancelled",
	ReasonWouldWaitCancelled: "cancellation requested; would wait for it to complete",

	ReasonUnreadable:         "could not be read; a resume reads it again",
	ReasonServiceLocked:      "the tenant's backup service does not allow protection changes",
	ReasonAlreadyOffboarding: "already offboarding or offboarded",
	ReasonCancelRequested:    "its offboarding was just cancelled (cancelOffboardRequested): not offboarded again",
	ReasonNotUnprotected:     "in no policy but not unprotected yet: cannot be offboarded yet",
	ReasonDynamicRule:        "protected by a dynamic inclusion rule: it leaves the policy only through the rule",
	ReasonViaRule:            "protected by a dynamic inclusion rule: would leave through the rule's deleteAndUnprotect (Options.ViaRules)",
	ReasonRuleAmbiguous:      "protected by a dynamic inclusion rule that cannot be told apart: the policy has no dynamic rule, or several",
	ReasonRuleUnprotected:    "its dynamic rule was deleted and unprotected it",
	ReasonStillRuleProtected: "still protected by a dynamic inclusion rule after its rule was deleted",
	ReasonUnknownKind:        "its kind (site, drive or mailbox) cannot be told, so neither can its policy's",
	ReasonUnknownState:       "in a state this run does not know",
	ReasonReadBack:           "done by this run: its answer was lost, and a read-back shows this run's change",
	ReasonInDoubt:            "a write was sent and its outcome was not recorded: it is read back on resume",

	ReasonRemovalRequested:        "removal from its policy requested",
	ReasonRemoved:                 "removed from its policy",
	ReasonAlreadyRemoved:          "already removed from its policy",
	ReasonRemovalAlreadyRequested: "its removal was already requested",
	ReasonNotSent:                 "not sent: a resume tries again",
	ReasonRequeued:                "offboard refused (403) while the removal settles: waiting again",
	ReasonStillWaiting:            "still waiting: a resume waits on",

	ReasonCancellationRequested:      "cancellation requested",
	ReasonCancelAlreadyRequested:     "its cancellation was already requested",
	ReasonCancelCompleted:            "cancelled by this run; the cancellation completed",
	ReasonCancelCompletedPerhapsOurs: "cancelled and completed, perhaps by this run (its answer was lost)",
	ReasonAlreadyCancelled:           "its offboarding was already cancelled",
	ReasonNotOffboarding:             "not offboarding",
	ReasonTooLateToCancel:            "already offboarded: too late to cancel",
}

// String returns the reason in words, or its code when it is not one of
// the constants (a journal written by a later version), or "" for
// ReasonNone.
func (r Reason) String() string {
	if w, ok := reasonWords[r]; ok {
		return w
	}
	return string(r)
}

// Known reports whether r is ReasonNone or one of the constants.
func (r Reason) Known() bool {
	_, ok := reasonWords[r]
	return ok || r == ReasonNone
}
