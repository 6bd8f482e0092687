package emuproc

import (
	"encoding/json"
	"net/http"
	"testing"
)

// PolicyUnits puts units of every kind, protected, into Seed's six
// policies; the emulator's request log counts what was sent, $batch
// items apart, the control API left out.
func TestPolicyUnitsAndRequestCounts(t *testing.T) {
	e, err := Start(Config{PolicyUnits: 6, RecordRequests: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	policies := map[string]bool{}
	kinds := map[string]bool{}
	for i := range 6 {
		var u struct {
			ODataType string `json:"@odata.type"`
			PolicyID  string `json:"policyId"`
			Status    string `json:"status"`
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.BaseURL+"/solutions/backupRestore/protectionUnits/"+PolicyUnitID(i), nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&u)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("unit %d: %s, %v", i, resp.Status, err)
		}
		if u.Status != "protected" || u.PolicyID == "" {
			t.Errorf("unit %d: %+v, want protected in a policy", i, u)
		}
		policies[u.PolicyID], kinds[u.ODataType] = true, true
	}
	if len(policies) != 6 || len(kinds) != 3 {
		t.Errorf("%d policies and %d kinds, want 6 and 3", len(policies), len(kinds))
	}
	c, err := e.RequestCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Requests["get"] != 6 || c.Total() != 6 || c.TotalItems() != 0 {
		t.Errorf("counts %+v, want 6 gets and nothing else (the control API not counted)", c)
	}
}
