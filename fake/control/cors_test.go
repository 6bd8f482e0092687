package control_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/control"
)

// preflight sends a CORS preflight for a GET carrying Authorization and
// Prefer.
func (e *env) preflight(origin, path string) *result {
	e.t.Helper()
	return e.do("OPTIONS", path, noAuth(), header("Origin", origin), header("Access-Control-Request-Method", "GET"),
		header("Access-Control-Request-Headers", "authorization,prefer"))
}

func TestCORSPreflight(t *testing.T) {
	e := newEnv(t, nil)
	const origin = "http://localhost:3000"
	for _, p := range []string{unitsPath, unitPath("any", "cancelOffboard"), "/$batch", "http://emulator/_emulator/units", "/nowhere"} {
		r := e.preflight(origin, p)
		require.Equal(t, http.StatusNoContent, r.status, "%s: answered before authentication: %s", p, r.body)
		h := r.header
		require.Equal(t, origin, h.Get("Access-Control-Allow-Origin"), p)
		for _, m := range []string{"GET", "POST", "DELETE"} {
			require.Contains(t, h.Get("Access-Control-Allow-Methods"), m)
		}
		allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		for _, hd := range []string{"authorization", "prefer", "content-type", "client-request-id"} {
			require.Contains(t, allowed, hd)
		}
		require.Equal(t, "3600", h.Get("Access-Control-Max-Age"))
		require.Contains(t, h.Get("Vary"), "Origin")
		require.NotEmpty(t, h.Get("request-id"))
		require.Empty(t, r.body)
	}
	require.Empty(t, e.srv.Requests(), "preflights are not API requests: not recorded")

	// A plain OPTIONS (no preflight headers) is an API request as before.
	r := e.do("OPTIONS", unitsPath, noAuth())
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
}

func TestCORSResponseHeaders(t *testing.T) {
	e := newEnv(t, &fake.Options{Throttle: &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1, Burst: 1}}})
	const origin = "https://app.contoso.com"
	for _, tt := range []struct {
		name   string
		method string
		path   string
		opts   []reqOpt
		status int
	}{
		{"list", "GET", unitsPath, []reqOpt{prefer()}, 200},
		{"throttled", "GET", unitsPath, nil, 429},
		{"unauthenticated", "GET", unitsPath, []reqOpt{noAuth()}, 401},
		{"control API", "GET", "http://emulator/_emulator/clock", []reqOpt{noAuth()}, 200},
	} {
		r := e.do(tt.method, tt.path, append(tt.opts, header("Origin", origin))...)
		require.Equal(t, tt.status, r.status, tt.name)
		require.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"), tt.name)
		exposed := r.header.Get("Access-Control-Expose-Headers")
		for _, h := range []string{"request-id", "client-request-id", "Retry-After", "Location", "Preference-Applied"} {
			require.Contains(t, exposed, h, tt.name)
		}
		require.Contains(t, r.header.Values("Vary"), "Origin", tt.name)
	}
	// No Origin, no CORS headers.
	r := e.do("GET", "http://emulator/_emulator/clock", noAuth())
	require.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, r.header.Get("Access-Control-Expose-Headers"))
}

func TestCORSOrigins(t *testing.T) {
	for _, tt := range []struct {
		name    string
		origins []string
		origin  string
		allowed bool
	}{
		{"nil allows any", nil, "http://a.example", true},
		{"listed", []string{"http://a.example", "http://b.example:8080"}, "http://b.example:8080", true},
		{"listed, case and slash", []string{"HTTP://A.example/"}, "http://a.example", true},
		{"star", []string{"http://a.example", "*"}, "http://z.example", true},
		{"not listed", []string{"http://a.example"}, "http://b.example", false},
		{"other port", []string{"http://a.example"}, "http://a.example:81", false},
		{"empty list allows none", []string{}, "http://a.example", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, &control.Options{CORSOrigins: tt.origins})
			pre := e.preflight(tt.origin, unitsPath)
			r := e.do("GET", unitsPath, header("Origin", tt.origin))
			require.Equal(t, http.StatusOK, r.status, "an API call works with or without CORS")
			if tt.allowed {
				require.Equal(t, http.StatusNoContent, pre.status)
				require.Equal(t, tt.origin, pre.header.Get("Access-Control-Allow-Origin"))
				require.Equal(t, tt.origin, r.header.Get("Access-Control-Allow-Origin"))
				return
			}
			require.Equal(t, http.StatusForbidden, pre.status)
			require.Contains(t, pre.errMessage(t), tt.origin)
			for _, h := range []http.Header{pre.header, r.header} {
				for k := range h {
					require.False(t, strings.HasPrefix(k, "Access-Control-"), "a disallowed origin gets no %s", k)
				}
			}
		})
	}
}
