package fake

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// RetentionSetting is one entry of a policy's retentionSettings: how often
// a backup is taken and how long it is kept.
type RetentionSetting struct {
	// Interval is ISO-8601 repeating-interval text, e.g. "R/PT10M".
	Interval string
	// Period is an ISO-8601 duration, e.g. "P2W".
	Period string
}

// defaultRetention is the pair the documentation's examples show: copies
// every 10 minutes kept two weeks, weekly copies kept a year.
func defaultRetention() []RetentionSetting {
	return []RetentionSetting{{Interval: "R/PT10M", Period: "P2W"}, {Interval: "R/P1W", Period: "P1Y"}}
}

// Policy is a protection policy as the emulator stores it: one struct for
// the three derived types (sharePointProtectionPolicy,
// oneDriveForBusinessProtectionPolicy, exchangeProtectionPolicy), told apart
// by Kind. Its units are the units whose PolicyID is its ID. The emulator
// hands out copies; changing one does not change the emulator's state (use
// Server.UpdatePolicy for that).
type Policy struct {
	// ID is the policy's key: any non-empty string without control
	// characters, at most 1,024 bytes. AddPolicy draws a GUID when it is
	// empty.
	ID string
	// Kind is the derived type; it decides which units the policy holds
	// (models.PolicyKindSharePoint: sites, …OneDrive: drives, …Exchange:
	// mailboxes). Required.
	Kind models.PolicyKind
	// DisplayName is the policy's name, 1 to 1,024 characters. AddPolicy
	// gives a policy without one its kind's default name.
	DisplayName string
	// Status is derived from the policy's units every time the emulator
	// hands out a Policy or writes one; AddPolicy and UpdatePolicy ignore
	// it. The rule (the documentation's meanings, in this order):
	//
	//	updating          a unit of the policy is protectRequested, unprotectRequested or removeRequested;
	//	active            else the policy has units and every one of them is protected;
	//	inactive          else none of them is protected (a policy without units is inactive);
	//	activeWithErrors  else (some protected, some not).
	Status models.ProtectionPolicyStatus
	// IsEnabled is stored and written as given (the v1.0 schema's
	// non-nullable isEnabled). The service does not document how it
	// relates to Status, and the emulator does not tie them.
	IsEnabled bool
	// RetentionSettings defaults to the documentation's pair
	// (R/PT10M kept P2W, R/P1W kept P1Y) in AddPolicy when nil.
	RetentionSettings []RetentionSetting
	// CreatedBy is who created the policy (default: the backup service).
	CreatedBy IdentitySet
	// LastModifiedBy is who changed the policy last (default CreatedBy); a
	// PATCH sets it to the caller.
	LastModifiedBy IdentitySet
	// CreatedDateTime defaults to the emulator's clock in AddPolicy.
	CreatedDateTime time.Time
	// LastModifiedDateTime defaults to CreatedDateTime; a PATCH sets it.
	LastModifiedDateTime time.Time
}

// clone returns a deep copy of p.
func (p Policy) clone() Policy {
	p.CreatedBy = p.CreatedBy.clone()
	p.LastModifiedBy = p.LastModifiedBy.clone()
	if p.RetentionSettings != nil {
		p.RetentionSettings = append([]RetentionSetting{}, p.RetentionSettings...)
	}
	return p
}

// maxDisplayName is the longest displayName, in characters, as the create
// API documents.
const maxDisplayName = 1024

// defaultPolicyName is the name AddPolicy gives a policy without one (the
// names of the list example).
func defaultPolicyName(k models.PolicyKind) string {
	switch k {
	case models.PolicyKindSharePoint:
		return "SharePoint Protection Policy"
	case models.PolicyKindOneDrive:
		return "OneDrive Protection Policy"
	}
	return "Exchange Protection Policy"
}

// validPolicyKind reports whether k is one of the three kinds.
func validPolicyKind(k models.PolicyKind) bool { return k.ODataType() != "" }

// validDisplayName reports whether name has 1 to 1,024 characters.
func validDisplayName(name string) bool {
	n := len([]rune(name))
	return n >= 1 && n <= maxDisplayName
}

// normalize validates p and fills in its defaults, using now for missing times.
func (p *Policy) normalize(now time.Time) error {
	if !validID(p.ID) {
		return fmt.Errorf("fake: invalid policy ID %q: it must be non-empty, at most 1,024 bytes, not \".\" or \"..\", and free of control characters", p.ID)
	}
	if !validPolicyKind(p.Kind) {
		return fmt.Errorf("fake: policy %q: unknown kind %d (want models.PolicyKindSharePoint, models.PolicyKindOneDrive or models.PolicyKindExchange)", p.ID, int(p.Kind))
	}
	if p.DisplayName == "" {
		p.DisplayName = defaultPolicyName(p.Kind)
	}
	if !validDisplayName(p.DisplayName) {
		return fmt.Errorf("fake: policy %q: the display name has %d characters; it must have 1 to 1,024", p.ID, len([]rune(p.DisplayName)))
	}
	if p.RetentionSettings == nil {
		p.RetentionSettings = defaultRetention()
	}
	p.Status = ""
	if p.CreatedDateTime.IsZero() {
		p.CreatedDateTime = now
	}
	if p.LastModifiedDateTime.IsZero() {
		p.LastModifiedDateTime = p.CreatedDateTime
	}
	p.CreatedDateTime = p.CreatedDateTime.UTC()
	p.LastModifiedDateTime = p.LastModifiedDateTime.UTC()
	if p.CreatedBy.isZero() {
		p.CreatedBy = serviceIdentity()
	}
	if p.LastModifiedBy.isZero() {
		p.LastModifiedBy = p.CreatedBy.clone()
	}
	return nil
}

// AddPolicy stores p after filling in its defaults (see Policy) and returns
// the stored policy, Status derived. It fails, storing nothing, when the ID
// is invalid or already used, the kind is unknown or the display name is
// longer than 1,024 characters.
func (s *Server) AddPolicy(p Policy) (Policy, error) { return s.st.addPolicy(p) }

// addPolicyLocked is AddPolicy with the lock held.
func (st *store) addPolicyLocked(p Policy) (Policy, error) {
	p = p.clone()
	if p.ID == "" {
		p.ID = seededGUID(st.life.idRand)
	}
	if err := p.normalize(st.clock.now()); err != nil {
		return Policy{}, err
	}
	if _, dup := st.life.policies[p.ID]; dup {
		return Policy{}, fmt.Errorf("fake: a policy with ID %s already exists", quote(p.ID))
	}
	st.life.policies[p.ID] = &p
	st.life.sorted = nil
	return policyCopy(&p, st.policyStatusLocked(p.ID)), nil
}

// Policy returns a copy of the policy with this ID, Status derived, after
// applying any timer that is due on the emulator's clock; false when there
// is no such policy.
func (s *Server) Policy(id string) (Policy, bool) { return s.st.policy(id) }

// Policies returns copies of every policy, sorted by ID, Status derived
// (an empty slice when there are none).
func (s *Server) Policies() []Policy { return s.st.allPolicies() }

// policiesLocked returns copies of every policy, sorted by ID.
func (st *store) policiesLocked() []Policy {
	counts := st.policyCountsLocked()
	ids := st.sortedPoliciesLocked()
	out := make([]Policy, len(ids))
	for i, id := range ids {
		out[i] = policyCopy(st.life.policies[id], counts[id].status())
	}
	return out
}

// UpdatePolicy changes the policy with this ID through fn and returns the
// result, Status derived. The ID and kind cannot change, and Status is
// ignored. It fails, changing nothing, for an unknown ID or an invalid
// display name.
func (s *Server) UpdatePolicy(id string, fn func(p *Policy)) (Policy, error) {
	return s.st.updatePolicy(id, fn)
}

// updatePolicyLocked is UpdatePolicy with the lock held.
func (st *store) updatePolicyLocked(id string, fn func(p *Policy)) (Policy, error) {
	cur, ok := st.life.policies[id]
	if !ok {
		return Policy{}, fmt.Errorf("fake: no policy with ID %s", quote(id))
	}
	p := cur.clone()
	fn(&p)
	p.ID, p.Kind = cur.ID, cur.Kind
	if err := p.normalize(st.clock.now()); err != nil {
		return Policy{}, err
	}
	*cur = p
	return policyCopy(cur, st.policyStatusLocked(id)), nil
}

// policyCopy returns a copy of p carrying status.
func policyCopy(p *Policy, status models.ProtectionPolicyStatus) Policy {
	c := p.clone()
	c.Status = status
	return c
}

// sortedPoliciesLocked returns the cached ascending policy IDs.
func (st *store) sortedPoliciesLocked() []string {
	if st.life.sorted == nil {
		ids := make([]string, 0, len(st.life.policies))
		for id := range st.life.policies {
			ids = append(ids, id)
		}
		sortStrings(ids)
		st.life.sorted = ids
	}
	return st.life.sorted
}

// policyCounts tallies the units of one policy, for its status and its
// protectionPolicyArtifactCount.
type policyCounts struct {
	total, protected, pending, failed int
	// life is the policy's activation (nil: none through the API), now
	// the emulator's clock.
	life *policyLife
	now  time.Time
}

// add counts one unit of the policy: protected units are completed;
// protectRequested, unprotectRequested and removeRequested ones are in
// progress; any other unit whose error property is set failed.
func (c *policyCounts) add(u *Unit) {
	c.total++
	switch u.Status {
	case models.StatusProtected:
		c.protected++
	case models.StatusProtectRequested, models.StatusUnprotectRequested, models.StatusRemoveRequested:
		c.pending++
	default:
		if u.Error != nil {
			c.failed++
		}
	}
}

// status applies the documented rule (see Policy.Status).
func (c policyCounts) status() models.ProtectionPolicyStatus {
	switch {
	case c.life != nil && c.now.Before(c.life.settleAt):
		return models.PolicyStatusUpdating
	case c.total == 0 && c.life != nil && c.life.activated:
		return models.PolicyStatusActive
	case c.pending > 0:
		return models.PolicyStatusUpdating
	case c.total > 0 && c.protected == c.total:
		return models.PolicyStatusActive
	case c.protected == 0:
		return models.PolicyStatusInactive
	}
	return models.PolicyStatusActiveWithErrors
}

// policyCountsLocked tallies every policy's units in one pass.
func (st *store) policyCountsLocked() map[string]policyCounts {
	out := make(map[string]policyCounts, len(st.life.policies))
	for _, e := range st.units {
		if e.u.PolicyID == "" {
			continue
		}
		if _, ok := st.life.policies[e.u.PolicyID]; !ok {
			continue
		}
		c := out[e.u.PolicyID]
		c.add(&e.u)
		out[e.u.PolicyID] = c
	}
	if st.protection != nil {
		now := st.clock.now()
		for id := range st.life.policies {
			c := out[id]
			c.life, c.now = st.lifeOf(id), now
			out[id] = c
		}
	}
	return out
}

// policyStatusLocked derives one policy's status.
func (st *store) policyStatusLocked(id string) models.ProtectionPolicyStatus {
	return st.countsLocked(id).status()
}

// countsLocked tallies one policy's units.
func (st *store) countsLocked(id string) policyCounts {
	c := policyCounts{life: st.lifeOf(id), now: st.clock.now()}
	for _, e := range st.units {
		if e.u.PolicyID == id {
			c.add(&e.u)
		}
	}
	return c
}

// checkPolicyRefLocked refuses a unit that names an existing policy of
// another workload. A unit may name a policy the emulator does not have
// (it then appears in no policy's view), so that tests can set up
// dangling references.
func (st *store) checkPolicyRefLocked(u *Unit) error {
	if u.PolicyID == "" {
		return nil
	}
	p, ok := st.life.policies[u.PolicyID]
	if !ok || p.Kind.UnitKind() == u.Kind {
		return nil
	}
	return fmt.Errorf("fake: unit %q: policy %q is a %s policy; it can't hold a %s unit", u.ID, u.PolicyID, p.Kind, u.Kind)
}

// Seed's policies: two per workload, named for what they protect. The first
// is active (enabled; its units are protected, or on their way in or out),
// the second was deactivated (disabled; its units are unprotected or on
// their way there).
var seedPolicyNames = map[models.PolicyKind][2]string{
	models.PolicyKindSharePoint: {"SharePoint Policy - Inadvertent data loss", "SharePoint Policy - Archived project sites"},
	models.PolicyKindOneDrive:   {"OneDrive Policy - All users", "OneDrive Policy - Departed employees"},
	models.PolicyKindExchange:   {"Exchange Policy - All mailboxes", "Exchange Policy - Departed employees"},
}

// seedPoliciesLocked creates Seed's six policies once (until Reset). Their
// IDs derive from Options.Seed alone. A policy whose ID is already taken
// (by AddPolicy) is left as it is.
func (st *store) seedPoliciesLocked(now time.Time) {
	if st.life.seeded {
		return
	}
	st.life.seeded = true
	backupApp := &Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"}
	ms := func(t time.Time) time.Time { return t.Truncate(time.Millisecond) }
	for _, pk := range models.PolicyKinds() {
		uk := pk.UnitKind()
		pr := rand.New(rand.NewPCG(st.opts.Seed, uint64(kindIndex(uk))+0x9011c7))
		ids := [2]string{seededGUID(pr), seededGUID(pr)}
		st.life.seededIDs[uk] = ids
		for i, id := range ids {
			if _, taken := st.life.policies[id]; taken {
				continue
			}
			creator, modifier := seedAdmins[i], seedAdmins[(i+1+kindIndex(uk))%len(seedAdmins)]
			created := ms(now.Add(-(730*24 + time.Duration(kindIndex(uk)*24+i)) * time.Hour))
			p := Policy{
				ID: id, Kind: pk, DisplayName: seedPolicyNames[pk][i], IsEnabled: i == 0,
				RetentionSettings: defaultRetention(),
				CreatedBy:         IdentitySet{Application: backupApp, User: &creator},
				LastModifiedBy:    IdentitySet{Application: backupApp, User: &modifier},
				CreatedDateTime:   created,
				// The deactivated policy was changed (deactivated) later.
				LastModifiedDateTime: ms(created.Add(time.Duration(30+300*i) * 24 * time.Hour)),
			}
			if _, err := st.addPolicyLocked(p); err != nil {
				panic("fake: Seed made an invalid policy: " + err.Error())
			}
		}
	}
}

// SeedPolicies creates Seed's six policies (two per workload, IDs
// deterministic from Options.Seed) if they do not exist yet, and returns
// every policy. Seed calls it; a test that adds its own units to the
// seeded policies can call it first.
func (s *Server) SeedPolicies() []Policy { return s.st.seedPolicies() }
