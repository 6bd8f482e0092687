package control_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/control"
	"github.com/m365kit/backuprestore/models"
)

const (
	base      = "http://emulator/v1.0"
	unitsPath = "/solutions/backupRestore/protectionUnits"
)

// env is an emulator behind the control handler, called without a socket,
// with a delegated token.
type env struct {
	t     *testing.T
	srv   *fake.Server
	h     *control.Handler
	token string
}

// newEnv returns an env for an emulator configured by opts; copts
// configures the handler (nil: the defaults).
func newEnv(t *testing.T, opts *fake.Options, copts ...*control.Options) *env {
	t.Helper()
	srv := fake.NewServer(opts)
	var co *control.Options
	if len(copts) > 0 {
		co = copts[0]
	}
	return &env{t: t, srv: srv, h: control.New(srv, co), token: fake.NewDelegatedCredential().Token()}
}

// reqOpt changes a request before it is sent.
type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Add(k, v) } }
func noAuth() reqOpt            { return func(r *http.Request) { r.Header.Del("Authorization") } }
func prefer() reqOpt            { return header("Prefer", "include-unknown-enum-members") }
func body(b string) reqOpt {
	return func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(b)) }
}

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

// do serves a request through the handler; path is absolute or under
// /v1.0.
func (e *env) do(method, path string, opts ...reqOpt) *result {
	e.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http://") {
		u = base + path
	}
	req := httptest.NewRequestWithContext(e.t.Context(), method, u, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	resp := rec.Result()
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

// status returns the stored status of a unit.
func (e *env) status(id string) models.ProtectionUnitStatus {
	e.t.Helper()
	u, ok := e.srv.Unit(id)
	require.True(e.t, ok, "unit %q", id)
	return u.Status
}

// burst lists units n times and counts the admitted and throttled answers.
func (e *env) burst(n int) (admitted, throttled int) {
	e.t.Helper()
	for range n {
		switch st := e.do("GET", unitsPath).status; st {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			throttled++
		default:
			e.t.Fatalf("status %d", st)
		}
	}
	return admitted, throttled
}
