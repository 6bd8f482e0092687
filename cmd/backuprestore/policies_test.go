package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// The seeded emulator's policies and service status in every format.
func TestPoliciesAndServiceStatusGolden(t *testing.T) {
	for _, out := range listOutputs {
		t.Run(out, func(t *testing.T) {
			var c cli
			r := c.run(t, "--emulator", "-o", out, "policies", "list")
			require.Equal(t, 0, r.code, r.stderr)
			golden(t, "policies_list."+out, r.stdout)
			r = c.run(t, "--emulator", "-o", out, "service-status")
			require.Equal(t, 0, r.code, r.stderr)
			golden(t, "service_status."+out, r.stdout)
		})
	}
}

// policies list --kind lists one workload's policies, named in the one
// vocabulary of kinds (site, drive, mailbox) or by the workload's name, in
// any case.
func TestPoliciesListKind(t *testing.T) {
	srv := testEmulator()
	c := cli{srv: srv}
	for i, k := range models.PolicyKinds() {
		flag := []string{policyKindText(k), strings.ToUpper(k.String())}[i%2]
		r := c.run(t, "--emulator", "-o", "json", "policies", "list", "--kind", flag)
		require.Equal(t, 0, r.code, r.stderr)
		var ps []policyJSON
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &ps))
		var want []string
		for _, p := range srv.Policies() {
			if p.Kind == k {
				want = append(want, p.ID)
			}
		}
		var got []string
		for _, p := range ps {
			require.Equal(t, policyKindText(k), p.Kind)
			got = append(got, p.ID)
		}
		require.ElementsMatch(t, want, got)
	}
}

// A locked tenant shows as such; a token without the Control permission
// is an authorization failure (exit 4) naming the permission.
func TestServiceStatus(t *testing.T) {
	srv := testEmulator()
	require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	c := cli{srv: srv}
	r := c.run(t, "--emulator", "-o", "json", "service-status")
	require.Equal(t, 0, r.code, r.stderr)
	var st serviceStatusJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	require.Equal(t, "protectionChangeLocked", st.Status)
	require.False(t, st.AllowsProtectionChanges)

	c.cred = fake.NewDelegatedCredential(fake.PermissionReadWrite)
	r = c.run(t, "--emulator", "service-status")
	require.Equal(t, exitAuth, r.code, r.stderr)
	require.Contains(t, r.stderr, "the token lacks a permission (403)")
	require.Contains(t, r.stderr, "needs the delegated permission "+permControlRead)
	require.Empty(t, r.stdout)
}
