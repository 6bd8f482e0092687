package identity_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
)

// testKey is one signing key for every test (generating one per test costs
// more than the test).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// clock is a controllable clock starting at the wall clock's now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

// Now reads the clock.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an emulated Entra ID and Graph emulator on one TLS origin, as
// cmd/emulator -tls -identity -strict-auth serves them.
type env struct {
	p     *identity.Provider
	graph *fake.Server
	srv   *httptest.Server
	clock *clock
	// host is the authority host, https://127.0.0.1:PORT/.
	host string
	// client trusts the server's certificate and refuses every host but
	// loopback ones, so no test reaches the internet.
	client *http.Client
	// caFile holds the server's certificate (PEM).
	caFile string
}

// newEnv starts an env. opts may be nil; its Now and Key are set.
func newEnv(t *testing.T, opts *identity.Options) *env {
	t.Helper()
	if opts == nil {
		opts = &identity.Options{}
	}
	e := &env{clock: newClock()}
	opts.Now, opts.Key = e.clock.Now, testKey()
	p, err := identity.New(opts)
	require.NoError(t, err)
	e.p = p
	e.graph = fake.NewServer(&fake.Options{StrictAuth: true, TokenVerifier: p.Verify, RealTimeClock: true, Start: time.Now()})
	e.srv = httptest.NewTLSServer(identity.Mount(e.graph, p))
	t.Cleanup(e.srv.Close)
	e.host = e.srv.URL + "/"
	base := e.srv.Client().Transport.(*http.Transport).Clone()
	e.client = &http.Client{Transport: loopbackOnly{base}}
	e.caFile = filepath.Join(t.TempDir(), "emulator.pem")
	require.NoError(t, os.WriteFile(e.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.srv.Certificate().Raw}), 0o600))
	return e
}

// clientOptions are the azcore options every credential of the tests uses.
func (e *env) clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.host}, Transport: e.client}
}

// loopbackOnly refuses requests to hosts other than loopback ones.
type loopbackOnly struct{ rt http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	h := r.URL.Hostname()
	if ip := net.ParseIP(h); (ip == nil || !ip.IsLoopback()) && h != "localhost" {
		return nil, fmt.Errorf("test transport: refusing to reach %s (tests stay on loopback)", r.URL.Host)
	}
	return l.rt.RoundTrip(r)
}

// post sends a form to an identity endpoint and decodes the JSON answer.
func (e *env) post(t *testing.T, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := e.client.PostForm(e.srv.URL+path, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

// get fetches a path and decodes the JSON answer into v.
func (e *env) get(t *testing.T, path string, v any) int {
	t.Helper()
	resp, err := e.client.Get(e.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	return resp.StatusCode
}

// graphScope is a Graph permission in the form clients ask for it.
func graphScope(name string) string { return identity.GraphResource + "/" + name }

// aadsts returns the AADSTS code at the start of an error description.
func aadsts(m map[string]any) string {
	d, _ := m["error_description"].(string)
	code, _, _ := strings.Cut(d, ":")
	return code
}

// decodeClaims decodes a JWT's payload (the signature is checked
// elsewhere).
func decodeClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// decodeHeader decodes a JWT's header.
func decodeHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }
