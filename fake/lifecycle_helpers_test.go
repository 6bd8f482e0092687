package fake_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

const brRoot = "/solutions/backupRestore"

// policyPath is the path of a policy in its typed collection, plus rest.
func policyPath(k models.PolicyKind, id string, rest ...string) string {
	p := brRoot + "/" + k.CollectionSegment() + "/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// addPolicy stores a policy or fails the test.
func (e *env) addPolicy(id string, k models.PolicyKind) fake.Policy {
	e.t.Helper()
	p, err := e.srv.AddPolicy(fake.Policy{ID: id, Kind: k, IsEnabled: true})
	require.NoError(e.t, err)
	return p
}

// withSources returns u with these protectionSources.
func withSources(u fake.Unit, src string) fake.Unit {
	u.ProtectionSources = src
	return u
}

// removal is a @delta removal item.
func removal(id string) map[string]any {
	return map[string]any{"@removed": map[string]any{"reason": "changed"}, "id": id}
}

// deltaBody is a PATCH body with the delta items for policy kind k.
func deltaBody(t *testing.T, k models.PolicyKind, items ...map[string]any) string {
	t.Helper()
	if items == nil {
		items = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{k.DeltaKey(): items})
	require.NoError(t, err)
	return string(b)
}

// patch sends a policy PATCH with a JSON body.
func (e *env) patch(k models.PolicyKind, id, b string, opts ...reqOpt) *result {
	e.t.Helper()
	return e.do("PATCH", policyPath(k, id), append([]reqOpt{contentType("application/json"), body(b)}, opts...)...)
}

// deltaEcho returns the @delta echo of a PATCH answer.
func deltaEcho(t *testing.T, r *result, k models.PolicyKind) []map[string]any {
	t.Helper()
	m := r.json(t)
	raw, ok := m[k.DeltaKey()].([]any)
	require.True(t, ok, "no %s in %s", k.DeltaKey(), r.body)
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

// unit returns the unit or fails the test.
func (e *env) unit(id string) fake.Unit {
	e.t.Helper()
	u, ok := e.srv.Unit(id)
	require.True(e.t, ok, "unit %q", id)
	return u
}

// policyStatus returns the derived status of a policy.
func (e *env) policyStatus(id string) models.ProtectionPolicyStatus {
	e.t.Helper()
	p, ok := e.srv.Policy(id)
	require.True(e.t, ok, "policy %q", id)
	return p.Status
}

// followAll follows nextLinks from path and returns every item's id and the
// links followed.
func (e *env) followAll(path string, opts ...reqOpt) (ids, links []string) {
	e.t.Helper()
	next := path
	for next != "" {
		r := e.do("GET", next, opts...)
		require.Equal(e.t, 200, r.status, "%s", r.body)
		ids = append(ids, r.ids(e.t)...)
		next, _ = r.json(e.t)["@odata.nextLink"].(string)
		if next != "" {
			links = append(links, next)
			require.True(e.t, strings.HasPrefix(next, base+"/"), "absolute nextLink: %s", next)
		}
	}
	return ids, links
}
