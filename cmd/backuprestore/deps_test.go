package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The library's importers do not compile the CLI's dependencies: neither
// the root package, the emulator package (which users' tests import), the
// runs nor their file journal depend on cobra, pflag, bbolt (the CLI's
// journal before filejournal) or the pty library.
func TestLibraryHasNoCLIDependencies(t *testing.T) {
	for _, pkg := range []string{"github.com/m365kit/backuprestore", "github.com/m365kit/backuprestore/fake", "github.com/m365kit/backuprestore/models",
		"github.com/m365kit/backuprestore/offboarding", "github.com/m365kit/backuprestore/offboarding/filejournal"} {
		out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", pkg).CombinedOutput()
		require.NoError(t, err, "%s", out)
		deps := strings.Fields(string(out))
		require.Contains(t, deps, pkg, "go list answered")
		for _, d := range deps {
			for _, banned := range []string{"github.com/spf13/cobra", "github.com/spf13/pflag", "go.etcd.io/bbolt", "github.com/creack/pty"} {
				require.False(t, strings.HasPrefix(d, banned), "%s depends on %s", pkg, d)
			}
		}
	}
	// The CLI itself does use them (the check above would catch nothing if
	// go list printed nothing useful).
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "github.com/m365kit/backuprestore/cmd/backuprestore").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, strings.Fields(string(out)), "github.com/spf13/cobra")
	require.Contains(t, strings.Fields(string(out)), "github.com/m365kit/backuprestore/offboarding/filejournal")
}
