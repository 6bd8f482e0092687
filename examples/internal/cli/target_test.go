package cli

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	testTenant   = "00000000-0000-0000-0000-000000000001"
	testClientID = "00000000-0000-0000-0000-000000000002"
	otherTenant  = "contoso.onmicrosoft.com"
)

// One rule for flags and environment: neither → emulator, both → Graph,
// one without the other → a usage error naming what was given (flag or
// variable) and what is missing; -emulator always wins and says what it
// overrode.
func TestTargetRule(t *testing.T) {
	cases := []struct {
		name             string
		envTenant, envID string
		args             []string

		wantGraph    bool
		wantTenant   string
		wantFrom     [2]string // TenantFrom, ClientIDFrom
		wantSignIn   SignIn
		wantIgnored  []string
		wantUsageErr []string // substrings of the usage error; nil: no error
	}{
		{name: "nothing: emulator"},
		{name: "blank variables count as unset", envTenant: "  ", envID: "\t"},
		{name: "AZURE_TENANT_ID only", envTenant: testTenant,
			wantUsageErr: []string{"a tenant without a client ID", "AZURE_TENANT_ID is set", "neither -client-id nor AZURE_CLIENT_ID", "-emulator"}},
		{name: "AZURE_CLIENT_ID only", envID: testClientID,
			wantUsageErr: []string{"a client ID without a tenant", "AZURE_CLIENT_ID is set", "neither -tenant nor AZURE_TENANT_ID"}},
		{name: "both variables: Graph", envTenant: testTenant, envID: testClientID,
			wantGraph: true, wantTenant: testTenant, wantFrom: [2]string{EnvTenant, EnvClientID}, wantSignIn: DeviceCode},
		{name: "-tenant only", args: []string{"-tenant", testTenant},
			wantUsageErr: []string{"a tenant without a client ID", "-tenant is set"}},
		{name: "-client-id only", args: []string{"-client-id", testClientID},
			wantUsageErr: []string{"a client ID without a tenant", "-client-id is set"}},
		{name: "both flags: Graph", args: []string{"-tenant", otherTenant, "-client-id", testClientID},
			wantGraph: true, wantTenant: otherTenant, wantFrom: [2]string{"-tenant", "-client-id"}, wantSignIn: DeviceCode},
		{name: "-tenant with AZURE_CLIENT_ID", envID: testClientID, args: []string{"-tenant", testTenant},
			wantGraph: true, wantTenant: testTenant, wantFrom: [2]string{"-tenant", EnvClientID}, wantSignIn: DeviceCode},
		{name: "AZURE_TENANT_ID with -client-id", envTenant: testTenant, args: []string{"-client-id", testClientID},
			wantGraph: true, wantTenant: testTenant, wantFrom: [2]string{EnvTenant, "-client-id"}, wantSignIn: DeviceCode},
		{name: "a flag wins over its variable", envTenant: testTenant, envID: testClientID, args: []string{"-tenant", otherTenant},
			wantGraph: true, wantTenant: otherTenant, wantFrom: [2]string{"-tenant", EnvClientID}, wantSignIn: DeviceCode},
		{name: "-emulator with both variables", envTenant: testTenant, envID: testClientID, args: []string{"-emulator"},
			wantIgnored: []string{EnvTenant, EnvClientID}},
		{name: "-emulator with one variable: no error", envTenant: testTenant, args: []string{"-emulator"},
			wantIgnored: []string{EnvTenant}},
		{name: "-emulator with every sign-in flag", args: []string{"-emulator", "-tenant", "bad tenant!", "-client-id", "x", "-signin", "browser"},
			wantIgnored: []string{"-tenant", "-client-id", "-signin"}},
		{name: "-signin browser: Graph", envTenant: testTenant, envID: testClientID, args: []string{"-signin", "browser"},
			wantGraph: true, wantTenant: testTenant, wantFrom: [2]string{EnvTenant, EnvClientID}, wantSignIn: Browser},
		{name: "-signin without a tenant", args: []string{"-signin", "device-code"},
			wantUsageErr: []string{"-signin", "needs a tenant and a client ID"}},
		{name: "-signin unknown", args: []string{"-signin", "password"},
			wantUsageErr: []string{`invalid value "password" for flag -signin`, "device-code, browser"}},
		{name: "-tenant blank", envTenant: testTenant, envID: testClientID, args: []string{"-tenant", " "},
			wantUsageErr: []string{"-tenant is empty"}},
		{name: "-client-id blank", args: []string{"-client-id", ""},
			wantUsageErr: []string{"-client-id is empty"}},
		{name: "-client-id not a GUID", envTenant: testTenant, args: []string{"-client-id", "my-app"},
			wantUsageErr: []string{`-client-id "my-app"`, "GUID"}},
		{name: "AZURE_CLIENT_ID not a GUID", envTenant: testTenant, envID: "my-app",
			wantUsageErr: []string{`AZURE_CLIENT_ID="my-app"`, "GUID"}},
		{name: "-tenant malformed", envID: testClientID, args: []string{"-tenant", "bad tenant!"},
			wantUsageErr: []string{`-tenant "bad tenant!"`, "invalid tenantID"}},
		{name: "AZURE_TENANT_ID malformed", envTenant: "bad/tenant", envID: testClientID,
			wantUsageErr: []string{`AZURE_TENANT_ID="bad/tenant"`, "invalid tenantID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvTenant, tc.envTenant)
			t.Setenv(EnvClientID, tc.envID)
			var stdout, stderr bytes.Buffer
			p := New(Spec{Name: "x"}, &stdout, &stderr)
			target, err := p.Parse(tc.args)
			if tc.wantUsageErr != nil {
				var ue *UsageError
				require.True(t, errors.As(err, &ue), "want a *UsageError, got %v", err)
				for _, s := range tc.wantUsageErr {
					require.ErrorContains(t, err, s)
				}
				require.Equal(t, Target{}, target)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantGraph, target.Graph)
			require.Equal(t, tc.wantIgnored, target.Ignored)
			if !tc.wantGraph {
				require.Contains(t, target.String(), "the embedded emulator")
				_, err := target.NewGraphClient(nil)
				require.Error(t, err, "an emulator target has no Graph client")
				return
			}
			require.Equal(t, tc.wantTenant, target.Tenant)
			require.Equal(t, tc.wantFrom, [2]string{target.TenantFrom, target.ClientIDFrom})
			require.Equal(t, tc.wantSignIn, target.SignIn)
			require.Contains(t, target.String(), "Microsoft Graph (tenant "+tc.wantTenant)
			// Building the client sends nothing: the sign-in waits for
			// the first call, which this test never makes.
			c, err := target.NewGraphClient(nil)
			require.NoError(t, err)
			require.NotNil(t, c)
			require.Empty(t, stdout.String())
			require.Empty(t, stderr.String())
		})
	}
}

func TestTargetString(t *testing.T) {
	require.Equal(t, "the embedded emulator", Target{}.String())
	require.Equal(t, "the embedded emulator (-emulator: ignoring AZURE_TENANT_ID, -client-id)",
		Target{Ignored: []string{EnvTenant, "-client-id"}}.String())
	require.Equal(t, "Microsoft Graph (tenant t, from -tenant; client ID from AZURE_CLIENT_ID; browser sign-in)",
		Target{Graph: true, Tenant: "t", TenantFrom: "-tenant", ClientIDFrom: EnvClientID, SignIn: Browser}.String())
}
