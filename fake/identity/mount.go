package identity

import (
	"net/http"
	"strings"
)

// Mount returns one handler for a Graph emulator and p on the same origin,
// as cmd/emulator -identity serves them: the control API (ControlPath and
// below) goes to p.ControlHandler(); the other /_emulator/ paths, and
// /v1.0/ and /beta/ (Graph), go to graph; every other path is the
// identity provider's (/{tenant}/oauth2/v2.0/…, /{tenant}/v2.0/.well-known/…,
// /common/discovery/instance, /devicelogin).
func Mount(graph http.Handler, p *Provider) http.Handler {
	control := p.ControlHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case path == ControlPath || strings.HasPrefix(path, ControlPath+"/"):
			control.ServeHTTP(w, r)
		case graphPath(path):
			graph.ServeHTTP(w, r)
		default:
			p.ServeHTTP(w, r)
		}
	})
}

// graphPath reports whether path belongs to the Graph emulator.
func graphPath(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch first {
	case "v1.0", "beta", "_emulator", "":
		return true
	}
	return false
}
