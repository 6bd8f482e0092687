package clitest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// RequireUsageError fails t unless r, one run of the example program,
// ended as a usage error the way examples/internal/cli prints one: exit
// status 2, nothing on stdout, and on stderr "program: message", a blank
// line, then "Usage: program [flags]…", with every string of want in the
// message.
func RequireUsageError(t testing.TB, program string, r Result, want ...string) {
	t.Helper()
	require.Equal(t, 2, r.Code, r.Stderr)
	require.Empty(t, r.Stdout)
	msg, usage, _ := strings.Cut(r.Stderr, "\n\n")
	require.True(t, strings.HasPrefix(msg, program+": "), msg)
	for _, w := range want {
		require.Contains(t, msg, w)
	}
	require.True(t, strings.HasPrefix(usage, "Usage: "+program+" [flags]"), usage)
}
