package fake

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// seedCategory is a state Seed puts units in; "removed" is unprotected with
// no policy (offboardable), "deactivated" unprotected with its policy kept.
type seedCategory int

const (
	catRemoved seedCategory = iota
	catOffboardRequested
	catProtected
	catProtectRequested
	catUnprotectRequested
	catDeactivated
	catRemoveRequested
	catOffboarded
	catCancelOffboardRequested
	numCategories
)

// categoryWeights are the percentages of each category.
var categoryWeights = [numCategories]int{15, 15, 32, 6, 6, 8, 6, 6, 6}

// minSeedForCoverage is the n from which Seed guarantees every kind and
// every state.
const minSeedForCoverage = 20

// Seed adds n realistic units and returns copies of them. The mix is
// deterministic from Options.Seed (and from how many units earlier Seed
// calls drew): site, drive and mailbox units, about 15% removed from their
// policy (policyId "" and unprotected: offboardable), about 15% already in
// offboardRequested, about a third protected, the rest spread over the other
// states. From n = 20 on, every kind and every state appears.
//
// The first call also creates two policies per workload (SeedPolicies),
// and every unit that has a policy belongs to one of its own kind: the
// active policy holds the protected, protectRequested and removeRequested
// units, the deactivated one the unprotected (still attached) and
// unprotectRequested units. Attached units' protectionSources are manual,
// dynamicRule or manual,dynamicRule; units removed from their policy and
// units in the offboarding flow have no policy and sources none.
//
// Timestamps are set relative to the emulator's clock so that pending
// timers are not yet due: offboardRequested units are within their grace
// period, cancelOffboardRequested units within their cancel delay,
// protectRequested and unprotectRequested units within ProtectDelay and
// removeRequested units within RemovalDelay.
func (s *Server) Seed(n int) []Unit {
	if n <= 0 {
		return nil
	}
	return s.st.seed(n)
}

// seedLocked is Seed with the lock held and the timers applied.
func (st *store) seedLocked(n int) []Unit {
	r := st.seedRand
	now := st.clock.now()
	st.seedPoliciesLocked(now)
	cats := seedCategories(r, n)
	kinds := seedKinds(r, n)
	out := make([]Unit, 0, n)
	for i := range n {
		u := st.seedUnit(r, kinds[i], cats[i], now)
		for {
			if _, dup := st.units[u.ID]; !dup {
				break
			}
			u.ID = seededGUID(r)
		}
		if err := st.addLocked(u); err != nil {
			panic("fake: Seed made an invalid unit: " + err.Error())
		}
		out = append(out, st.units[u.ID].u.clone())
		st.seeded++
	}
	st.seedRulesLocked(now)
	return out
}

// seedCategories returns the categories of n units, shuffled.
func seedCategories(r *rand.Rand, n int) []seedCategory {
	cats := make([]seedCategory, 0, n)
	if n < minSeedForCoverage {
		for range n {
			x := r.IntN(100)
			c := seedCategory(0)
			for ; x >= categoryWeights[c]; c++ {
				x -= categoryWeights[c]
			}
			cats = append(cats, c)
		}
		return cats
	}
	var counts [numCategories]int
	sum := 0
	for c := range numCategories {
		counts[c] = max(1, n*categoryWeights[c]/100)
		sum += counts[c]
	}
	counts[catProtected] += n - sum
	for c := range numCategories {
		for range counts[c] {
			cats = append(cats, c)
		}
	}
	r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	return cats
}

// seedKinds returns the kinds of n units: about 40% sites, 30% drives and
// 30% mailboxes, each kind at least once when n ≥ 3.
func seedKinds(r *rand.Rand, n int) []models.UnitKind {
	kinds := make([]models.UnitKind, n)
	seen := map[models.UnitKind]bool{}
	for i := range kinds {
		switch x := r.IntN(10); {
		case x < 4:
			kinds[i] = models.KindSite
		case x < 7:
			kinds[i] = models.KindDrive
		default:
			kinds[i] = models.KindMailbox
		}
		seen[kinds[i]] = true
	}
	if n >= 3 && len(seen) < 3 {
		kinds[0], kinds[1], kinds[2] = models.KindSite, models.KindDrive, models.KindMailbox
	}
	return kinds
}

// Realistic names for seeded units, in the style of Microsoft's demo tenants.
var (
	seedSiteNames = []string{
		"Marketing", "Sales and Marketing", "Contoso Legal", "Finance", "HR Team", "Engineering",
		"Project Falcon", "Executive Board", "IT Operations", "Product Launch 2026", "Customer Success",
		"Research and Development", "Procurement", "Mark 8 Project Team", "Retail", "Digital Initiative Public Relations",
		"Leadership Connection", "Benefits", "Communication Site", "Design", "Contoso Brand", "Work@Contoso",
		"U.S. Sales", "Global Sales", "Operations", "Compliance", "Security Council", "Onboarding",
	}
	seedFirstNames = []string{
		"Adele", "Alex", "Allan", "Christie", "Debra", "Diego", "Emily", "Enrico", "Grady", "Henrietta",
		"Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor",
		"Patti", "Pradeep", "Rian", "Ryan", "Alice", "Bianca", "Carlos", "Dana", "Elif", "Farah",
	}
	seedLastNames = []string{
		"Vance", "Wilber", "Deyoung", "Cline", "Berger", "Siciliani", "Braun", "Cattaneo", "Archie", "Mueller",
		"Sayers", "Langer", "Lauer", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke",
		"Fernandez", "Gupta", "Nakamura", "Okafor", "Rossi", "Silva", "Novak", "Kowalski", "Haddad", "Ivanova",
	}
	seedAdmins = []Identity{
		{ID: "845457dc-4bb2-4815-bef3-8628ebd1952e", DisplayName: "Rian", Email: "rian@contoso.com"},
		{ID: "5f4b2a13-9a8e-4b7e-8c1d-2e6a0c3b9d41", DisplayName: "Megan Bowen", Email: "MeganB@contoso.onmicrosoft.com"},
		{ID: "9c2b7d3e-6a41-4f0b-8e5d-1a2b3c4d5e6f", DisplayName: "Nestor Wilke", Email: "NestorW@contoso.onmicrosoft.com"},
	}
	seedSources = []string{"manual", "manual", "manual", "manual", "dynamicRule", "dynamicRule", "manual,dynamicRule"}
)

// jitter returns a random duration in [lo, hi).
func jitter(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// seedUnit makes one unit of kind k in category c.
func (st *store) seedUnit(r *rand.Rand, k models.UnitKind, c seedCategory, now time.Time) Unit {
	const day = 24 * time.Hour
	u := Unit{Kind: k, ID: seededGUID(r)}
	n := st.seeded + 1
	switch k {
	case models.KindSite:
		name := seedSiteNames[(n-1)%len(seedSiteNames)] // unique: the pool, then numbered rounds
		if n > len(seedSiteNames) {
			name += " " + itoa((n-1)/len(seedSiteNames)+1)
		}
		path := "sites"
		if r.IntN(3) == 0 {
			path = "teams"
		}
		u.SiteID = "contoso.sharepoint.com," + seededGUID(r) + "," + seededGUID(r)
		u.SiteName = name
		u.SiteWebURL = "https://contoso.sharepoint.com/" + path + "/" + urlSlug(name)
	default:
		first, last := seedFirstNames[r.IntN(len(seedFirstNames))], seedLastNames[r.IntN(len(seedLastNames))]
		u.DirectoryObjectID = seededGUID(r)
		u.DisplayName = first + " " + last
		u.Email = first + last[:1] + itoa(n) + "@contoso.onmicrosoft.com"
	}

	backupApp := &Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"}
	creator := seedAdmins[r.IntN(len(seedAdmins))]
	modifier := seedAdmins[r.IntN(len(seedAdmins))]
	u.CreatedBy = IdentitySet{Application: backupApp, User: &creator}
	u.LastModifiedBy = IdentitySet{Application: backupApp, User: &modifier}

	grace, cancel, protect, removal := st.opts.GracePeriod, st.opts.CancelDelay, st.opts.ProtectDelay, st.life.removalDelay
	ms := func(t time.Time) time.Time { return t.Truncate(time.Millisecond) }
	switch c {
	case catOffboardRequested:
		u.Status = models.StatusOffboardRequested
		u.OffboardRequestedDateTime = ms(now.Add(-time.Duration(float64(grace) * (0.05 + 0.6*r.Float64()))))
		u.LastModifiedDateTime = u.OffboardRequestedDateTime
	case catOffboarded:
		u.Status = models.StatusOffboarded
		u.OffboardRequestedDateTime = ms(now.Add(-grace - jitter(r, day, 60*day)))
		u.LastModifiedDateTime = u.OffboardRequestedDateTime.Add(grace)
		u.LastModifiedBy = serviceIdentity()
	case catCancelOffboardRequested:
		u.Status = models.StatusCancelOffboardRequested
		u.LastModifiedDateTime = ms(now.Add(-time.Duration(float64(cancel) * 0.5 * r.Float64())))
		u.OffboardRequestedDateTime = ms(u.LastModifiedDateTime.Add(-jitter(r, time.Hour, 30*day)))
	}
	if !u.OffboardRequestedDateTime.IsZero() {
		u.CreatedDateTime = ms(u.OffboardRequestedDateTime.Add(-jitter(r, 30*day, 700*day)))
	} else {
		u.CreatedDateTime = ms(now.Add(-jitter(r, 30*day, 720*day)))
		// A fraction of the unit's age, not jitter(r, 0, age): Int64N's
		// rejection sampling draws a varying number of values for a range
		// that depends on the clock, and a real-time clock then made Seed
		// diverge (different IDs) between two emulators seeded alike.
		u.LastModifiedDateTime = ms(u.CreatedDateTime.Add(time.Duration(r.Float64() * float64(now.Sub(u.CreatedDateTime)))))
	}
	// Pending changes were requested recently enough that their timers
	// are not yet due.
	switch c {
	case catProtectRequested, catUnprotectRequested:
		u.LastModifiedDateTime = ms(now.Add(-time.Duration(float64(protect) * 0.5 * r.Float64())))
	case catRemoveRequested:
		u.LastModifiedDateTime = ms(now.Add(-time.Duration(float64(removal) * 0.5 * r.Float64())))
	}

	pols := st.life.seededIDs[k]
	u.PolicyID = pols[0]
	if c == catDeactivated || c == catUnprotectRequested {
		u.PolicyID = pols[1]
	}
	u.ProtectionSources = seedSources[r.IntN(len(seedSources))]
	switch c {
	case catRemoved, catOffboardRequested, catOffboarded, catCancelOffboardRequested:
		u.PolicyID, u.ProtectionSources = "", "none"
		if u.Status == "" {
			u.Status = models.StatusUnprotected
		}
	case catProtected:
		u.Status = models.StatusProtected
	case catProtectRequested:
		u.Status = models.StatusProtectRequested
	case catUnprotectRequested:
		u.Status = models.StatusUnprotectRequested
	case catDeactivated:
		u.Status = models.StatusUnprotected
	case catRemoveRequested:
		u.Status = models.StatusRemoveRequested
	}
	return u
}

// urlSlug turns a site name into a URL path segment.
func urlSlug(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
