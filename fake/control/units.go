package control

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// wireUnit is the JSON form of a Unit for POST /_emulator/units.
type wireUnit struct {
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

// parseUnitKind maps the kind's name ("site", "drive", "mailbox", any
// case) or its @odata.type to the kind; anything else is
// models.KindUnknown.
func parseUnitKind(s string) models.UnitKind {
	for _, k := range []models.UnitKind{models.KindSite, models.KindDrive, models.KindMailbox} {
		if strings.EqualFold(s, k.String()) || s == k.ODataType() {
			return k
		}
	}
	return models.KindUnknown
}

// getUnits serves GET /_emulator/units: every unit as the API writes it,
// real statuses.
func (h *Handler) getUnits(*request) *reply {
	b := []byte(`{"value":[`)
	for i, u := range h.srv.Units() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, u.GraphJSON()...)
	}
	return jsonReply(http.StatusOK, append(b, "]}"...))
}

// postUnits serves POST /_emulator/units: ?seed=n, or one unit as JSON.
func (h *Handler) postUnits(rq *request) *reply {
	if n := rq.q.Get("seed"); n != "" {
		k, err := strconv.Atoi(n)
		if err != nil || k < 1 || k > 1_000_000 {
			return fail(http.StatusBadRequest, "seed must be between 1 and 1000000")
		}
		return okJSON(map[string]int{"added": len(h.srv.Seed(k))})
	}
	var a wireUnit
	if err := json.Unmarshal(rq.body, &a); err != nil {
		return fail(http.StatusBadRequest, "body: "+err.Error())
	}
	u := fake.Unit{Kind: parseUnitKind(a.Kind), ID: a.ID, PolicyID: a.PolicyID, Status: models.ProtectionUnitStatus(a.Status),
		ProtectionSources: a.ProtectionSources, SiteID: a.SiteID, SiteName: a.SiteName, SiteWebURL: a.SiteWebURL,
		DirectoryObjectID: a.DirectoryObjectID, DisplayName: a.DisplayName, Email: a.Email}
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
	if err := h.srv.AddUnit(u); err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	got, _ := h.srv.Unit(u.ID)
	return jsonReply(http.StatusCreated, got.GraphJSON())
}

// wireTransition is the JSON form of a Transition.
type wireTransition struct {
	UnitID    string `json:"unitId"`
	From      string `json:"from"`
	To        string `json:"to"`
	At        string `json:"at"`
	Cause     string `json:"cause"`
	RequestID string `json:"requestId,omitempty"`
	InBatch   bool   `json:"inBatch,omitempty"`
	PolicyID  string `json:"policyId,omitempty"`
}

// getTransitions serves GET /_emulator/transitions.
func (h *Handler) getTransitions(*request) *reply {
	all := h.srv.AllTransitions()
	out := make([]wireTransition, len(all))
	for i, t := range all {
		out[i] = wireTransition{t.UnitID, string(t.From), string(t.To), t.At.Format(time.RFC3339Nano), string(t.Cause), t.RequestID, t.InBatch, t.PolicyID}
	}
	return okJSON(map[string]any{"value": out})
}

// wireRequest is the JSON form of a RecordedRequest.
type wireRequest struct {
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

// getRequests serves GET /_emulator/requests.
func (h *Handler) getRequests(*request) *reply {
	all := h.srv.Requests()
	out := make([]wireRequest, 0, len(all))
	for _, r := range all {
		f := ""
		if r.Fault != fake.FaultNone {
			f = r.Fault.String()
		}
		out = append(out, wireRequest{r.Time.Format(time.RFC3339Nano), r.Method, r.Path, r.Query, r.Route.String(), r.UnitID,
			r.PolicyID, r.Status, r.RequestID, f, r.InBatch, r.BatchItemID})
	}
	return okJSON(map[string]any{"value": out})
}
