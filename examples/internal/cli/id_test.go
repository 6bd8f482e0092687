package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
)

// CheckID is the SDK's own judgement, and every ID it accepts is one the
// emulator can seed (so -id and -ids never fail in SeedUnits).
func TestCheckID(t *testing.T) {
	cases := []struct {
		id    string
		valid bool
	}{
		{"89014d8c-71fe-4d00-a01a-31850bc5b32c", true},
		{"my unit/with?odd#chars", true},
		{strings.Repeat("x", 1024), true},
		{"", false},
		{"   ", false},
		{".", false},
		{"..", false},
		{"a\x07b", false},
		{"a\u0085b", false},
		{"\xff", false},
		{strings.Repeat("x", 1025), false},
	}
	srv := fake.NewServer(nil)
	for _, tc := range cases {
		err := CheckID(tc.id)
		if !tc.valid {
			require.ErrorIs(t, err, backuprestore.ErrInvalidProtectionUnitID, "%q", tc.id)
			continue
		}
		require.NoError(t, err, "%q", tc.id)
		require.NoError(t, SeedUnits(srv, []string{tc.id}, SeedOffboarding, "id"), "%q", tc.id)
	}
}
