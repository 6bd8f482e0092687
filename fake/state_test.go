package fake_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestStateMachineActions(t *testing.T) {
	tests := []struct {
		status   models.ProtectionUnitStatus
		policy   string
		offboard bool // offboard succeeds
		cancel   bool // cancelOffboard succeeds
	}{
		{models.StatusProtectRequested, "p", false, false},
		{models.StatusProtected, "p", false, false},
		{models.StatusUnprotectRequested, "p", false, false},
		{models.StatusUnprotected, "p", false, false}, // policy deactivated, unit still attached
		{models.StatusUnprotected, "", true, false},   // removed from its policy
		{models.StatusRemoveRequested, "p", false, false},
		{models.StatusRemoveRequested, "", false, false},
		{models.StatusOffboardRequested, "", false, true},
		{models.StatusOffboardRequested, "p", false, true},
		{models.StatusOffboarded, "", false, false},
		{models.StatusCancelOffboardRequested, "", false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+"/policy="+tt.policy, func(t *testing.T) {
			for _, action := range []string{"offboard", "cancelOffboard"} {
				e := newEnv(t, nil)
				e.add(site("u", tt.status, tt.policy))
				ok, to, msg := tt.offboard, models.StatusOffboardRequested, "Can't process this request as it is not in valid state."
				if action == "cancelOffboard" {
					ok, to, msg = tt.cancel, models.StatusCancelOffboardRequested, "Offboarding cannot be cancelled as it is not in a valid state."
				}
				r := e.do("POST", unitPath("u", action), prefer())
				if !ok {
					require.Equal(t, http.StatusForbidden, r.status, action)
					require.Equal(t, "OperationNotAllowed", r.errCode(t))
					require.Equal(t, msg, r.errMessage(t))
					require.Equal(t, []any{}, r.json(t)["error"].(map[string]any)["details"])
					require.Equal(t, tt.status, e.status("u"), "unchanged")
					require.Empty(t, e.srv.Transitions("u"))
					continue
				}
				require.Equal(t, http.StatusOK, r.status, "%s: %s", action, r.body)
				m := r.json(t)
				require.Equal(t, string(to), m["status"])
				require.Equal(t, "2026-01-01T00:00:00.0000000Z", m["lastModifiedDateTime"])
				lm := m["lastModifiedBy"].(map[string]any)
				require.Equal(t, map[string]any{"id": fake.TestUserID, "displayName": fake.TestUserName, "email": fake.TestUserUPN}, lm["user"])
				require.Equal(t, map[string]any{"id": fake.TestAppID, "displayName": fake.TestAppName}, lm["application"])
				if action == "offboard" {
					require.Equal(t, "2026-01-01T00:00:00.0000000Z", m["offboardRequestedDateTime"])
				}
				require.Equal(t, to, e.status("u"))
				ts := e.srv.Transitions("u")
				require.Len(t, ts, 1)
				require.Equal(t, tt.status, ts[0].From)
				require.Equal(t, to, ts[0].To)
				require.Equal(t, fake.Cause(action), ts[0].Cause)
				require.Equal(t, r.header.Get("request-id"), ts[0].RequestID)
				require.Equal(t, fake.DefaultStart, ts[0].At)
			}
		})
	}
}

func TestTimers(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("u", models.StatusUnprotected, ""))
	e.srv.Advance(time.Hour)
	offboardAt := e.srv.Now()
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("u", "offboard")).status)

	// Just before the grace period ends: still offboardRequested.
	e.srv.Advance(fake.DefaultGracePeriod - time.Nanosecond)
	require.Equal(t, models.StatusOffboardRequested, e.status("u"))
	e.srv.Advance(time.Nanosecond)
	require.Equal(t, models.StatusOffboarded, e.status("u"))
	ts := e.srv.Transitions("u")
	require.Len(t, ts, 2)
	require.Equal(t, fake.Transition{UnitID: "u", From: models.StatusOffboardRequested, To: models.StatusOffboarded, At: offboardAt.Add(fake.DefaultGracePeriod), Cause: fake.CauseTimer}, ts[1])
	// Nothing more can happen to an offboarded unit.
	require.Equal(t, http.StatusForbidden, e.do("POST", unitPath("u", "offboard")).status)
	require.Equal(t, http.StatusForbidden, e.do("POST", unitPath("u", "cancelOffboard")).status)
	m := e.do("GET", unitPath("u"), prefer()).json(t)
	require.Equal(t, string(models.StatusOffboarded), m["status"])
	require.Equal(t, "2026-01-01T01:00:00.0000000Z", m["offboardRequestedDateTime"])

	// Cancel: cancelOffboardRequested, then unprotected after the delay,
	// and the superseded grace timer never fires.
	e.add(site("c", models.StatusUnprotected, ""))
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("c", "offboard")).status)
	e.srv.Advance(24 * time.Hour)
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("c", "cancelOffboard")).status)
	e.srv.Advance(fake.DefaultCancelDelay - time.Second)
	require.Equal(t, models.StatusCancelOffboardRequested, e.status("c"))
	e.srv.Advance(time.Second)
	require.Equal(t, models.StatusUnprotected, e.status("c"))
	e.srv.Advance(2 * fake.DefaultGracePeriod)
	require.Equal(t, models.StatusUnprotected, e.status("c"))
	var got []string
	for _, tr := range e.srv.Transitions("c") {
		got = append(got, string(tr.Cause)+":"+string(tr.To))
	}
	require.Equal(t, []string{"offboard:offboardRequested", "cancelOffboard:cancelOffboardRequested", "timer:unprotected"}, got)
	// It can be offboarded again.
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("c", "offboard")).status)
}

func TestTimersCustomDurationsAndLaziness(t *testing.T) {
	start := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, &fake.Options{GracePeriod: 30 * time.Minute, CancelDelay: time.Minute, Start: start})
	require.Equal(t, start, e.srv.Now())
	e.add(site("a", models.StatusUnprotected, ""), site("b", models.StatusUnprotected, ""))
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("a", "offboard")).status)
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("b", "offboard")).status)
	require.Equal(t, http.StatusOK, e.do("POST", unitPath("b", "cancelOffboard")).status)

	// SetNow past both deadlines: the list sees the new states at once.
	e.srv.SetNow(start.Add(time.Hour))
	r := e.do("GET", unitsPath+"?$filter=status%20eq%20'offboarded'", prefer())
	require.Equal(t, []string{"a"}, r.ids(t))
	r = e.do("GET", unitsPath+"?$filter=policyId%20eq%20''%20and%20status%20eq%20'unprotected'", prefer())
	require.Equal(t, []string{"b"}, r.ids(t))
	// Moving the clock back undoes nothing.
	e.srv.SetNow(start)
	require.Equal(t, models.StatusOffboarded, e.status("a"))

	// Units added in a timed state get timers from their own timestamps.
	u := site("late", models.StatusOffboardRequested, "")
	u.OffboardRequestedDateTime = start.Add(-29 * time.Minute)
	e.add(u)
	require.Equal(t, models.StatusOffboardRequested, e.status("late"))
	e.srv.Advance(time.Minute)
	require.Equal(t, models.StatusOffboarded, e.status("late"))
	u = site("overdue", models.StatusCancelOffboardRequested, "")
	u.LastModifiedDateTime = start.Add(-time.Hour)
	e.add(u)
	require.Equal(t, models.StatusUnprotected, e.status("overdue"))
}

func TestRealTimeClock(t *testing.T) {
	srv := fake.NewServer(&fake.Options{RealTimeClock: true})
	a := srv.Now()
	require.False(t, a.Before(fake.DefaultStart))
	require.Eventually(t, func() bool { return srv.Now().After(a) }, time.Second, time.Millisecond)
	srv.Advance(48 * time.Hour)
	require.True(t, srv.Now().Sub(a) >= 48*time.Hour)
	srv.SetNow(fake.DefaultStart)
	require.WithinDuration(t, fake.DefaultStart, srv.Now(), time.Second)
}

func TestPreferSemantics(t *testing.T) {
	e := newEnv(t, nil)
	e.add(
		site("p1", models.StatusProtected, "pol"),
		site("r1", models.StatusUnprotected, ""),
		site("o1", models.StatusOffboardRequested, ""),
		site("x1", models.StatusOffboarded, ""),
		site("c1", models.StatusCancelOffboardRequested, ""),
	)
	hidden := map[string]string{"p1": "protected", "r1": "unprotected", "o1": "unknownFutureValue", "x1": "unknownFutureValue", "c1": "unknownFutureValue"}
	shown := map[string]string{"p1": "protected", "r1": "unprotected", "o1": "offboardRequested", "x1": "offboarded", "c1": "cancelOffboardRequested"}
	statuses := func(r *result) map[string]string {
		out := map[string]string{}
		for _, v := range r.json(t)["value"].([]any) {
			m := v.(map[string]any)
			out[m["id"].(string)] = m["status"].(string)
		}
		return out
	}
	// List.
	r := e.do("GET", unitsPath)
	require.Equal(t, hidden, statuses(r))
	require.Empty(t, r.header.Get("Preference-Applied"))
	r = e.do("GET", unitsPath, prefer())
	require.Equal(t, shown, statuses(r))
	require.Equal(t, "include-unknown-enum-members", r.header.Get("Preference-Applied"))
	// Several preferences in one header, or several header lines.
	for _, opts := range [][]reqOpt{
		{header("Prefer", `return=minimal, include-unknown-enum-members, odata.maxpagesize=2`)},
		{header("Prefer", "odata.maxpagesize=2"), header("Prefer", "Include-Unknown-Enum-Members")},
	} {
		r = e.do("GET", unitsPath, opts...)
		require.Len(t, r.ids(t), 2)
		require.Equal(t, "include-unknown-enum-members,odata.maxpagesize=2", r.header.Get("Preference-Applied"))
		require.Equal(t, string(models.StatusCancelOffboardRequested), r.json(t)["value"].([]any)[0].(map[string]any)["status"])
	}
	// Get.
	require.Equal(t, "unknownFutureValue", e.do("GET", unitPath("o1")).json(t)["status"])
	require.Equal(t, "offboardRequested", e.do("GET", unitPath("o1"), prefer()).json(t)["status"])
	// Actions: even the offboard answer hides the new status.
	r = e.do("POST", unitPath("r1", "offboard"))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "unknownFutureValue", r.json(t)["status"])
	require.Empty(t, r.header.Get("Preference-Applied"))
	r = e.do("POST", unitPath("o1", "cancelOffboard"), prefer())
	require.Equal(t, "cancelOffboardRequested", r.json(t)["status"])
	require.Equal(t, "include-unknown-enum-members", r.header.Get("Preference-Applied"))
	// Filtering on unknownFutureValue follows what the caller sees.
	r = e.do("GET", unitsPath+"?$filter=status%20eq%20'unknownFutureValue'")
	require.Equal(t, []string{"c1", "o1", "r1", "x1"}, r.ids(t))
	r = e.do("GET", unitsPath+"?$filter=status%20eq%20'unknownFutureValue'", prefer())
	require.Empty(t, r.ids(t))
	r = e.do("GET", unitsPath+"?$filter=status%20eq%20'offboarded'")
	require.Equal(t, []string{"x1"}, r.ids(t), "the real member still filters")
}
