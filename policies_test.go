package backuprestore

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestPoliciesListGetAndUnits(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{units: 300, client: &Options{Retry: fastRetries()}})
	srv, c := rig.srv, rig.c
	var all []*models.ProtectionPolicy
	for p, err := range c.ProtectionPolicies().All(t.Context(), &ListOptions{Top: 2}) {
		require.NoError(t, err)
		all = append(all, p)
	}
	require.Len(t, all, len(srv.Policies()))
	kinds := map[models.PolicyKind]int{}
	for _, p := range all {
		kinds[p.Kind()]++
	}
	require.Equal(t, map[models.PolicyKind]int{models.PolicyKindSharePoint: 2, models.PolicyKindOneDrive: 2, models.PolicyKindExchange: 2}, kinds)

	n := 0
	for p, err := range c.ProtectionPolicies().Exchange().All(t.Context(), nil) {
		require.NoError(t, err)
		require.Equal(t, models.PolicyKindExchange, p.Kind())
		n++
	}
	require.Equal(t, 2, n)

	for _, p := range all {
		got, err := c.ProtectionPolicies().ByID(p.ID).Get(t.Context(), nil)
		require.NoError(t, err)
		require.Equal(t, p.ID, got.ID)
		require.Equal(t, p.Kind(), got.Kind())
		want := unitsOf(srv, func(u fake.Unit) bool { return u.PolicyID == p.ID })
		var seen []string
		// The collection of every kind reads the policy first to learn its kind.
		for u, err := range c.ProtectionPolicies().ByID(p.ID).Units(t.Context(), &ListOptions{Top: 7}) {
			require.NoError(t, err)
			require.Equal(t, p.Kind().UnitKind(), u.Kind(), u.ID)
			require.Equal(t, p.ID, u.PolicyID)
			seen = append(seen, u.ID)
		}
		require.Len(t, seen, len(want), p.ID)
	}

	_, err := c.ProtectionPolicies().ByID("no-such-policy").Get(t.Context(), nil)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.ProtectionPolicies().ByID("").Get(t.Context(), nil)
	require.ErrorIs(t, err, ErrInvalidPolicyID)
}
