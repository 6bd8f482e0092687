package control

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/m365kit/backuprestore/fake"
)

// The tenant's directory: groups (what dynamic drive and mailbox rules
// select) and the sites and people no policy protects yet.

// adminGroup is a group as the control API reads and writes it.
type adminGroup struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Members     []string `json:"members"`
}

// getGroups serves GET /_emulator/groups.
func (h *Handler) getGroups(*request) *reply {
	gs := h.srv.Groups()
	out := make([]adminGroup, len(gs))
	for i, g := range gs {
		out[i] = adminGroup{ID: g.ID, DisplayName: g.DisplayName, Members: append([]string{}, g.Members...)}
	}
	return okJSON(map[string]any{"value": out})
}

// postGroups serves POST /_emulator/groups: one group as JSON, added or
// replaced; the dynamic rules naming it follow its members at once.
func (h *Handler) postGroups(rq *request) *reply {
	var g adminGroup
	if err := json.Unmarshal(rq.body, &g); err != nil {
		return fail(http.StatusBadRequest, "body: "+err.Error())
	}
	if err := h.srv.AddGroup(fake.Group{ID: g.ID, DisplayName: g.DisplayName, Members: g.Members}); err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	return okJSON(g)
}

// postDirectory serves POST /_emulator/directory?seed=n: n sites and n
// people outside any policy (Server.SeedDirectory).
func (h *Handler) postDirectory(rq *request) *reply {
	n, err := strconv.Atoi(rq.q.Get("seed"))
	if err != nil || n < 1 || n > 1_000_000 {
		return fail(http.StatusBadRequest, "seed must be a number from 1 to 1000000")
	}
	sites, users := h.srv.SeedDirectory(n)
	return okJSON(map[string]int{"sites": len(sites), "users": len(users)})
}
