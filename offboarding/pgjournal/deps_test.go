package pgjournal_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The package speaks database/sql only: importing it compiles no driver
// (the service brings its own, pgx's in the tests).
func TestNoDriverDependency(t *testing.T) {
	t.Parallel()
	const pkg = "github.com/m365kit/backuprestore/offboarding/pgjournal"
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", pkg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "database/sql", "go list answered")
	for _, d := range deps {
		require.False(t, strings.HasPrefix(d, "github.com/jackc/") || strings.HasPrefix(d, "github.com/lib/pq"), "%s depends on %s", pkg, d)
	}
}
