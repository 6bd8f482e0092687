package emuproc

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// policyUnitKinds are the kinds of Config.PolicyUnits, in turn.
var policyUnitKinds = [3]models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox}

// addPolicyUnits adds Config.PolicyUnits' n units to Seed's six policies.
// It fails when the emulator refuses a unit.
func addPolicyUnits(srv *fake.Server, n int) error {
	if n <= 0 {
		return nil
	}
	byKind := map[models.PolicyKind][]string{}
	for _, p := range srv.SeedPolicies() {
		byKind[p.Kind] = append(byKind[p.Kind], p.ID)
	}
	for _, ids := range byKind {
		slices.Sort(ids)
	}
	for i := range n {
		id, kind := PolicyUnitID(i), policyUnitKinds[i%3]
		pols := byKind[models.PolicyKindOf(kind)]
		if len(pols) < 2 {
			return fmt.Errorf("emuproc: %d %s policies, want Seed's two", len(pols), models.PolicyKindOf(kind))
		}
		u := fake.Unit{Kind: kind, ID: id, PolicyID: pols[(i/3)%2], Status: models.StatusProtected, ProtectionSources: "manual"}
		switch kind {
		case models.KindSite:
			u.SiteID = "contoso.sharepoint.com,s," + id
			u.SiteName, u.SiteWebURL = "Site "+id, "https://contoso.sharepoint.com/sites/"+id
		default:
			u.DirectoryObjectID = "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", i)
			u.DisplayName, u.Email = "User "+id, id+"@contoso.com"
		}
		if err := srv.AddUnit(u); err != nil {
			return err
		}
	}
	return nil
}

// RequestCounts is what the emulator's request log holds (Config.RecordRequests).
type RequestCounts struct {
	// Requests counts the HTTP requests (a $batch is one), by route name
	// ("batch", "policyPatch", "serviceStatus", "get", "offboard", …).
	Requests map[string]int
	// Items counts the items inside $batch requests, by route name.
	Items map[string]int
	// Entries is the number of log entries read; when it reaches the
	// log's bound (fake.DefaultMaxRecordedRequests) older entries were
	// dropped and the counts are short.
	Entries int
}

// Total is the number of HTTP requests.
func (c RequestCounts) Total() int {
	n := 0
	for _, v := range c.Requests {
		n += v
	}
	return n
}

// TotalItems is the number of $batch items.
func (c RequestCounts) TotalItems() int {
	n := 0
	for _, v := range c.Items {
		n += v
	}
	return n
}

// RequestCounts reads the emulator's request log (GET /_emulator/requests)
// and counts it. It fails when the control API cannot be reached, answers
// something unexpected, or the log was full (entries dropped).
func (e *Emulator) RequestCounts(ctx context.Context) (RequestCounts, error) {
	var w struct {
		Value []struct {
			Route   string `json:"route"`
			InBatch bool   `json:"inBatch"`
			Path    string `json:"path"`
		} `json:"value"`
	}
	if err := control(ctx, e, http.MethodGet, "/_emulator/requests", &w); err != nil {
		return RequestCounts{}, err
	}
	c := RequestCounts{Requests: map[string]int{}, Items: map[string]int{}}
	for _, r := range w.Value {
		if strings.HasPrefix(r.Path, "/_emulator") {
			continue
		}
		if r.InBatch {
			c.Items[r.Route]++
		} else {
			c.Requests[r.Route]++
		}
		c.Entries++
	}
	if len(w.Value) >= fake.DefaultMaxRecordedRequests {
		return c, fmt.Errorf("emuproc: the request log holds %d entries, its bound: older ones were dropped", len(w.Value))
	}
	return c, nil
}
