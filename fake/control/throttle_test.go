package control_test

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

func TestThrottleControlAPI(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, nil)
		const admin = "http://emulator/_emulator/throttle"
		r := e.do("GET", admin, noAuth())
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.JSONEq(t, `{"config":null,"admitted":0,"throttled":0,"statsInterval":"1s","scopes":[],"series":[]}`, string(r.body))

		r = e.do("POST", admin+"?appTenant=2/3&tenant=100", noAuth())
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		cfg := e.srv.ThrottleStats().Config
		require.Equal(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 2, Burst: 3}, Tenant: fake.ThrottleLimit{Rate: 100, Burst: 100},
			StatsInterval: fake.DefaultThrottleStatsInterval}, cfg)

		// The control API itself is never charged.
		for range 10 {
			require.Equal(t, http.StatusOK, e.do("GET", admin, noAuth()).status)
		}
		a, th := e.burst(4)
		require.Equal(t, [2]int{3, 1}, [2]int{a, th})
		r = e.do("GET", admin, noAuth())
		m := r.json(t)
		require.EqualValues(t, 3, m["admitted"])
		require.EqualValues(t, 1, m["throttled"])
		require.Equal(t, map[string]any{"appTenant": map[string]any{"rate": 2.0, "burst": 3.0},
			"tenant": map[string]any{"rate": 100.0, "burst": 100.0}, "statsInterval": "1s"}, m["config"])
		scopes := m["scopes"].([]any)
		require.Len(t, scopes, 2)
		require.Equal(t, map[string]any{"scope": "tenant", "tenant": fake.TestTenantID, "rate": 100.0, "burst": 100.0,
			"admitted": 3.0, "throttled": 0.0, "tokens": 96.0}, scopes[0])
		require.Equal(t, map[string]any{"scope": "appTenant", "app": fake.TestAppID, "tenant": fake.TestTenantID, "rate": 2.0, "burst": 3.0,
			"admitted": 3.0, "throttled": 1.0, "tokens": -1.0}, scopes[1])
		require.Equal(t, []any{map[string]any{"start": "2000-01-01T00:00:00Z", "admitted": 3.0, "throttled": 1.0}}, m["series"])

		// A JSON body sets the whole configuration (unnamed scopes become
		// unlimited).
		r = e.do("POST", admin, noAuth(), body(`{"app":{"rate":0.5},"statsInterval":"250ms"}`))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, &fake.ThrottleOptions{App: fake.ThrottleLimit{Rate: 0.5, Burst: 1}, StatsInterval: 250e6}, e.srv.ThrottleStats().Config)

		for _, bad := range []struct{ query, body string }{
			{"", ""},
			{"appTenant=fast", ""},
			{"app=5/0", ""},
			{"statsInterval=soon&app=1", ""},
			{"statsInterval=-1s&app=1", ""},
			{"app=1", `{"app":{"rate":1}}`},
			{"", `{"app":{"rate":-1}}`},
			{"", `{"app":{"rate":1,"brust":3}}`},
			{"", `not json`},
		} {
			r = e.do("POST", admin+"?"+bad.query, noAuth(), body(bad.body))
			require.Equal(t, http.StatusBadRequest, r.status, "%+v: %s", bad, r.body)
			require.Equal(t, "BadRequest", r.errCode(t))
		}
		require.Equal(t, fake.ThrottleLimit{Rate: 0.5, Burst: 1}, e.srv.ThrottleStats().Config.App, "a bad POST changes nothing")

		require.Equal(t, http.StatusNoContent, e.do("DELETE", admin, noAuth()).status)
		require.Nil(t, e.srv.ThrottleStats().Config)
		a, _ = e.burst(10)
		require.Equal(t, 10, a)
	})
}
