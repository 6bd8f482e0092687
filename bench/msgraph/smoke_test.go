package msgraph

import (
	"testing"

	"github.com/m365kit/backuprestore/bench/benchserver"
)

// TestContenders runs the msgraph contender of every benchmark once, so
// `go test` (without -bench) proves that each one gets the right answer.
func TestContenders(t *testing.T) {
	ctx := t.Context()
	graphOK, _ := newMSGraph(t, servers.OK+"/v1.0")
	graph403, _ := newMSGraph(t, servers.Forbidden+"/v1.0")
	graphList, graphListAdapter := newMSGraph(t, servers.List+"/v1.0")
	seed, err := benchserver.SeedUnit()
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"cancel/msgraph": msgraphCancelOK(ctx, graphOK),
		"403/msgraph":    msgraph403OK(ctx, graph403),
		"decode/msgraph": msgraphDecode(seed),
		"list/msgraph":   msgraphListOK(ctx, graphList, graphListAdapter, benchserver.ExpectedListing()),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
