package control

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseDays parses a Go duration, or a number of days written "90d".
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		f, err := strconv.ParseFloat(d, 64)
		return time.Duration(f * float64(24*time.Hour)), err
	}
	return time.ParseDuration(s)
}

// nowReply answers the emulator clock's time.
func (h *Handler) nowReply() *reply {
	return okJSON(map[string]string{"now": h.srv.Now().Format(time.RFC3339Nano)})
}

// getClock serves GET /_emulator/clock.
func (h *Handler) getClock(*request) *reply { return h.nowReply() }

// postClock serves POST /_emulator/clock?advance=… or ?set=….
func (h *Handler) postClock(rq *request) *reply {
	switch {
	case rq.q.Get("advance") != "":
		d, err := parseDays(rq.q.Get("advance"))
		if err != nil {
			return fail(http.StatusBadRequest, "advance: "+err.Error())
		}
		h.srv.Advance(d)
	case rq.q.Get("set") != "":
		t, err := time.Parse(time.RFC3339Nano, rq.q.Get("set"))
		if err != nil {
			return fail(http.StatusBadRequest, "set: "+err.Error())
		}
		h.srv.SetNow(t)
	default:
		return fail(http.StatusBadRequest, "POST /_emulator/clock needs ?advance=<duration> or ?set=<RFC 3339 time>")
	}
	return h.nowReply()
}
