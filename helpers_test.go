package backuprestore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"
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

// recorded is what the test server saw of one request.
type recorded struct {
	Method, Path, RawPath, RawQuery string
	Header                          http.Header
	Body                            []byte
}

// testServer is an httptest server whose handler the test sets, recording
// every request.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	handler  http.HandlerFunc
}

func newTestServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{handler: h}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 0)
		if r.Body != nil {
			buf := make([]byte, 1<<16)
			for {
				n, err := r.Body.Read(buf)
				body = append(body, buf[:n]...)
				if err != nil {
					break
				}
			}
		}
		ts.mu.Lock()
		ts.requests = append(ts.requests, recorded{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), body})
		ts.mu.Unlock()
		ts.handler(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) seen() []recorded {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recorded(nil), ts.requests...)
}

func (ts *testServer) client(t *testing.T, cred *testCred, opts *Options) *Client {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	o.BaseURL = ts.URL + "/v1.0"
	if o.HTTPClient == nil {
		o.HTTPClient = ts.Server.Client()
	}
	c, err := NewClient(cred, &o)
	require.NoError(t, err)
	return c
}

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
