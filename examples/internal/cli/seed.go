package cli

import (
	"fmt"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// SeedState is the state SeedUnits puts a unit in: the one an action needs.
type SeedState int

// The states SeedUnits can seed.
const (
	// SeedOffboarding is offboardRequested (no policy): cancelOffboard can
	// act on the unit.
	SeedOffboarding SeedState = iota + 1
	// SeedRemovedFromPolicy is unprotected with no policy: offboard can act
	// on the unit.
	SeedRemovedFromPolicy
)

// String names the state as the service writes it, with what it means.
func (s SeedState) String() string {
	switch s {
	case SeedOffboarding:
		return "offboarding (" + string(models.StatusOffboardRequested) + ")"
	case SeedRemovedFromPolicy:
		return "removed from its policy (" + string(models.StatusUnprotected) + ", no policy)"
	}
	return fmt.Sprintf("SeedState(%d)", int(s))
}

// SeedUnits makes srv hold a unit with each of ids in state: a new site
// unit, or an existing unit moved to state (an ID the random seeding also
// drew). flagName names the flag the IDs came from, in the units' names
// ("Seeded for -id"). It fails for an ID the emulator rejects (check IDs
// with CheckID first) or an unknown state, after seeding the IDs before it.
func SeedUnits(srv *fake.Server, ids []string, state SeedState, flagName string) error {
	var status models.ProtectionUnitStatus
	switch state {
	case SeedOffboarding:
		status = models.StatusOffboardRequested
	case SeedRemovedFromPolicy:
		status = models.StatusUnprotected
	default:
		return fmt.Errorf("cli: SeedUnits: unknown state %d", int(state))
	}
	for i, id := range ids {
		if _, ok := srv.Unit(id); ok {
			if _, err := srv.UpdateUnit(id, func(u *fake.Unit) {
				u.Status, u.PolicyID, u.ProtectionSources = status, "", "none"
				if state == SeedOffboarding {
					u.OffboardRequestedDateTime = time.Time{} // now: within the grace period
				}
			}); err != nil {
				return err
			}
			continue
		}
		err := srv.AddUnit(fake.Unit{
			Kind:       models.KindSite,
			ID:         id,
			Status:     status,
			SiteName:   "Seeded for -" + flagName,
			SiteWebURL: fmt.Sprintf("https://contoso.sharepoint.com/sites/seeded%d", i+1),
		})
		if err != nil {
			return err
		}
	}
	return nil
}
