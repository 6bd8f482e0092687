package main

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
)

// version and --version print the version, the commit and the Go
// version; -o json prints them as an object.
func TestVersion(t *testing.T) {
	var c cli
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := c.run(t, args...)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Regexp(t, `^backuprestore `+backuprestore.Version+`\ncommit: .+\ngo: `+runtime.Version()+` `+runtime.GOOS+`/`+runtime.GOARCH+`\n$`, r.stdout)
	}
	r := c.run(t, "version", "-o", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var bi buildInfo
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &bi))
	require.Equal(t, backuprestore.Version, bi.Version)
	require.Equal(t, runtime.Version(), bi.GoVersion)

	require.Equal(t, "backuprestore 1.2.3\ncommit: 0123abc-dirty (2026-12-01T10:00:00Z)\ngo: go1.26.0 linux/amd64\n",
		buildInfo{Version: "1.2.3", Commit: "0123abc-dirty", CommitTime: "2026-12-01T10:00:00Z", GoVersion: "go1.26.0", Platform: "linux/amd64"}.text())
	require.Contains(t, buildInfo{Version: "1.2.3", GoVersion: "go1.26.0"}.text(), "commit: unknown (not built from a VCS checkout)")
}
