package control

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// Endpoint is one endpoint of the control API (under /_emulator/, no token
// needed), as GET /_emulator/ lists it.
type Endpoint struct {
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the absolute path, e.g. "/_emulator/clock".
	Path string `json:"path"`
	// Query describes the query parameters ("" when none).
	Query string `json:"query,omitempty"`
	// Body describes the request body ("" when none).
	Body string `json:"body,omitempty"`
	// Description says what the endpoint does, in one line.
	Description string `json:"description"`
}

// route is an endpoint and the function that serves it.
type route struct {
	Endpoint
	serve func(h *Handler, rq *request) *reply
}

// path returns the route's path as a request names it: after /_emulator,
// without a trailing slash.
func (r *route) path() string { return strings.TrimSuffix(strings.TrimPrefix(r.Path, prefix), "/") }

// key returns "METHOD /path".
func (r *route) key() string { return r.Method + " " + r.path() }

// routes returns the control API, in the order the index lists it, by
// family: the index, the clock, units and inspection, faults, throttling,
// the policy side, reset. Each family's handlers live in its own file. (A
// function, not a variable: the index serves the table it is part of.)
func routes() []route {
	return []route{
		{Endpoint{Method: "GET", Path: "/_emulator/", Description: "This index of the control API."}, (*Handler).index},
		{Endpoint{Method: "GET", Path: "/_emulator/clock", Description: "The emulator clock's time: {\"now\": RFC 3339}."}, (*Handler).getClock},
		{Endpoint{Method: "POST", Path: "/_emulator/clock", Query: "advance=<Go duration or days, e.g. 90d> | set=<RFC 3339 time>",
			Description: "Advance or set the emulator clock, applying every timer that falls due."}, (*Handler).postClock},
		{Endpoint{Method: "GET", Path: "/_emulator/units", Description: "Every unit, with its real status (no unknownFutureValue masking)."}, (*Handler).getUnits},
		{Endpoint{Method: "POST", Path: "/_emulator/units", Query: "seed=<n, 1-1000000>", Body: "a unit as the API writes it (without seed)",
			Description: "Seed n realistic units, or add one unit."}, (*Handler).postUnits},
		{Endpoint{Method: "GET", Path: "/_emulator/transitions", Description: "Every status transition of every unit, oldest first."}, (*Handler).getTransitions},
		{Endpoint{Method: "GET", Path: "/_emulator/requests", Description: "The request log (tokens redacted), oldest first."}, (*Handler).getRequests},
		{Endpoint{Method: "POST", Path: "/_emulator/faults", Body: `{"route":"offboard","kind":"status","status":429,"retryAfter":"2","count":1,...}`,
			Description: "Inject a fault; answers its id."}, (*Handler).postFault},
		{Endpoint{Method: "DELETE", Path: "/_emulator/faults", Description: "Remove every fault."}, (*Handler).deleteFaults},
		{Endpoint{Method: "GET", Path: "/_emulator/throttle", Description: "The throttling model: configuration, admitted/throttled counts per scope, per-interval series."}, (*Handler).getThrottle},
		{Endpoint{Method: "POST", Path: "/_emulator/throttle", Query: "app=RATE[/BURST]&tenant=RATE[/BURST]&appTenant=RATE[/BURST]&statsInterval=<Go duration>",
			Body:        `{"app":{"rate":R,"burst":B},"tenant":{...},"appTenant":{...},"statsInterval":"1s"} (instead of the query)`,
			Description: "Turn throttling on or change its limits (requests or $batch items per second); unnamed scopes are unlimited."}, (*Handler).postThrottle},
		{Endpoint{Method: "DELETE", Path: "/_emulator/throttle", Description: "Turn throttling off (the counts stay)."}, (*Handler).deleteThrottle},
		{Endpoint{Method: "GET", Path: "/_emulator/policies", Description: "Every protection policy, with its derived status."}, (*Handler).getPolicies},
		{Endpoint{Method: "POST", Path: "/_emulator/policies", Query: "seed=true", Body: `{"kind":"sharePoint","id":"...","displayName":"...","isEnabled":true}`,
			Description: "Seed two policies per workload (?seed=true), or add one policy."}, (*Handler).postPolicies},
		{Endpoint{Method: "GET", Path: "/_emulator/service-status", Description: "The tenant's serviceStatus."}, (*Handler).getServiceStatus},
		{Endpoint{Method: "POST", Path: "/_emulator/service-status", Query: "status=enabled|disabled|protectionChangeLocked|restoreLocked",
			Body:        `{"status":"...","disableReason":"...","gracePeriodDateTime":"...","restoreAllowedTillDateTime":"..."}`,
			Description: "Change the service status (anything but enabled refuses policy PATCHes)."}, (*Handler).postServiceStatus},
		{Endpoint{Method: "GET", Path: "/_emulator/settings", Description: "The policy PATCH's settings: deltaErrorShape, removalDelay."}, (*Handler).getSettings},
		{Endpoint{Method: "POST", Path: "/_emulator/settings", Query: "deltaErrorShape=dataModificationException|publicError&removalDelay=<Go duration>",
			Description: "Change how a PATCH reports failed items, and how long removal takes."}, (*Handler).postSettings},
		{Endpoint{Method: "GET", Path: "/_emulator/groups", Description: "The tenant's groups (what dynamic drive and mailbox rules select)."}, (*Handler).getGroups},
		{Endpoint{Method: "POST", Path: "/_emulator/groups", Body: `{"id":"<guid>","displayName":"...","members":["<directory object id>",...]}`,
			Description: "Add or replace a group; the dynamic rules naming it follow its members at once."}, (*Handler).postGroups},
		{Endpoint{Method: "POST", Path: "/_emulator/directory", Query: "seed=<n, 1-1000000>",
			Description: "Add n sites and n people no policy protects yet (project-site-N, personN@contoso.onmicrosoft.com)."}, (*Handler).postDirectory},
		{Endpoint{Method: "POST", Path: "/_emulator/reset", Description: "Reset the emulator: no units, faults or logs, clock and throttling back at their start."}, (*Handler).reset},
	}
}

// Endpoints returns the endpoints of the control API, as GET /_emulator/
// lists them (a new slice on every call; changing it changes nothing).
func Endpoints() []Endpoint {
	rs := routes()
	out := make([]Endpoint, len(rs))
	for i := range rs {
		out[i] = rs[i].Endpoint
	}
	return out
}

// index serves GET /_emulator/: the endpoints as indented JSON.
func (h *Handler) index(*request) *reply {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<n>" readable in curl
	enc.SetIndent("", "  ")
	_ = enc.Encode(struct {
		Description string     `json:"description"`
		API         string     `json:"api"`
		Endpoints   []Endpoint `json:"endpoints"`
	}{
		Description: "The control API of the Backup Storage emulator (package github.com/m365kit/backuprestore/fake); no token needed.",
		API:         "/v1.0",
		Endpoints:   Endpoints(),
	})
	return jsonReply(http.StatusOK, buf.Bytes())
}

// reset serves POST /_emulator/reset.
func (h *Handler) reset(*request) *reply {
	h.srv.Reset()
	return noContent()
}
