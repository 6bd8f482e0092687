package control_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Groups and the directory through the control API: a group is added,
// listed and replaced; the directory grows by seed.
func TestControlGroupsAndDirectory(t *testing.T) {
	e := newEnv(t, nil)
	const g = `{"id":"0f0e0d0c-0b0a-0908-0706-050403020100","displayName":"Sales","members":["1f0e0d0c-0b0a-0908-0706-050403020100"]}`
	r := e.do("POST", "http://emulator/_emulator/groups", noAuth(), body(g))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = e.do("GET", "http://emulator/_emulator/groups", noAuth())
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var got struct {
		Value []struct {
			ID      string   `json:"id"`
			Members []string `json:"members"`
		} `json:"value"`
	}
	require.NoError(t, json.Unmarshal(r.body, &got))
	require.Len(t, got.Value, 1)
	require.Equal(t, []string{"1f0e0d0c-0b0a-0908-0706-050403020100"}, got.Value[0].Members)
	r = e.do("POST", "http://emulator/_emulator/groups", noAuth(), body(`{"id":"not a guid"}`))
	require.Equal(t, http.StatusBadRequest, r.status)

	r = e.do("POST", "http://emulator/_emulator/directory?seed=3", noAuth())
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.JSONEq(t, `{"sites":3,"users":3}`, string(r.body))
	r = e.do("POST", "http://emulator/_emulator/directory?seed=0", noAuth())
	require.Equal(t, http.StatusBadRequest, r.status)
}
