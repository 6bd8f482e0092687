package fake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// ControlEndpoint is one endpoint of the emulator's control API (under
// /_emulator/, no token needed), as GET /_emulator/ lists it.
type ControlEndpoint struct {
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

// controlEndpoints is the control API, in the order the index lists it.
// Every case of admin's switch must have its entry here, and every entry
// must be served (TestControlIndexMatchesRouter checks both ways): add the
// entry with the case.
var controlEndpoints = []ControlEndpoint{
	{Method: "GET", Path: "/_emulator/", Description: "This index of the control API."},
	{Method: "GET", Path: "/_emulator/clock", Description: "The emulator clock's time: {\"now\": RFC 3339}."},
	{Method: "POST", Path: "/_emulator/clock", Query: "advance=<Go duration or days, e.g. 90d> | set=<RFC 3339 time>",
		Description: "Advance or set the emulator clock, applying every timer that falls due."},
	{Method: "GET", Path: "/_emulator/units", Description: "Every unit, with its real status (no unknownFutureValue masking)."},
	{Method: "POST", Path: "/_emulator/units", Query: "seed=<n, 1-1000000>", Body: "a unit as the API writes it (without seed)",
		Description: "Seed n realistic units, or add one unit."},
	{Method: "GET", Path: "/_emulator/transitions", Description: "Every status transition of every unit, oldest first."},
	{Method: "GET", Path: "/_emulator/requests", Description: "The request log (tokens redacted), oldest first."},
	{Method: "POST", Path: "/_emulator/faults", Body: `{"route":"offboard","kind":"status","status":429,"retryAfter":"2","count":1,...}`,
		Description: "Inject a fault; answers its id."},
	{Method: "DELETE", Path: "/_emulator/faults", Description: "Remove every fault."},
	{Method: "GET", Path: "/_emulator/throttle", Description: "The throttling model: configuration, admitted/throttled counts per scope, per-interval series."},
	{Method: "POST", Path: "/_emulator/throttle", Query: "app=RATE[/BURST]&tenant=RATE[/BURST]&appTenant=RATE[/BURST]&statsInterval=<Go duration>",
		Body:        `{"app":{"rate":R,"burst":B},"tenant":{...},"appTenant":{...},"statsInterval":"1s"} (instead of the query)`,
		Description: "Turn throttling on or change its limits (requests or $batch items per second); unnamed scopes are unlimited."},
	{Method: "DELETE", Path: "/_emulator/throttle", Description: "Turn throttling off (the counts stay)."},
	{Method: "GET", Path: "/_emulator/policies", Description: "Every protection policy, with its derived status."},
	{Method: "POST", Path: "/_emulator/policies", Query: "seed=true", Body: `{"kind":"sharePoint","id":"...","displayName":"...","isEnabled":true}`,
		Description: "Seed two policies per workload (?seed=true), or add one policy."},
	{Method: "GET", Path: "/_emulator/service-status", Description: "The tenant's serviceStatus."},
	{Method: "POST", Path: "/_emulator/service-status", Query: "status=enabled|disabled|protectionChangeLocked|restoreLocked",
		Body:        `{"status":"...","disableReason":"...","gracePeriodDateTime":"...","restoreAllowedTillDateTime":"..."}`,
		Description: "Change the service status (anything but enabled refuses policy PATCHes)."},
	{Method: "GET", Path: "/_emulator/settings", Description: "The policy PATCH's settings: deltaErrorShape, removalDelay."},
	{Method: "POST", Path: "/_emulator/settings", Query: "deltaErrorShape=dataModificationException|publicError&removalDelay=<Go duration>",
		Description: "Change how a PATCH reports failed items, and how long removal takes."},
	{Method: "POST", Path: "/_emulator/reset", Description: "Reset the emulator: no units, faults or logs, clock and throttling back at their start."},
}

// ControlEndpoints returns the endpoints of the emulator's control API, as
// GET /_emulator/ lists them (a copy; changing it changes nothing).
func ControlEndpoints() []ControlEndpoint { return slices.Clone(controlEndpoints) }

// controlIndex is the answer of GET /_emulator/.
func controlIndex() *response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<n>" readable in curl
	enc.SetIndent("", "  ")
	_ = enc.Encode(struct {
		Description string            `json:"description"`
		API         string            `json:"api"`
		Endpoints   []ControlEndpoint `json:"endpoints"`
	}{
		Description: "The control API of the Backup Storage emulator (package github.com/m365kit/backuprestore/fake); no token needed.",
		API:         "/v1.0",
		Endpoints:   controlEndpoints,
	})
	return jsonResponse(http.StatusOK, buf.Bytes())
}

// controlMethods returns the methods the control API serves at path (as
// admin sees it: without /_emulator, no trailing slash), for a 405's Allow.
func controlMethods(path string) []string {
	var ms []string
	for _, e := range controlEndpoints {
		if strings.TrimSuffix(strings.TrimPrefix(e.Path, "/_emulator"), "/") == path {
			ms = append(ms, e.Method)
		}
	}
	return ms
}
