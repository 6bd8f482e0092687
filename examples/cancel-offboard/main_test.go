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

func TestOutputShowsBothSteps(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-units", "40"}, &out))
	s := out.String()
	require.Contains(t, s, "offboardRequested → cancelOffboardRequested")
	require.Contains(t, s, "403 OperationNotAllowed")
	require.Contains(t, s, "Offboarding cannot be cancelled as it is not in a valid state.")
	require.Contains(t, s, "last modified by")
}

// The README's main command keeps working on a machine set up for Azure:
// one sign-in variable alone leaves the emulator in charge, both select
// Microsoft Graph (which then needs -id, and sends nothing without it), and
// -emulator overrides them.
func TestSignInEnvironment(t *testing.T) {
	cases := []struct {
		name, tenant, clientID string
		args                   []string
		wantErr                string
	}{
		{"tenant variable alone", "00000000-0000-0000-0000-000000000001", "", nil, ""},
		{"client id variable alone", "", "00000000-0000-0000-0000-000000000002", nil, ""},
		{"both variables, no -id", "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", nil, "-id is required"},
		{"both variables, -emulator", "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", []string{"-emulator"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AZURE_TENANT_ID", tc.tenant)
			t.Setenv("AZURE_CLIENT_ID", tc.clientID)
			var out bytes.Buffer
			err := run(t.Context(), tc.args, &out)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			require.Contains(t, out.String(), "against the embedded emulator")
			require.Contains(t, out.String(), "offboardRequested → cancelOffboardRequested")
		})
	}
}
