package main

import (
	"bytes"
	"os"
	"strings"
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

func TestRunAgainstEmulator(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-units", "300", "-quiet"}, &out, strings.NewReader("")))
	s := out.String()
	require.Contains(t, s, "OUTCOME")
	require.Contains(t, s, "cancelled")
	require.Contains(t, s, "not offboarding (403 OperationNotAllowed)")
	t.Log(s)
}

func TestRealGraphNeedsBothFlags(t *testing.T) {
	var out bytes.Buffer
	require.Error(t, run(t.Context(), []string{"-tenant", "t"}, &out, strings.NewReader("")))
}
