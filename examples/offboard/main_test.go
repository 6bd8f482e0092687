package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMain clears the sign-in variables, so a developer machine set up for
// Azure does not send these tests to Microsoft Graph.
func TestMain(m *testing.M) {
	os.Unsetenv("AZURE_TENANT_ID")
	os.Unsetenv("AZURE_CLIENT_ID")
	os.Exit(m.Run())
}

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
	for _, want := range []string{"status unprotected", "status offboardRequested", "refused, 403 OperationNotAllowed", "errors.Is ErrOperationNotAllowed: true", "status cancelOffboardRequested"} {
		require.Contains(t, s, want)
	}
}
