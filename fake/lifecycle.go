package fake

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// Defaults of the policy side of the lifecycle, used when the matching
// Options field is zero.
const (
	// DefaultProtectDelay is how long a unit stays in protectRequested (or
	// unprotectRequested) before it becomes protected (or unprotected). The
	// product documentation speaks of 15 to 60 minutes for a new policy to
	// show Active; 15 minutes is the emulator's choice.
	DefaultProtectDelay = 15 * time.Minute
	// DefaultRemovalDelay is how long a unit stays in removeRequested
	// before the removal completes. The service does not document it; ten
	// minutes is the emulator's choice.
	DefaultRemovalDelay = 10 * time.Minute
	// DefaultMaxDeltaItems is the most items one policy PATCH's …@delta
	// array may hold. The service documents no cap for the PATCH; it caps
	// a policy create at 50 units and a restore-session PATCH at 50
	// artifacts, so the emulator caps the PATCH at 50 too.
	DefaultMaxDeltaItems = 50
)

// DeltaErrorShape is how a policy PATCH reports an item of its …@delta
// array that failed. The service's documentation shows two shapes that
// disagree, and a client has to understand both; the emulator writes one of
// them, chosen by Options.DeltaErrorShape or Server.SetDeltaErrorShape.
type DeltaErrorShape int

// The two shapes of a failed @delta item.
const (
	// DeltaErrorDataModification is the shape of the update pages'
	// examples (the default): an OData @Core.DataModificationException
	// instance annotation and a correlation @contentId, next to the item's
	// own key:
	//
	//	{"@contentId":"…","@Core.DataModificationException":{"info":{"code":"Invalid",
	//	 "message":"The identifier to be removed from the Protection Policy does not exist"},
	//	 "failedOperation":"remove","responseCode":409},"id":"<unitId>"}
	//
	// info.code is always "Invalid" and responseCode always 409, as in the
	// only documented instance; info.message says what was wrong.
	// failedOperation is "remove" for a removal and "add" for an addition
	// (whose key is siteId or directoryObjectId instead of id).
	DeltaErrorDataModification DeltaErrorShape = iota
	// DeltaErrorPublicError is the error-codes page's shape, as the
	// emulator renders it: an item without a status, carrying the
	// request's key and a publicError "error" whose code is
	// ProtectionUnitNotFound (removals) or ProtectionUnitAlreadyExists
	// (additions) with the page's message; details[0], when present, names
	// the emulator's finer reason (ProtectionUnitNotInPolicy,
	// ProtectionUnitAlreadyRemoved, ProtectionUnitRemoveAlreadyRequested,
	// ProtectionUnitNotRemovable):
	//
	//	{"id":"<unitId>","error":{"code":"ProtectionUnitNotFound",
	//	 "message":"ProtectionUnit level error: ProtectionUnit doesn't exist.","target":"<unitId>",
	//	 "details":[],"innerError":null}}
	DeltaErrorPublicError
)

// String returns "dataModificationException" or "publicError", the names
// ParseDeltaErrorShape, the control API and cmd/emulator's
// -delta-error-shape accept.
func (d DeltaErrorShape) String() string {
	switch d {
	case DeltaErrorDataModification:
		return "dataModificationException"
	case DeltaErrorPublicError:
		return "publicError"
	}
	return "DeltaErrorShape(" + itoa(int(d)) + ")"
}

// valid reports whether d is one of the two shapes.
func (d DeltaErrorShape) valid() bool {
	return d == DeltaErrorDataModification || d == DeltaErrorPublicError
}

// ParseDeltaErrorShape maps a shape's name (as String writes it, any case)
// to the shape. It fails, naming the accepted names, for anything else.
func ParseDeltaErrorShape(s string) (DeltaErrorShape, error) {
	for _, d := range []DeltaErrorShape{DeltaErrorDataModification, DeltaErrorPublicError} {
		if strings.EqualFold(strings.TrimSpace(s), d.String()) {
			return d, nil
		}
	}
	return 0, &optionError{"unknown delta error shape " + quote(s) + " (want dataModificationException or publicError)"}
}

// optionError is the error of a bad setting.
type optionError struct{ msg string }

// Error implements error.
func (e *optionError) Error() string { return "fake: " + e.msg }

// lifecycleDefaults fills in the defaults of the policy-side options.
func (o *Options) lifecycleDefaults() {
	if o.ProtectDelay <= 0 {
		o.ProtectDelay = DefaultProtectDelay
	}
	if o.RemovalDelay <= 0 {
		o.RemovalDelay = DefaultRemovalDelay
	}
	if !o.DeltaErrorShape.valid() {
		o.DeltaErrorShape = DeltaErrorDataModification
	}
	if o.MaxDeltaItems == 0 {
		o.MaxDeltaItems = DefaultMaxDeltaItems
	}
	if o.RuleDelay <= 0 {
		o.RuleDelay = DefaultRuleDelay
	}
	if o.JobDelay <= 0 {
		o.JobDelay = DefaultJobDelay
	}
	if o.MaxJobItems <= 0 {
		o.MaxJobItems = DefaultMaxJobItems
	}
	if o.ServiceStatus == "" {
		o.ServiceStatus = models.ServiceEnabled
	}
}

// lifecycleState is the policy side of the emulator's state: policies, the
// tenant's service status and the settings that can change while it runs.
// store.mu guards it.
type lifecycleState struct {
	policies map[string]*Policy
	// sorted caches the policy IDs in ascending order; nil when stale.
	sorted []string
	// seeded is set once Seed has created its policies.
	seeded bool
	// seededIDs are the IDs of Seed's policies per unit kind: [0] the
	// active policy, [1] the deactivated one.
	seededIDs map[models.UnitKind][2]string
	// idRand draws the IDs of units added by a PATCH and @contentIds.
	idRand  *rand.Rand
	service ServiceStatus
	// removalDelay and deltaShape start from Options and change through
	// SetRemovalDelay and SetDeltaErrorShape.
	removalDelay time.Duration
	deltaShape   DeltaErrorShape
}

// reset (re)initialises the state from the options.
func (l *lifecycleState) reset(o *Options) {
	*l = lifecycleState{
		policies:     make(map[string]*Policy),
		seededIDs:    make(map[models.UnitKind][2]string),
		idRand:       rand.New(rand.NewPCG(o.Seed, 0xadd1d5)),
		removalDelay: o.RemovalDelay,
		deltaShape:   o.DeltaErrorShape,
		service: ServiceStatus{
			Status: o.ServiceStatus, DisableReason: DisableReasonNone, BackupServiceConsumer: ConsumerFirstParty,
			LastModifiedBy: serviceIdentity(), LastModifiedDateTime: o.Start,
		},
	}
}

// SetRemovalDelay changes how long removeRequested lasts for the removals
// requested from now on (removals already pending keep their deadline;
// Options still reports the configured value; Reset restores it). It fails,
// changing nothing, when d is not positive.
func (s *Server) SetRemovalDelay(d time.Duration) error {
	if d <= 0 {
		return &optionError{"the removal delay must be positive, not " + d.String()}
	}
	s.st.setRemovalDelay(d)
	return nil
}

// RemovalDelay returns how long removeRequested lasts for a removal
// requested now.
func (s *Server) RemovalDelay() time.Duration { return s.st.removalDelay() }

// SetDeltaErrorShape changes how policy PATCHes from now on report failed
// items (Reset restores Options.DeltaErrorShape). It fails, changing
// nothing, for a value that is not one of the two shapes.
func (s *Server) SetDeltaErrorShape(d DeltaErrorShape) error {
	if !d.valid() {
		return &optionError{"unknown delta error shape " + d.String()}
	}
	s.st.setDeltaShape(d)
	return nil
}

// DeltaErrorShape returns how policy PATCHes report failed items.
func (s *Server) DeltaErrorShape() DeltaErrorShape { return s.st.deltaShape() }
