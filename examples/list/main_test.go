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

func TestFilterAndKind(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-kind", "site", "-filter", "status eq 'offboardRequested'"}, &out))
	require.Contains(t, out.String(), "offboardRequested")
	require.NotContains(t, out.String(), "mailbox ")
	require.Error(t, run(t.Context(), []string{"-kind", "teams"}, &out))
}
