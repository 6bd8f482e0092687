package msgraph

// TestMsgraphSelectsArtifactCount is not a benchmark: it lists the
// policies through msgraph-sdk-go with
// $select=id,displayName,protectionPolicyArtifactCount against the
// emulator (cmd/emulator, a child process) and reads the counts. CI never
// runs it (CI does not compile bench/msgraph). Run it by hand:
//
//	cd bench/msgraph && go test -run TestMsgraphSelectsArtifactCount -v ./...

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/microsoftgraph/msgraph-sdk-go/solutions"
)

// The policy and units the test creates through the control API.
const (
	selectPolicyID   = "5e1ec7ed-0000-4000-8000-00000000c0de"
	selectPolicyName = "msgraph-sdk-go selects the artifact count"
)

func TestMsgraphSelectsArtifactCount(t *testing.T) {
	ctx := t.Context()
	origin := startEmulatorProcess(t)
	control[json.RawMessage](t, http.MethodPost, origin+"/_emulator/policies", fmt.Sprintf(`{"kind":"sharePoint","id":%q,"displayName":%q}`, selectPolicyID, selectPolicyName), nil)
	// Two protected units and one on its way in: completed 2, inProgress 1.
	for i, status := range []string{"protected", "protected", "protectRequested"} {
		control[json.RawMessage](t, http.MethodPost, origin+"/_emulator/units", fmt.Sprintf(
			`{"@odata.type":"#microsoft.graph.siteProtectionUnit","id":"sel-%d","policyId":%q,"status":%q,"siteId":"contoso.sharepoint.com,sel,%d"}`,
			i, selectPolicyID, status, i), nil)
	}
	control[json.RawMessage](t, http.MethodPost, origin+"/_emulator/policies?seed=true", "", nil)

	client := newStaticTokenMSGraph(t, origin+"/v1.0")
	list, err := client.Solutions().BackupRestore().ProtectionPolicies().Get(ctx, &solutions.BackupRestoreProtectionPoliciesRequestBuilderGetRequestConfiguration{
		QueryParameters: &solutions.BackupRestoreProtectionPoliciesRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName", "protectionPolicyArtifactCount"},
		},
	})
	if err != nil {
		t.Fatalf("list policies with $select: %s", safeErr(err))
	}
	if len(list.GetValue()) != 7 {
		t.Fatalf("msgraph listed %d policies, want 7 (ours and Seed's six)", len(list.GetValue()))
	}
	found := false
	for _, p := range list.GetValue() {
		if p.GetId() == nil || p.GetDisplayName() == nil {
			t.Errorf("a policy without its selected id or displayName: %v %v", p.GetId(), p.GetDisplayName())
			continue
		}
		if p.GetStatus() != nil || p.GetCreatedDateTime() != nil {
			t.Errorf("policy %s: unselected properties came back (status %v, createdDateTime %v)", *p.GetId(), p.GetStatus(), p.GetCreatedDateTime())
		}
		// msgraph-sdk-go v1.89.0 predates protectionPolicyArtifactCount:
		// Kiota keeps it in AdditionalData, its numbers as *float64 (or
		// *int64, depending on how the JSON was tokenized).
		raw, ok := p.GetAdditionalData()["protectionPolicyArtifactCount"].(map[string]any)
		if !ok {
			t.Errorf("policy %s: no protectionPolicyArtifactCount object in %v", *p.GetId(), p.GetAdditionalData())
			continue
		}
		counts := map[string]int64{}
		for _, k := range []string{"completed", "failed", "inProgress", "total"} {
			n, ok := count(raw[k])
			if !ok {
				t.Errorf("policy %s: protectionPolicyArtifactCount.%s is %T %v, want a whole number", *p.GetId(), k, raw[k], raw[k])
				continue
			}
			counts[k] = n
		}
		if *p.GetId() != selectPolicyID {
			continue
		}
		found = true
		want := map[string]int64{"completed": 2, "failed": 0, "inProgress": 1, "total": 3}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("our policy's counts: %v, want %v", counts, want)
		}
		t.Logf("%s (%s): protectionPolicyArtifactCount %v", *p.GetDisplayName(), *p.GetId(), counts)
	}
	if !found {
		t.Errorf("our policy %s is not in the listing", selectPolicyID)
	}
}

// count reads a whole number Kiota decoded into AdditionalData.
func count(v any) (int64, bool) {
	switch n := v.(type) {
	case *int64:
		if n == nil {
			return 0, false
		}
		return *n, true
	case *float64:
		if n == nil || *n != float64(int64(*n)) {
			return 0, false
		}
		return int64(*n), true
	}
	return 0, false
}
