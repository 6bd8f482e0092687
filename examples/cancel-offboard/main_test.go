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

func TestOutputShowsBothSteps(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-units", "40"}, &out))
	s := out.String()
	require.Contains(t, s, "offboardRequested → cancelOffboardRequested")
	require.Contains(t, s, "403 OperationNotAllowed")
	require.Contains(t, s, "Offboarding cannot be cancelled as it is not in a valid state.")
	require.Contains(t, s, "last modified by")
}
