package control

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/fake"
)

// wireFault is the JSON form of a Fault.
type wireFault struct {
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

// fault converts the JSON form, or says what is wrong with it.
func (a *wireFault) fault() (fake.Fault, string) {
	f := fake.Fault{InBatch: a.InBatch, UnitID: a.UnitID, PolicyID: a.PolicyID, Status: a.Status, Code: a.Code, Message: a.Message,
		RetryAfter: a.RetryAfter, NoRetryAfter: a.NoRetryAfter, Count: a.Count, Probability: a.Probability}
	if a.Route != "" {
		r, err := fake.ParseRoute(a.Route)
		if err != nil {
			return f, "unknown route '" + a.Route + "'"
		}
		f.Route = r
	}
	k, err := fake.ParseFaultKind(a.Kind)
	if err != nil {
		return f, "unknown kind '" + a.Kind + "' (status, latency, resetBefore, resetAfter, truncatedBody, htmlBody)"
	}
	f.Kind = k
	if a.Latency != "" {
		d, err := time.ParseDuration(a.Latency)
		if err != nil {
			return f, "latency: " + err.Error()
		}
		f.Latency = d
	}
	if err := f.Validate(); err != nil {
		return f, strings.TrimPrefix(err.Error(), "fake: AddFault: ")
	}
	return f, ""
}

// postFault serves POST /_emulator/faults.
func (h *Handler) postFault(rq *request) *reply {
	var a wireFault
	if err := json.Unmarshal(rq.body, &a); err != nil {
		return fail(http.StatusBadRequest, "body: "+err.Error())
	}
	f, msg := a.fault()
	if msg != "" {
		return fail(http.StatusBadRequest, msg)
	}
	return okJSON(map[string]int{"id": int(h.srv.AddFault(f))})
}

// deleteFaults serves DELETE /_emulator/faults.
func (h *Handler) deleteFaults(*request) *reply {
	h.srv.ClearFaults()
	return noContent()
}
