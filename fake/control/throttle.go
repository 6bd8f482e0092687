package control

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/fake"
)

// adminLimit is the JSON form of a fake.ThrottleLimit.
type adminLimit struct {
	Rate  float64 `json:"rate"`
	Burst int     `json:"burst"`
}

// adminThrottleConfig is the JSON form of fake.ThrottleOptions: the body of
// POST /_emulator/throttle and the "config" of GET.
type adminThrottleConfig struct {
	App           *adminLimit `json:"app,omitempty"`
	Tenant        *adminLimit `json:"tenant,omitempty"`
	AppTenant     *adminLimit `json:"appTenant,omitempty"`
	StatsInterval string      `json:"statsInterval,omitempty"`
}

// adminScopeStats is the JSON form of a ThrottleScopeStats.
type adminScopeStats struct {
	Scope     string  `json:"scope"`
	App       string  `json:"app,omitempty"`
	Tenant    string  `json:"tenant,omitempty"`
	Rate      float64 `json:"rate"`
	Burst     int     `json:"burst"`
	Admitted  int64   `json:"admitted"`
	Throttled int64   `json:"throttled"`
	Tokens    float64 `json:"tokens"`
}

// adminSample is the JSON form of a ThrottleSample.
type adminSample struct {
	Start     string `json:"start"`
	Admitted  int64  `json:"admitted"`
	Throttled int64  `json:"throttled"`
}

// adminThrottleStats is the answer of GET /_emulator/throttle.
type adminThrottleStats struct {
	Config        *adminThrottleConfig `json:"config"`
	Admitted      int64                `json:"admitted"`
	Throttled     int64                `json:"throttled"`
	StatsInterval string               `json:"statsInterval"`
	Scopes        []adminScopeStats    `json:"scopes"`
	Series        []adminSample        `json:"series"`
}

// toAdminLimit converts a limit; nil for an unlimited one.
func toAdminLimit(l fake.ThrottleLimit) *adminLimit {
	if l.IsZero() {
		return nil
	}
	return &adminLimit{Rate: l.Rate, Burst: l.Burst}
}

// fromAdminLimit converts a limit; nil is unlimited.
func fromAdminLimit(a *adminLimit) fake.ThrottleLimit {
	if a == nil {
		return fake.ThrottleLimit{}
	}
	return fake.ThrottleLimit{Rate: a.Rate, Burst: a.Burst}
}

// toAdminThrottleConfig converts a configuration; nil when off.
func toAdminThrottleConfig(o *fake.ThrottleOptions) *adminThrottleConfig {
	if o == nil {
		return nil
	}
	return &adminThrottleConfig{App: toAdminLimit(o.App), Tenant: toAdminLimit(o.Tenant), AppTenant: toAdminLimit(o.AppTenant),
		StatsInterval: o.StatsInterval.String()}
}

// adminThrottleStatsOf converts a snapshot.
func adminThrottleStatsOf(st fake.ThrottleStats) adminThrottleStats {
	out := adminThrottleStats{Config: toAdminThrottleConfig(st.Config), Admitted: st.Admitted, Throttled: st.Throttled,
		StatsInterval: st.Interval.String(), Scopes: make([]adminScopeStats, len(st.Scopes)), Series: make([]adminSample, len(st.Series))}
	for i, sc := range st.Scopes {
		out.Scopes[i] = adminScopeStats{Scope: sc.Scope.String(), App: sc.App, Tenant: sc.Tenant, Rate: sc.Limit.Rate,
			Burst: sc.Limit.Burst, Admitted: sc.Admitted, Throttled: sc.Throttled, Tokens: sc.Tokens}
	}
	for i, s := range st.Series {
		out.Series[i] = adminSample{Start: s.Start.UTC().Format(time.RFC3339Nano), Admitted: s.Admitted, Throttled: s.Throttled}
	}
	return out
}

// parseAdminThrottle reads the configuration of POST /_emulator/throttle:
// from the query (app=, tenant=, appTenant= as RATE[/BURST],
// statsInterval=) or from a JSON body, not both.
func parseAdminThrottle(q url.Values, body []byte) (*fake.ThrottleOptions, string) {
	o := &fake.ThrottleOptions{}
	hasQuery := false
	for _, p := range []struct {
		name string
		dst  *fake.ThrottleLimit
	}{{"app", &o.App}, {"tenant", &o.Tenant}, {"appTenant", &o.AppTenant}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		hasQuery = true
		l, err := fake.ParseThrottleLimit(v)
		if err != nil {
			return nil, p.name + ": " + err.Error()
		}
		*p.dst = l
	}
	interval := q.Get("statsInterval")
	hasQuery = hasQuery || interval != ""
	if len(bytes.TrimSpace(body)) > 0 {
		if hasQuery {
			return nil, "give the throttling configuration in the query or in the body, not both"
		}
		var a adminThrottleConfig
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			return nil, "body: " + err.Error()
		}
		o.App, o.Tenant, o.AppTenant = fromAdminLimit(a.App), fromAdminLimit(a.Tenant), fromAdminLimit(a.AppTenant)
		interval = a.StatsInterval
	} else if !hasQuery {
		return nil, "POST /_emulator/throttle needs a limit: ?appTenant=RATE[/BURST] (or app=, tenant=), or a JSON body; DELETE turns throttling off"
	}
	if interval != "" {
		d, err := time.ParseDuration(interval)
		if err != nil || d <= 0 {
			return nil, "statsInterval: want a positive Go duration such as 1s or 100ms, got " + strconv.Quote(interval)
		}
		o.StatsInterval = d
	}
	return o, ""
}

// throttleStats answers the throttling model's configuration and counts.
func (h *Handler) throttleStats() *reply { return okJSON(adminThrottleStatsOf(h.srv.ThrottleStats())) }

// getThrottle serves GET /_emulator/throttle.
func (h *Handler) getThrottle(*request) *reply { return h.throttleStats() }

// postThrottle serves POST /_emulator/throttle: a new configuration from
// the query or a JSON body.
func (h *Handler) postThrottle(rq *request) *reply {
	o, msg := parseAdminThrottle(rq.q, rq.body)
	if msg == "" {
		if err := h.srv.SetThrottle(o); err != nil {
			msg = err.Error()
		}
	}
	if msg != "" {
		return fail(http.StatusBadRequest, msg)
	}
	return h.throttleStats()
}

// deleteThrottle serves DELETE /_emulator/throttle: throttling off.
func (h *Handler) deleteThrottle(*request) *reply {
	_ = h.srv.SetThrottle(nil) // nil is always valid
	return noContent()
}
