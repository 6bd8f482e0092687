package fake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// Example shows the emulator serving a plain net/http client in-process:
// cancel the offboarding of a unit, then see the documented 403 for a unit
// that is not offboarding.
func Example() {
	srv := fake.NewServer(nil)
	_ = srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "89014d8c", Status: models.StatusOffboardRequested,
		SiteID: "contoso.sharepoint.com,da60e844-ba1d-49bc-b4d4-d5e36bae9019,712a596e-6e25-44fb-8a4b-7e4b2c5e4c1d"})
	_ = srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "2b014d8c", Status: models.StatusProtected, PolicyID: "9fec8e78"})
	client := srv.Client()
	token := fake.NewDelegatedCredential().Token()

	post := func(id, action string) {
		req, _ := http.NewRequest("POST", fake.DefaultBaseURL+"/solutions/backupRestore/protectionUnits/"+id+"/"+action, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Prefer", "include-unknown-enum-members")
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		var body struct {
			Status string `json:"status"`
			Error  struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode == http.StatusOK {
			fmt.Println(resp.StatusCode, body.Status)
		} else {
			fmt.Println(resp.StatusCode, body.Error.Code+":", body.Error.Message)
		}
	}
	post("89014d8c", "cancelOffboard")
	post("2b014d8c", "cancelOffboard")

	srv.Advance(fake.DefaultCancelDelay)
	u, _ := srv.Unit("89014d8c")
	fmt.Println(u.Status)
	for _, t := range srv.Transitions("89014d8c") {
		fmt.Println(t.Cause, t.From, "→", t.To, t.At.Format(time.RFC3339))
	}
	// Output:
	// 200 cancelOffboardRequested
	// 403 OperationNotAllowed: Offboarding cannot be cancelled as it is not in a valid state.
	// unprotected
	// cancelOffboard offboardRequested → cancelOffboardRequested 2026-01-01T00:00:00Z
	// timer cancelOffboardRequested → unprotected 2026-01-01T01:00:00Z
}

// ExampleServer_AddFault throttles the first offboard and resets the
// connection after the second was applied: the ambiguous failure a client
// must reconcile by reading the unit back.
func ExampleServer_AddFault() {
	srv := fake.NewServer(nil)
	_ = srv.AddUnit(fake.Unit{Kind: models.KindMailbox, ID: "m1", Status: models.StatusUnprotected})
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultStatus, Status: 429, RetryAfter: "2.128", Count: 1})
	srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultResetAfter, Count: 1})
	client := srv.Client()
	token := fake.NewDelegatedCredential().Token()
	for range 3 {
		req, _ := http.NewRequest("POST", fake.DefaultBaseURL+"/solutions/backupRestore/protectionUnits/m1/offboard", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		resp.Body.Close()
		fmt.Printf("%s (Retry-After %q)\n", resp.Status, resp.Header.Get("Retry-After"))
	}
	u, _ := srv.Unit("m1")
	fmt.Println(u.Status, len(srv.Transitions("m1")))
	// Output:
	// 429 Too Many Requests (Retry-After "2.128")
	// error: Post "https://graph.emulator.invalid/v1.0/solutions/backupRestore/protectionUnits/m1/offboard": read tcp in-process emulator: read: connection reset by peer
	// 403 Forbidden (Retry-After "")
	// offboardRequested 1
}

// ExampleServer_AddPolicy removes a unit from its policy with the
// "siteProtectionUnits@delta" PATCH, watches the policy update while the
// removal is pending, and offboards the unit once the removal is done.
func ExampleServer_AddPolicy() {
	srv := fake.NewServer(nil)
	_, _ = srv.AddPolicy(fake.Policy{ID: "pol-1", Kind: models.PolicyKindSharePoint, DisplayName: "Sites", IsEnabled: true})
	_ = srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "site-1", SiteID: "contoso.sharepoint.com,1,1", PolicyID: "pol-1", Status: models.StatusProtected})
	_ = srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: "site-2", SiteID: "contoso.sharepoint.com,2,2", PolicyID: "pol-1", Status: models.StatusProtected})
	client := srv.Client()
	token := fake.NewAppCredential().Token() // the PATCH accepts application permissions

	body := `{"siteProtectionUnits@delta":[{"@removed":{"reason":"changed"},"id":"site-1"},{"@removed":{"reason":"changed"},"id":"nope"}]}`
	req, _ := http.NewRequest("PATCH", fake.DefaultBaseURL+"/solutions/backupRestore/sharePointProtectionPolicies/pol-1", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var answer struct {
		Status string           `json:"status"`
		Delta  []map[string]any `json:"siteProtectionUnits@delta"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "policy", answer.Status)
	for _, it := range answer.Delta {
		if exc, failed := it["@Core.DataModificationException"].(map[string]any); failed {
			fmt.Println(it["id"], "failed:", exc["info"].(map[string]any)["message"])
			continue
		}
		fmt.Println(it["id"], it["status"], it["policyId"])
	}

	srv.Advance(fake.DefaultRemovalDelay)
	u, _ := srv.Unit("site-1")
	p, _ := srv.Policy("pol-1")
	fmt.Printf("%s %s policyId=%q offboardable=%v; policy %s\n", u.ID, u.Status, u.PolicyID, u.Offboardable(), p.Status)
	for _, t := range srv.Transitions("site-1") {
		fmt.Println(t.Cause, t.From, "→", t.To, t.PolicyID)
	}
	// Output:
	// 200 policy updating
	// site-1 removeRequested pol-1
	// nope failed: The identifier to be removed from the Protection Policy does not exist
	// site-1 unprotected policyId="" offboardable=true; policy active
	// remove protected → removeRequested pol-1
	// removed removeRequested → unprotected pol-1
}
