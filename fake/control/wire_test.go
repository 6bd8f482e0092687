package control_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// gz returns s gzip-compressed.
func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.String()
}

// The control API takes compressed bodies as the API does (the control
// part of fake's TestCompressedBodies).
func TestCompressedBodies(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("POST", "http://emulator/_emulator/units", noAuth(), header("Content-Encoding", "gzip"), body(gz(t, `{"kind":"site","id":"zipped","siteId":"h,1,2"}`)))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	_, ok := e.srv.Unit("zipped")
	require.True(t, ok)

	for _, tt := range []struct {
		name, encoding, body string
		status               int
	}{
		{"unknown coding", "br", `{}`, http.StatusUnsupportedMediaType},
		{"not gzip", "gzip", "not gzip", http.StatusBadRequest},
	} {
		r := e.do("POST", "http://emulator/_emulator/units", noAuth(), header("Content-Encoding", tt.encoding), body(tt.body))
		require.Equal(t, tt.status, r.status, "%s: %s", tt.name, r.body)
	}
}

// The control API names the policy routes in faults (the control part of
// fake's TestFaultsOnPolicyRoutes).
func TestFaultsOnPolicyRoutes(t *testing.T) {
	e := newEnv(t, nil)
	for _, name := range []string{"policyList", "policyGet", "policyPatch", "policyUnitList", "policyUnitGet", "serviceStatus"} {
		r := e.do("POST", "http://emulator/_emulator/faults", noAuth(), body(`{"route":"`+name+`","kind":"latency","latency":"1ns","policyId":"x"}`))
		require.Equal(t, 200, r.status, "%s: %s", name, r.body)
	}
}

// Faults do not reach the control API (the control part of fake's
// TestFaultMatchingAndLifecycle).
func TestFaultMatchingAndLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.AddFault(fake.Fault{Kind: fake.FaultStatus})
	require.Equal(t, 503, e.do("GET", unitsPath).status)
	require.Equal(t, 200, e.do("GET", "http://emulator/_emulator/clock").status)
	e.srv.ClearFaults()
}
