package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// SeedUnits puts each ID in the state its action needs, as the SDK reads
// it: new IDs as new units, an ID the random seeding drew by moving that
// unit, and the action then succeeds on it.
func TestSeedUnits(t *testing.T) {
	for _, tc := range []struct {
		state SeedState
		check func(t *testing.T, srv *fake.Server, id string)
	}{
		{SeedOffboarding, func(t *testing.T, srv *fake.Server, id string) {
			c, err := NewEmulatorClient(srv, nil)
			require.NoError(t, err)
			u, err := c.ProtectionUnits().ByID(id).Get(t.Context(), nil)
			require.NoError(t, err)
			require.True(t, u.CanCancelOffboard(), "%s: %s", id, u.Status)
			at, ok := u.OffboardRequestedAt()
			require.True(t, ok)
			require.Equal(t, srv.Now(), at, "requested now: inside the grace period")
			_, err = c.ProtectionUnits().ByID(id).CancelOffboard().Post(t.Context(), nil)
			require.NoError(t, err)
		}},
		{SeedRemovedFromPolicy, func(t *testing.T, srv *fake.Server, id string) {
			c, err := NewEmulatorClient(srv, nil)
			require.NoError(t, err)
			u, err := c.ProtectionUnits().ByID(id).Get(t.Context(), nil)
			require.NoError(t, err)
			require.True(t, u.CanOffboard(), "%s: %s policy %q", id, u.Status, u.PolicyID)
			_, err = c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
			require.NoError(t, err)
		}},
	} {
		t.Run(tc.state.String(), func(t *testing.T) {
			srv := fake.NewServer(nil)
			seeded := srv.Seed(40)
			// A seeded unit in every other state, moved to tc.state.
			var drawn []string
			seen := map[models.ProtectionUnitStatus]bool{}
			for _, u := range seeded {
				if !seen[u.Status] {
					seen[u.Status] = true
					drawn = append(drawn, u.ID)
				}
			}
			require.GreaterOrEqual(t, len(drawn), 8, "Seed(40) covers every state")
			ids := append([]string{"new-1", "new 2"}, drawn...)
			srv.Advance(time.Minute)
			require.NoError(t, SeedUnits(srv, ids, tc.state, "ids"))
			require.Equal(t, 40+2, srv.Len())
			u, ok := srv.Unit("new-1")
			require.True(t, ok)
			require.Equal(t, "Seeded for -ids", u.SiteName)
			for _, id := range ids {
				tc.check(t, srv, id)
			}
		})
	}
}

func TestSeedUnitsErrors(t *testing.T) {
	srv := fake.NewServer(nil)
	require.Error(t, SeedUnits(srv, []string{"a"}, SeedState(0), "id"))
	require.Error(t, SeedUnits(srv, []string{"ok", ""}, SeedOffboarding, "id"))
	_, ok := srv.Unit("ok")
	require.True(t, ok, "the IDs before the bad one are seeded")
}
