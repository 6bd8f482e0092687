package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// adminPolicy is the JSON form of a Policy for POST /_emulator/policies.
type adminPolicy struct {
	Kind        string `json:"kind"`
	ODataType   string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	IsEnabled   *bool  `json:"isEnabled"`
}

// adminServiceStatus is the JSON form of a ServiceStatus for POST
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

// adminLifecycle serves the control API's policy, service-status and
// settings endpoints (listed in admin.go).
func (s *Server) adminLifecycle(key string, q url.Values, body []byte, fail func(int, string) *response, ok func(any) *response) *response {
	settings := func() *response {
		return ok(map[string]string{"deltaErrorShape": s.DeltaErrorShape().String(), "removalDelay": s.RemovalDelay().String()})
	}
	switch key {
	case "GET /policies":
		b := []byte(`{"value":[`)
		for i, p := range s.Policies() {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendPolicy(b, &p, p.Status, ""), '}')
		}
		return jsonResponse(http.StatusOK, append(b, "]}"...))
	case "POST /policies":
		if v := q.Get("seed"); v != "" {
			if v != "true" && v != "1" {
				return fail(http.StatusBadRequest, "seed must be true")
			}
			return ok(map[string]int{"policies": len(s.SeedPolicies())})
		}
		var a adminPolicy
		if err := json.Unmarshal(body, &a); err != nil {
			return fail(http.StatusBadRequest, "body: "+err.Error())
		}
		k := parsePolicyKind(a.Kind)
		if a.ODataType != "" {
			k = parsePolicyKind(a.ODataType)
		}
		p := Policy{ID: a.ID, Kind: k, DisplayName: a.DisplayName, IsEnabled: a.IsEnabled == nil || *a.IsEnabled}
		got, err := s.AddPolicy(p)
		if err != nil {
			return fail(http.StatusBadRequest, err.Error())
		}
		return jsonResponse(http.StatusCreated, append(appendPolicy(nil, &got, got.Status, ""), '}'))
	case "GET /service-status":
		return s.adminServiceStatus(s.ServiceStatus())
	case "POST /service-status":
		var a adminServiceStatus
		if len(body) > 0 {
			if err := json.Unmarshal(body, &a); err != nil {
				return fail(http.StatusBadRequest, "body: "+err.Error())
			}
		}
		if v := q.Get("status"); v != "" {
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
		st, err := s.UpdateServiceStatus(func(st *ServiceStatus) {
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
		return s.adminServiceStatus(st)
	case "GET /settings":
		return settings()
	case "POST /settings":
		if v := q.Get("deltaErrorShape"); v != "" {
			d, err := ParseDeltaErrorShape(v)
			if err == nil {
				err = s.SetDeltaErrorShape(d)
			}
			if err != nil {
				return fail(http.StatusBadRequest, err.Error())
			}
		}
		if v := q.Get("removalDelay"); v != "" {
			d, err := parseDays(v)
			if err == nil {
				err = s.SetRemovalDelay(d)
			}
			if err != nil {
				return fail(http.StatusBadRequest, "removalDelay: "+err.Error())
			}
		}
		return settings()
	}
	return fail(http.StatusNotFound, "The emulator's control API has no "+key+".")
}

// adminServiceStatus writes st as the API's serviceStatus object.
func (s *Server) adminServiceStatus(st ServiceStatus) *response {
	return jsonResponse(http.StatusOK, appendServiceStatus(nil, &st))
}
