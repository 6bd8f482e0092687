package main

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// A run's results carry, per unit, the request-id of its last write's
// answer, when it was sent and the signed-in operator, in JSON and CSV;
// status shows them from the journal, with the units' names and their
// policies' names.
func TestAuditFields(t *testing.T) {
	srv := liveEmulator(t)
	units := pick(srv, 3, removable)
	c := cli{srv: srv}
	args := append([]string{"--emulator", "--yes", "-o", "json", "offboard"}, fast...)
	for _, u := range units {
		args = append(args, u.ID)
	}
	r := c.run(t, args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	res := decodeResults(t, r.stdout)
	for _, x := range res {
		require.Equal(t, "done", x.Outcome)
		require.Equal(t, fake.TestUserUPN, x.Operator, "the token's upn")
		require.NotEmpty(t, x.RequestID, "the offboard's request-id")
		require.NotNil(t, x.Sent)
		require.NotEmpty(t, x.PolicyName)
		require.NotEmpty(t, x.Name)
	}

	for _, out := range []string{"json", "csv"} {
		r = c.run(t, "--emulator", "-o", out, "status")
		require.Equal(t, exitOK, r.code, r.stderr)
		var st []resultJSON
		if out == "json" {
			st = decodeResults(t, r.stdout)
		} else {
			recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
			require.NoError(t, err)
			for _, h := range []string{"requestId", "sent", "operator", "policyName", "name"} {
				require.Contains(t, recs[0], h)
			}
			col := map[string]int{}
			for i, h := range recs[0] {
				col[h] = i
			}
			for _, rec := range recs[1:] {
				st = append(st, resultJSON{ID: rec[col["id"]], Name: rec[col["name"]], PolicyName: rec[col["policyName"]],
					RequestID: rec[col["requestId"]], Operator: rec[col["operator"]]})
			}
		}
		require.Len(t, st, len(res))
		for i, x := range st {
			require.Equal(t, res[i].ID, x.ID)
			require.Equal(t, res[i].Name, x.Name, "status shows the unit's name, not its ID")
			require.Equal(t, res[i].PolicyName, x.PolicyName, "and its policy's name")
			require.Equal(t, res[i].RequestID, x.RequestID)
			require.Equal(t, fake.TestUserUPN, x.Operator)
		}
	}
}
