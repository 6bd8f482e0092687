package control

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// adminPolicy is the JSON form of a fake.Policy for POST /_emulator/policies.
type adminPolicy struct {
	Kind        string `json:"kind"`
	ODataType   string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	IsEnabled   *bool  `json:"isEnabled"`
}

// adminServiceStatus is the JSON form of a fake.ServiceStatus for POST
// /_emulator/service-status; absent members keep their value.
type adminServiceStatus struct {
	Status                     *string `json:"status"`
	DisableReason              *string `json:"disableReason"`
	BackupServiceConsumer      *string `json:"backupServiceConsumer"`
	GracePeriodDateTime        *string `json:"gracePeriodDateTime"`
	RestoreAllowedTillDateTime *string `json:"restoreAllowedTillDateTime"`
}

// parsePolicyKind maps "sharePoint", "oneDrive", "exchange" (any case) or
// a policy @odata.type to its kind.
func parsePolicyKind(s string) models.PolicyKind {
	for _, k := range models.PolicyKinds() {
		if strings.EqualFold(s, k.String()) {
			return k
		}
	}
	return models.PolicyKindFromODataType(s)
}

// parseOptionalTime parses an RFC 3339 time; "" and null are the zero time.
func parseOptionalTime(s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, *s)
}

// getPolicies serves GET /_emulator/policies: every policy as the API
// writes it, statuses derived.
func (h *Handler) getPolicies(*request) *reply {
	b := []byte(`{"value":[`)
	for i, p := range h.srv.Policies() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.GraphJSON()...)
	}
	return jsonReply(http.StatusOK, append(b, "]}"...))
}

// postPolicies serves POST /_emulator/policies: ?seed=true, or one policy
// as JSON.
func (h *Handler) postPolicies(rq *request) *reply {
	if v := rq.q.Get("seed"); v != "" {
		if v != "true" && v != "1" {
			return fail(http.StatusBadRequest, "seed must be true")
		}
		return okJSON(map[string]int{"policies": len(h.srv.SeedPolicies())})
	}
	var a adminPolicy
	if err := json.Unmarshal(rq.body, &a); err != nil {
		return fail(http.StatusBadRequest, "body: "+err.Error())
	}
	k := parsePolicyKind(a.Kind)
	if a.ODataType != "" {
		k = parsePolicyKind(a.ODataType)
	}
	p := fake.Policy{ID: a.ID, Kind: k, DisplayName: a.DisplayName, IsEnabled: a.IsEnabled == nil || *a.IsEnabled}
	got, err := h.srv.AddPolicy(p)
	if err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	return jsonReply(http.StatusCreated, got.GraphJSON())
}

// serviceStatusReply answers st as the API's serviceStatus object.
func serviceStatusReply(st fake.ServiceStatus) *reply {
	return jsonReply(http.StatusOK, st.GraphJSON())
}

// getServiceStatus serves GET /_emulator/service-status.
func (h *Handler) getServiceStatus(*request) *reply { return serviceStatusReply(h.srv.ServiceStatus()) }

// postServiceStatus serves POST /_emulator/service-status: ?status=…, or
// JSON whose absent members keep their value.
func (h *Handler) postServiceStatus(rq *request) *reply {
	var a adminServiceStatus
	if len(rq.body) > 0 {
		if err := json.Unmarshal(rq.body, &a); err != nil {
			return fail(http.StatusBadRequest, "body: "+err.Error())
		}
	}
	if v := rq.q.Get("status"); v != "" {
		a.Status = &v
	}
	grace, err := parseOptionalTime(a.GracePeriodDateTime)
	if err != nil {
		return fail(http.StatusBadRequest, "gracePeriodDateTime: "+err.Error())
	}
	restore, err := parseOptionalTime(a.RestoreAllowedTillDateTime)
	if err != nil {
		return fail(http.StatusBadRequest, "restoreAllowedTillDateTime: "+err.Error())
	}
	st, err := h.srv.UpdateServiceStatus(func(st *fake.ServiceStatus) {
		if a.Status != nil {
			st.Status = models.BackupServiceStatus(*a.Status)
		}
		if a.DisableReason != nil {
			st.DisableReason = *a.DisableReason
		}
		if a.BackupServiceConsumer != nil {
			st.BackupServiceConsumer = *a.BackupServiceConsumer
		}
		if a.GracePeriodDateTime != nil {
			st.GracePeriodDateTime = grace
		}
		if a.RestoreAllowedTillDateTime != nil {
			st.RestoreAllowedTillDateTime = restore
		}
	})
	if err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	return serviceStatusReply(st)
}

// settingsReply answers the PATCH's settings.
func (h *Handler) settingsReply() *reply {
	return okJSON(map[string]string{"deltaErrorShape": h.srv.DeltaErrorShape().String(), "removalDelay": h.srv.RemovalDelay().String()})
}

// getSettings serves GET /_emulator/settings.
func (h *Handler) getSettings(*request) *reply { return h.settingsReply() }

// postSettings serves POST /_emulator/settings?deltaErrorShape=…&removalDelay=….
func (h *Handler) postSettings(rq *request) *reply {
	if v := rq.q.Get("deltaErrorShape"); v != "" {
		d, err := fake.ParseDeltaErrorShape(v)
		if err == nil {
			err = h.srv.SetDeltaErrorShape(d)
		}
		if err != nil {
			return fail(http.StatusBadRequest, err.Error())
		}
	}
	if v := rq.q.Get("removalDelay"); v != "" {
		d, err := parseDays(v)
		if err == nil {
			err = h.srv.SetRemovalDelay(d)
		}
		if err != nil {
			return fail(http.StatusBadRequest, "removalDelay: "+err.Error())
		}
	}
	return h.settingsReply()
}
