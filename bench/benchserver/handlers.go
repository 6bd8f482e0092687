package benchserver

import (
	"net/http"
	"strings"
)

// CancelPath is the path every cancelOffboard must POST to.
const CancelPath = "/v1.0/solutions/backupRestore/protectionUnits/" + UnitID + "/cancelOffboard"

// Bodies of the refusals checkRequest sends: a contender that does not send
// the token or the Prefer header fails its benchmark instead of being
// measured doing less work.
var (
	noTokenBody    = []byte(`{"error":{"code":"InvalidAuthenticationToken","message":"bench: missing or wrong bearer token"}}`)
	noPreferBody   = []byte(`{"error":{"code":"BadRequest","message":"bench: Prefer: include-unknown-enum-members missing"}}`)
	wrongRouteBody = []byte(`{"error":{"code":"ResourceNotFound","message":"bench: wrong method or path"}}`)
)

// checkRequest refuses a request without the bench token or without
// Prefer: include-unknown-enum-members, so every contender is held to the
// same headers. It reports whether the request may be served.
func checkRequest(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+Token {
		writeJSON(w, http.StatusUnauthorized, noTokenBody)
		return false
	}
	if !strings.Contains(strings.Join(r.Header.Values("Prefer"), ","), "include-unknown-enum-members") {
		writeJSON(w, http.StatusBadRequest, noPreferBody)
		return false
	}
	return true
}

// writeJSON writes a JSON response the way Graph does.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("request-id", "b0b0b0b0-0000-0000-0000-000000000000")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// staticHandler answers every well-formed POST to CancelPath with status
// and body.
func staticHandler(status int, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !checkRequest(w, r) {
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != CancelPath {
			writeJSON(w, http.StatusNotFound, wrongRouteBody)
			return
		}
		writeJSON(w, status, body)
	})
}
