package fake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

const (
	base      = fake.DefaultBaseURL
	unitsPath = "/solutions/backupRestore/protectionUnits"
)

// env is an emulator with an in-process client and a delegated token.
type env struct {
	t      *testing.T
	srv    *fake.Server
	client *http.Client
	token  string
}

func newEnv(t *testing.T, opts *fake.Options) *env {
	t.Helper()
	srv := fake.NewServer(opts)
	return &env{t: t, srv: srv, client: srv.Client(), token: fake.NewDelegatedCredential().Token()}
}

// reqOpt changes a request before it is sent.
type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Add(k, v) } }
func token(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}
func noAuth() reqOpt          { return func(r *http.Request) { r.Header.Del("Authorization") } }
func prefer() reqOpt          { return header("Prefer", "include-unknown-enum-members") }
func rawAuth(v string) reqOpt { return func(r *http.Request) { r.Header.Set("Authorization", v) } }
func body(b string) reqOpt {
	return func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(b)) }
}
func contentType(ct string) reqOpt { return header("Content-Type", ct) }

// result is an answer.
type result struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// json decodes the body as an object.
func (r *result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errCode returns error.code of an error body.
func (r *result) errCode(t *testing.T) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	require.True(t, ok, "no error object in %s", r.body)
	return e["code"].(string)
}

// errMessage returns error.message of an error body.
func (r *result) errMessage(t *testing.T) string {
	t.Helper()
	return r.json(t)["error"].(map[string]any)["message"].(string)
}

// ids returns the ids of a list answer's value.
func (r *result) ids(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, v := range r.json(t)["value"].([]any) {
		out = append(out, v.(map[string]any)["id"].(string))
	}
	return out
}

// url returns base+path unless path is already absolute.
func fullURL(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return base + path
}

// do sends a request through the in-process transport.
func (e *env) do(method, path string, opts ...reqOpt) *result {
	e.t.Helper()
	return doWith(e.t, e.client, e.token, method, fullURL(path), opts...)
}

// doWith sends a request with client c.
func doWith(t *testing.T, c *http.Client, tok, method, u string, opts ...reqOpt) *result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	for _, o := range opts {
		o(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		return &result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return &result{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// unitPath is the path of a unit, its ID escaped as one segment.
func unitPath(id string, rest ...string) string {
	p := unitsPath + "/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// add stores units or fails the test.
func (e *env) add(units ...fake.Unit) {
	e.t.Helper()
	for _, u := range units {
		require.NoError(e.t, e.srv.AddUnit(u))
	}
}

// site returns a site unit in status st with policy pol.
func site(id string, st models.ProtectionUnitStatus, pol string) fake.Unit {
	return fake.Unit{Kind: models.KindSite, ID: id, Status: st, PolicyID: pol,
		SiteID:   "contoso.sharepoint.com,11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222",
		SiteName: "Site " + id, SiteWebURL: "https://contoso.sharepoint.com/sites/" + id}
}

// mailbox returns a mailbox unit.
func mailbox(id string, st models.ProtectionUnitStatus, pol string) fake.Unit {
	return fake.Unit{Kind: models.KindMailbox, ID: id, Status: st, PolicyID: pol,
		DirectoryObjectID: "dir-" + id, DisplayName: "Owner " + id, Email: id + "@contoso.com"}
}

// drive returns a drive unit.
func drive(id string, st models.ProtectionUnitStatus, pol string) fake.Unit {
	u := mailbox(id, st, pol)
	u.Kind = models.KindDrive
	return u
}

// status returns the stored status of a unit.
func (e *env) status(id string) models.ProtectionUnitStatus {
	e.t.Helper()
	u, ok := e.srv.Unit(id)
	require.True(e.t, ok, "unit %q", id)
	return u.Status
}

// causes counts the transitions of a unit with a cause.
func causes(ts []fake.Transition, c fake.Cause) int {
	n := 0
	for _, t := range ts {
		if t.Cause == c {
			n++
		}
	}
	return n
}

// batchBody builds a $batch body.
func batchBody(t *testing.T, items ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"requests": items})
	require.NoError(t, err)
	return string(b)
}

// batchResponses decodes a $batch answer keyed by id, and the id order.
func batchResponses(t *testing.T, r *result) (map[string]map[string]any, []string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out struct {
		Responses []map[string]any `json:"responses"`
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	m := map[string]map[string]any{}
	var order []string
	for _, it := range out.Responses {
		id := it["id"].(string)
		m[id] = it
		order = append(order, id)
	}
	return m, order
}
