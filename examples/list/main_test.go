package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example runs against the embedded emulator with no flags.
func TestRunAgainstEmulator(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), nil, &out))
	require.NotEmpty(t, out.String())
	t.Log(out.String())
}

func TestRealGraphNeedsAllFlags(t *testing.T) {
	var out bytes.Buffer
	require.Error(t, run(t.Context(), []string{"-tenant", "t"}, &out))
}

func TestFilterAndKind(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-kind", "site", "-filter", "status eq 'offboardRequested'"}, &out))
	require.Contains(t, out.String(), "offboardRequested")
	require.NotContains(t, out.String(), "mailbox ")
	require.Error(t, run(t.Context(), []string{"-kind", "teams"}, &out))
}
