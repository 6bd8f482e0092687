package backuprestore

// Regression tests from a review of the outcome logic: each reproduced a
// false outcome (or a hang) before its fix.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatewayServer: every offboard is applied by the service, then a gateway
// answers 503 (single POST and $batch item alike). GETs answer the unit.
type gatewayServer struct {
	mu      sync.Mutex
	applied map[string]time.Time
	posts   int
}

func (g *gatewayServer) unitJSON(id string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if at, ok := g.applied[id]; ok {
		return fmt.Sprintf(`{"id":%q,"status":"offboardRequested","policyId":"","offboardRequestedDateTime":%q,"lastModifiedDateTime":%q,"lastModifiedBy":{"user":{"id":"u1"}}}`,
			id, at.UTC().Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
	}
	return fmt.Sprintf(`{"id":%q,"status":"unprotected","policyId":""}`, id)
}

func (g *gatewayServer) apply(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.posts++
	if _, ok := g.applied[id]; !ok {
		g.applied[id] = time.Now()
	}
}

const gw503 = `{"error":{"code":"serviceNotAvailable","message":"gateway"}}`

func (g *gatewayServer) handle(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/$batch"):
		var in struct {
			Requests []struct{ ID, Method, URL string } `json:"requests"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		var out []string
		for _, q := range in.Requests {
			seg := strings.Split(strings.Trim(q.URL, "/"), "/")
			if q.Method == "POST" {
				g.apply(seg[len(seg)-2])
				out = append(out, fmt.Sprintf(`{"id":%q,"status":503,"headers":{"Content-Type":"application/json"},"body":%s}`, q.ID, gw503))
			} else {
				out = append(out, fmt.Sprintf(`{"id":%q,"status":200,"headers":{"Content-Type":"application/json"},"body":%s}`, q.ID, g.unitJSON(seg[len(seg)-1])))
			}
		}
		reply(w, 200, `{"responses":[`+strings.Join(out, ",")+`]}`)
	case r.Method == "POST" && strings.HasSuffix(path, "/offboard"):
		seg := strings.Split(path, "/")
		g.apply(seg[len(seg)-2])
		reply(w, 503, gw503)
	case r.Method == "GET":
		seg := strings.Split(path, "/")
		reply(w, 200, g.unitJSON(seg[len(seg)-1]))
	default:
		reply(w, 404, `{"error":{"code":"NotFound"}}`)
	}
}

func TestRegressionBulkFinal503IgnoresItsOwnDoubt(t *testing.T) {
	g := &gatewayServer{applied: map[string]time.Time{}}
	ts := httptest.NewServer(http.HandlerFunc(g.handle))
	defer ts.Close()
	c, _ := NewClient(delegatedCred(), &Options{BaseURL: ts.URL + "/v1.0", HTTPClient: ts.Client(), Retry: RetryOptions{MaxRetries: 2, BaseDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond}})
	u, err := c.ProtectionUnits().ByID("single").Offboard().Post(t.Context(), nil)
	t.Logf("single Post: unit=%v err=%v", u != nil, err)
	res := c.ProtectionUnits().OffboardAll(t.Context(), []string{"bulk1"}, &BulkOptions{MaxAttempts: 3})
	x := res[0]
	t.Logf("bulk: unit=%v attempts=%d err=%v Unknown=%v", x.Unit != nil, x.Attempts, x.Err, errors.Is(x.Err, ErrOutcomeUnknown))
	if x.Err != nil && !errors.Is(x.Err, ErrOutcomeUnknown) {
		t.Errorf("bulk reports a plain 503 failure for a unit this call offboarded (the read-back would show it): %v", x.Err)
	}
}
