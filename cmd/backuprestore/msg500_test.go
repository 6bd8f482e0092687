package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// A 500 answer is described as what it is: the service answered 500 and
// may have acted (read back, the unit shows nothing yet), never as "no
// answer came back"; the answer is named once.
func TestServerErrorMessage(t *testing.T) {
	srv := liveEmulator(t)
	u := pick(srv, 1, removed)[0]
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, InBatch: true, UnitID: u.ID, Kind: fake.FaultStatus, Status: 500,
		Code: "generalException", Message: "something went wrong"})
	c := cli{srv: srv}
	r := c.run(t, append([]string{"--emulator", "--yes", "-o", "json", "offboard", u.ID}, fast...)...)
	require.Equal(t, exitUnknown, r.code, r.stderr)
	res := decodeResults(t, r.stdout)
	require.Equal(t, "unknown", res[0].Outcome)
	require.Contains(t, res[0].Error, "the service answered 500; it may have acted")
	require.NotContains(t, res[0].Error, "no attempt's answer came back")
	require.Equal(t, 1, strings.Count(res[0].Error, "500 generalException: something went wrong"), res[0].Error)
	require.False(t, strings.HasPrefix(res[0].Error, "backuprestore: "), "no package prefix in a unit's error")
}
