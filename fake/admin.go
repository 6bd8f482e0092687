package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// The emulator's own control API lives under /_emulator/ (outside /v1.0,
// no token needed), so a client in any language can drive the clock, seed
// units, inject faults and read the state of a cmd/emulator process:
//
//	GET    /_emulator/clock                      {"now": "..."}
//	POST   /_emulator/clock?advance=90d          advance (Go duration, or days with a "d" suffix)
//	POST   /_emulator/clock?set=2026-04-01T00:00:00Z
//	GET    /_emulator/units                      every unit, real statuses
//	POST   /_emulator/units?seed=50              Seed(50)
//	POST   /_emulator/units                      AddUnit, body: a unit as the API writes it
//	GET    /_emulator/policies                   every policy, statuses derived
//	POST   /_emulator/policies?seed=true         SeedPolicies (Seed's six policies)
//	POST   /_emulator/policies                   AddPolicy, body: {"kind":"sharePoint","id":…,"displayName":…,"isEnabled":true}
//	GET    /_emulator/service-status             the service status
//	POST   /_emulator/service-status             UpdateServiceStatus, body: {"status":"protectionChangeLocked",…} (or ?status=…)
//	GET    /_emulator/settings                   {"deltaErrorShape": …, "removalDelay": …}
//	POST   /_emulator/settings?deltaErrorShape=publicError&removalDelay=5m
//	GET    /_emulator/transitions                every transition
//	GET    /_emulator/requests                   the request log
//	POST   /_emulator/faults                     AddFault, body: {"route":"offboard","kind":"status","status":429,...}
//	DELETE /_emulator/faults                     ClearFaults
//	POST   /_emulator/reset                      Reset

// adminFault is the JSON form of a Fault.
type adminFault struct {
	Route        string  `json:"route"`
	InBatch      bool    `json:"inBatch"`
	UnitID       string  `json:"unitId"`
	PolicyID     string  `json:"policyId"`
	Kind         string  `json:"kind"`
	Status       int     `json:"status"`
	Code         string  `json:"code"`
	Message      string  `json:"message"`
	RetryAfter   string  `json:"retryAfter"`
	NoRetryAfter bool    `json:"noRetryAfter"`
	Latency      string  `json:"latency"`
	Count        int     `json:"count"`
	Probability  float64 `json:"probability"`
}

// adminUnit is the JSON form of a Unit for POST /_emulator/units.
type adminUnit struct {
	Kind                      string `json:"kind"`
	ODataType                 string `json:"@odata.type"`
	ID                        string `json:"id"`
	PolicyID                  string `json:"policyId"`
	Status                    string `json:"status"`
	ProtectionSources         string `json:"protectionSources"`
	SiteID                    string `json:"siteId"`
	SiteName                  string `json:"siteName"`
	SiteWebURL                string `json:"siteWebUrl"`
	DirectoryObjectID         string `json:"directoryObjectId"`
	DisplayName               string `json:"displayName"`
	Email                     string `json:"email"`
	OffboardRequestedDateTime string `json:"offboardRequestedDateTime"`
}

// parseDays parses a Go duration, or a number of days written "90d".
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		f, err := strconv.ParseFloat(d, 64)
		return time.Duration(f * float64(24*time.Hour)), err
	}
	return time.ParseDuration(s)
}

// admin serves /_emulator/… .
func (s *Server) admin(r *http.Request, body []byte, ids requestIDs) *response {
	fail := func(status int, msg string) *response {
		return errorResponse(&graphError{status: status, code: "BadRequest", message: msg}, ids, s.Now())
	}
	ok := func(v any) *response {
		b, _ := json.Marshal(v)
		return jsonResponse(http.StatusOK, b)
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/_emulator"), "/")
	q := r.URL.Query()
	key := r.Method + " " + path
	switch key {
	case "GET ":
		return controlIndex()
	case "GET /throttle", "POST /throttle", "DELETE /throttle":
		return s.adminThrottle(r.Method, q, body, ids)
	case "GET /clock":
		return ok(map[string]string{"now": s.Now().Format(time.RFC3339Nano)})
	case "POST /clock":
		switch {
		case q.Get("advance") != "":
			d, err := parseDays(q.Get("advance"))
			if err != nil {
				return fail(http.StatusBadRequest, "advance: "+err.Error())
			}
			s.Advance(d)
		case q.Get("set") != "":
			t, err := time.Parse(time.RFC3339Nano, q.Get("set"))
			if err != nil {
				return fail(http.StatusBadRequest, "set: "+err.Error())
			}
			s.SetNow(t)
		default:
			return fail(http.StatusBadRequest, "POST /_emulator/clock needs ?advance=<duration> or ?set=<RFC 3339 time>")
		}
		return ok(map[string]string{"now": s.Now().Format(time.RFC3339Nano)})
	case "GET /units":
		v := &view{includeUnknown: true}
		b := []byte(`{"value":[`)
		for i, u := range s.Units() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendUnit(b, &u, v, "")
		}
		return jsonResponse(http.StatusOK, append(b, "]}"...))
	case "POST /units":
		if n := q.Get("seed"); n != "" {
			k, err := strconv.Atoi(n)
			if err != nil || k < 1 || k > 1_000_000 {
				return fail(http.StatusBadRequest, "seed must be between 1 and 1000000")
			}
			return ok(map[string]int{"added": len(s.Seed(k))})
		}
		var a adminUnit
		if err := json.Unmarshal(body, &a); err != nil {
			return fail(http.StatusBadRequest, "body: "+err.Error())
		}
		u := Unit{Kind: parseUnitKind(a.Kind), ID: a.ID, PolicyID: a.PolicyID, Status: models.ProtectionUnitStatus(a.Status), ProtectionSources: a.ProtectionSources,
			SiteID: a.SiteID, SiteName: a.SiteName, SiteWebURL: a.SiteWebURL, DirectoryObjectID: a.DirectoryObjectID,
			DisplayName: a.DisplayName, Email: a.Email}
		if k := parseUnitKind(a.ODataType); k != models.KindUnknown {
			u.Kind = k
		}
		if a.OffboardRequestedDateTime != "" {
			t, err := time.Parse(time.RFC3339Nano, a.OffboardRequestedDateTime)
			if err != nil {
				return fail(http.StatusBadRequest, "offboardRequestedDateTime: "+err.Error())
			}
			u.OffboardRequestedDateTime = t
		}
		if err := s.AddUnit(u); err != nil {
			return fail(http.StatusBadRequest, err.Error())
		}
		got, _ := s.Unit(u.ID)
		return jsonResponse(http.StatusCreated, appendUnit(nil, &got, &view{includeUnknown: true}, ""))
	case "GET /policies", "POST /policies", "GET /service-status", "POST /service-status", "GET /settings", "POST /settings":
		return s.adminLifecycle(key, q, body, fail, ok)
	case "GET /transitions":
		type tr struct {
			UnitID    string `json:"unitId"`
			From      string `json:"from"`
			To        string `json:"to"`
			At        string `json:"at"`
			Cause     string `json:"cause"`
			RequestID string `json:"requestId,omitempty"`
			InBatch   bool   `json:"inBatch,omitempty"`
			PolicyID  string `json:"policyId,omitempty"`
		}
		all := s.AllTransitions()
		out := make([]tr, len(all))
		for i, t := range all {
			out[i] = tr{t.UnitID, string(t.From), string(t.To), t.At.Format(time.RFC3339Nano), string(t.Cause), t.RequestID, t.InBatch, t.PolicyID}
		}
		return ok(map[string]any{"value": out})
	case "GET /requests":
		type rq struct {
			Time        string `json:"time"`
			Method      string `json:"method"`
			Path        string `json:"path"`
			Query       string `json:"query,omitempty"`
			Route       string `json:"route"`
			UnitID      string `json:"unitId,omitempty"`
			PolicyID    string `json:"policyId,omitempty"`
			Status      int    `json:"status"`
			RequestID   string `json:"requestId"`
			Fault       string `json:"fault,omitempty"`
			InBatch     bool   `json:"inBatch,omitempty"`
			BatchItemID string `json:"batchItemId,omitempty"`
		}
		all := s.Requests()
		out := make([]rq, 0, len(all))
		for _, r := range all {
			f := ""
			if r.Fault != FaultNone {
				f = r.Fault.String()
			}
			out = append(out, rq{r.Time.Format(time.RFC3339Nano), r.Method, r.Path, r.Query, r.Route.String(), r.UnitID,
				r.PolicyID, r.Status, r.RequestID, f, r.InBatch, r.BatchItemID})
		}
		return ok(map[string]any{"value": out})
	case "POST /faults":
		var a adminFault
		if err := json.Unmarshal(body, &a); err != nil {
			return fail(http.StatusBadRequest, "body: "+err.Error())
		}
		f, err := a.fault()
		if err != "" {
			return fail(http.StatusBadRequest, err)
		}
		id, perr := s.addFaultSafe(f)
		if perr != "" {
			return fail(http.StatusBadRequest, perr)
		}
		return ok(map[string]int{"id": int(id)})
	case "DELETE /faults":
		s.ClearFaults()
		return newResponse(http.StatusNoContent)
	case "POST /reset":
		s.Reset()
		return newResponse(http.StatusNoContent)
	}
	if ms := controlMethods(path); len(ms) > 0 {
		return errorResponse(methodNotAllowed(r.Method, ms...), ids, s.Now())
	}
	return fail(http.StatusNotFound, "The emulator's control API has no "+key+"; GET /_emulator/ lists its endpoints.")
}

// fault converts the JSON form.
func (a *adminFault) fault() (Fault, string) {
	f := Fault{InBatch: a.InBatch, UnitID: a.UnitID, PolicyID: a.PolicyID, Status: a.Status, Code: a.Code, Message: a.Message,
		RetryAfter: a.RetryAfter, NoRetryAfter: a.NoRetryAfter, Count: a.Count, Probability: a.Probability}
	found := a.Route == ""
	for r := RouteAny; r < RouteUnknown; r++ {
		if strings.EqualFold(a.Route, r.String()) {
			f.Route, found = r, true
		}
	}
	if !found {
		return f, "unknown route '" + a.Route + "'"
	}
	found = false
	for k := FaultStatus; k <= FaultHTMLBody; k++ {
		if strings.EqualFold(a.Kind, k.String()) {
			f.Kind, found = k, true
		}
	}
	if !found {
		return f, "unknown kind '" + a.Kind + "' (status, latency, resetBefore, resetAfter, truncatedBody, htmlBody)"
	}
	if a.Latency != "" {
		d, err := time.ParseDuration(a.Latency)
		if err != nil {
			return f, "latency: " + err.Error()
		}
		f.Latency = d
	}
	return f, ""
}

// addFaultSafe is AddFault reporting a bad fault instead of panicking.
func (s *Server) addFaultSafe(f Fault) (id FaultID, msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.TrimPrefix(toString(r), "fake: AddFault: ")
		}
	}()
	return s.AddFault(f), ""
}

// toString formats a recovered panic value.
func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return "invalid fault"
}
