package main

import (
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// offboardingGrace is the grace period between an offboard request and
// the deletion of the unit's backups: 90 days, as the product
// documentation says (the service's blog says "typically 30–90 days"; the
// API documents none). A cancel is possible until then.
const offboardingGrace = 90 * 24 * time.Hour

// deletionDate is when an offboarding unit's backups are deleted (zero when
// the unit has no offboard request date).
func deletionDate(u *models.ProtectionUnit) time.Time {
	if u.OffboardRequestedDateTime.IsZero() {
		return time.Time{}
	}
	return u.OffboardRequestedDateTime.Add(offboardingGrace)
}

// daysLeft is how many whole days remain before the deletion, from now
// (negative once it has passed).
func daysLeft(u *models.ProtectionUnit, now time.Time) int {
	d := deletionDate(u)
	if d.IsZero() {
		return 0
	}
	return int(d.Sub(now).Hours() / 24)
}

// cancelPossible reports whether cancelOffboard can still be sent: the
// unit is offboardRequested and its grace period has not ended.
func cancelPossible(u *models.ProtectionUnit, now time.Time) bool {
	return u.Status == models.StatusOffboardRequested && deletionDate(u).After(now)
}

// offboardingFormat writes "units list --offboarding": the units being
// offboarded, with the date their backups are deleted, the days left and
// whether a cancel is still possible, as of clock() (the service's clock:
// the listing's Date header, when it has one).
func offboardingFormat(clock func() time.Time) format[unitRow] {
	cols := []column[unitRow]{
		{"id", func(r unitRow) string { return r.u.ID }},
		{"kind", func(r unitRow) string { return r.u.Kind().String() }},
		{"name", func(r unitRow) string { return r.u.Name() }},
		{"offboardRequested", func(r unitRow) string { return timeText(r.u.OffboardRequestedDateTime) }},
		{"backupsDeleted", func(r unitRow) string { return timeText(deletionDate(r.u)) }},
		{"daysLeft", func(r unitRow) string { return strconv.Itoa(daysLeft(r.u, clock())) }},
		{"cancelPossible", func(r unitRow) string { return strconv.FormatBool(cancelPossible(r.u, clock())) }},
	}
	layout := tableLayout{flex: []string{"name"}, drop: []string{"offboardRequested", "kind"}}
	return format[unitRow]{table: cols, layout: layout, csv: cols, json: func(r unitRow) any {
		u := r.u
		return struct {
			ID                string     `json:"id"`
			Kind              string     `json:"kind"`
			Name              string     `json:"name"`
			OffboardRequested *time.Time `json:"offboardRequestedDateTime,omitempty"`
			BackupsDeleted    *time.Time `json:"backupsDeletedDateTime,omitempty"`
			DaysLeft          int        `json:"daysLeft"`
			CancelPossible    bool       `json:"cancelPossible"`
		}{u.ID, u.Kind().String(), u.Name(), timeJSON(u.OffboardRequestedDateTime), timeJSON(deletionDate(u)), daysLeft(u, clock()), cancelPossible(u, clock())}
	}}
}
