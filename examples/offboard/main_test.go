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

func TestStateChanges(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), nil, &out))
	s := out.String()
	for _, want := range []string{"status unprotected", "status offboardRequested", "403 OperationNotAllowed", "status cancelOffboardRequested"} {
		require.Contains(t, s, want)
	}
}
