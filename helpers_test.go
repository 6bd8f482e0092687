package backuprestore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// testCred is an azcore.TokenCredential returning a fixed token and
// recording the scopes it was asked for.
type testCred struct {
	token  string
	err    error
	mu     sync.Mutex
	scopes [][]string
	calls  atomic.Int32
}

func (c *testCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.calls.Add(1)
	c.mu.Lock()
	c.scopes = append(c.scopes, o.Scopes)
	c.mu.Unlock()
	if c.err != nil {
		return azcore.AccessToken{}, c.err
	}
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// makeJWT returns an unsigned JWT-shaped token with the given claims.
func makeJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(claims)
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + ".c2lnbmF0dXJl"
}

var (
	delegatedToken = makeJWT(map[string]any{"scp": "BackupRestore-Configuration.ReadWrite.All", "oid": "u1", "name": "Rian"})
	appOnlyToken   = makeJWT(map[string]any{"roles": []string{"BackupRestore-Configuration.ReadWrite.All"}, "idtyp": "app"})
)

func delegatedCred() *testCred { return &testCred{token: delegatedToken} }

const okUnit = `{"id":"u1","status":"offboardRequested"}`

// appliedUnit is okUnit read back right after this call's offboard: its
// offboardRequestedDateTime is the time of the answer (see step).
const appliedUnit = `{"id":"u1","status":"offboardRequested","offboardRequestedDateTime":"{{now}}"}`

// reply writes a JSON response with Graph's headers.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req-123")
	w.Header().Set("client-request-id", "client-456")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("models/testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

// countRoute counts the emulator's requests of a route.
func countRoute(srv *fake.Server, route fake.Route) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Route == route {
			n++
		}
	}
	return n
}

// countRequests counts the requests with method the emulator has seen.
func countRequests(srv *fake.Server, method string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

// causes counts each unit's transitions by cause.
func causes(srv *fake.Server) map[string]map[fake.Cause]int {
	out := map[string]map[fake.Cause]int{}
	for _, tr := range srv.AllTransitions() {
		if out[tr.UnitID] == nil {
			out[tr.UnitID] = map[fake.Cause]int{}
		}
		out[tr.UnitID][tr.Cause]++
	}
	return out
}

// unitsOf returns the emulator's units matching keep.
func unitsOf(srv *fake.Server, keep func(fake.Unit) bool) []fake.Unit {
	var out []fake.Unit
	for _, u := range srv.Units() {
		if keep(u) {
			out = append(out, u)
		}
	}
	return out
}

// removable matches the units of a policy that RemoveUnits can remove:
// protected, manually.
func removable(policyID string) func(fake.Unit) bool {
	return func(u fake.Unit) bool {
		return u.PolicyID == policyID && u.Status == models.StatusProtected && !strings.Contains(u.ProtectionSources, "dynamicRule")
	}
}

// offboardable returns an unprotected unit with no policy, the state
// offboard acts on.
func offboardable(t testing.TB, srv *fake.Server) string {
	t.Helper()
	for _, u := range srv.Units() {
		if u.Status == models.StatusUnprotected && u.PolicyID == "" {
			return u.ID
		}
	}
	t.Fatal("no unprotected unit without a policy")
	return ""
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
