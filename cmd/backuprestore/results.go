package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// resultRow is one unit's result in a run's output, with what the CLI
// knows of the unit besides (its name and address from the resolution).
type resultRow struct {
	r    offboarding.Result
	unit *models.ProtectionUnit
	// lastStatus is the unit's status as the journal last recorded it,
	// shown when the result has no unit (status reads no unit).
	lastStatus models.ProtectionUnitStatus
}

// resultJSON is a unit's result in json and jsonl output.
type resultJSON struct {
	ID                        string     `json:"id"`
	Kind                      string     `json:"kind"`
	Name                      string     `json:"name,omitempty"`
	Address                   string     `json:"address,omitempty"`
	PolicyID                  string     `json:"policyId,omitempty"`
	Stage                     string     `json:"stage"`
	Outcome                   string     `json:"outcome"`
	Reason                    string     `json:"reason,omitempty"`
	Error                     string     `json:"error,omitempty"`
	Status                    string     `json:"status,omitempty"`
	OffboardRequestedDateTime *time.Time `json:"offboardRequestedDateTime,omitempty"`
}

// toResultJSON converts a row.
func toResultJSON(row resultRow) resultJSON {
	r := row.r
	out := resultJSON{ID: r.ID, Kind: r.Kind.String(), PolicyID: r.PolicyID, Stage: stageText(r.Stage), Outcome: r.Outcome.String(),
		Reason: r.Explain()}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	if u := row.unit; u != nil {
		out.Name, out.Address = u.Name(), unitAddress(u)
		if out.Kind == models.KindUnknown.String() {
			out.Kind = u.Kind().String()
		}
	}
	if u := r.Unit; u != nil {
		out.Status = string(u.Status)
		out.OffboardRequestedDateTime = timeJSON(u.OffboardRequestedDateTime)
	} else {
		out.Status = string(row.lastStatus)
	}
	return out
}

// stageText names a stage; "" for a unit that reached none yet (a run
// stopped before reading it).
func stageText(s offboarding.Stage) string {
	if _, err := s.MarshalText(); err != nil {
		return ""
	}
	return s.String()
}

// detail is the reason and the error of a result, in one cell.
func detail(j resultJSON) string {
	switch {
	case j.Reason != "" && j.Error != "":
		return j.Reason + ": " + j.Error
	case j.Error != "":
		return j.Error
	}
	return j.Reason
}

// resultFormat writes results.
var resultFormat = format[resultRow]{
	table: []column[resultRow]{
		{"id", func(r resultRow) string { return r.r.ID }},
		{"kind", func(r resultRow) string { return toResultJSON(r).Kind }},
		{"name", func(r resultRow) string { return toResultJSON(r).Name }},
		{"stage", func(r resultRow) string { return stageText(r.r.Stage) }},
		{"outcome", func(r resultRow) string { return r.r.Outcome.String() }},
		{"status", func(r resultRow) string { return toResultJSON(r).Status }},
		{"detail", func(r resultRow) string { return detail(toResultJSON(r)) }},
	},
	csv: []column[resultRow]{
		{"id", func(r resultRow) string { return r.r.ID }},
		{"kind", func(r resultRow) string { return toResultJSON(r).Kind }},
		{"name", func(r resultRow) string { return toResultJSON(r).Name }},
		{"address", func(r resultRow) string { return toResultJSON(r).Address }},
		{"policyId", func(r resultRow) string { return r.r.PolicyID }},
		{"stage", func(r resultRow) string { return stageText(r.r.Stage) }},
		{"outcome", func(r resultRow) string { return r.r.Outcome.String() }},
		{"reason", func(r resultRow) string { return r.r.Explain() }},
		{"error", func(r resultRow) string { return toResultJSON(r).Error }},
		{"status", func(r resultRow) string { return toResultJSON(r).Status }},
		{"offboardRequestedDateTime", func(r resultRow) string {
			if t := toResultJSON(r).OffboardRequestedDateTime; t != nil {
				return timeText(*t)
			}
			return ""
		}},
	},
	json: func(r resultRow) any { return toResultJSON(r) },
}

// planRow is a group of units sharing a stage, outcome, kind, policy and
// reason (offboarding.PlanGroup), with the policy's name when known.
type planRow struct {
	g          offboarding.PlanGroup
	policyName string
}

// planFormat writes a plan or a summary: one row per group.
var planFormat = format[planRow]{
	table: []column[planRow]{
		{"stage", func(r planRow) string { return stageText(r.g.Stage) }},
		{"outcome", func(r planRow) string { return r.g.Outcome.String() }},
		{"kind", func(r planRow) string { return r.g.Kind.String() }},
		{"policy", func(r planRow) string { return policyCell(r) }},
		{"units", func(r planRow) string { return strconv.Itoa(len(r.g.Units)) }},
		{"reason", func(r planRow) string { return r.g.Explain() }},
	},
}

// policyCell names a group's policy: its name when known, else its ID.
func policyCell(r planRow) string {
	if r.policyName != "" {
		return r.policyName
	}
	return r.g.PolicyID
}

// runOutput holds what the output of a run needs besides its results: the
// units as resolved (names, addresses) and the policies' names.
type runOutput struct {
	units    map[string]*models.ProtectionUnit
	policies map[string]string
	// lastStatus is each unit's status as its journal last recorded it.
	lastStatus map[string]models.ProtectionUnitStatus
}

// rows pairs results with what is known of their units.
func (o *runOutput) rows(res *offboarding.Results) []resultRow {
	out := make([]resultRow, len(res.Units))
	for i, r := range res.Units {
		out[i] = resultRow{r: r, unit: o.units[r.ID], lastStatus: o.lastStatus[r.ID]}
		if out[i].unit == nil {
			out[i].unit = r.Unit
		}
	}
	return out
}

// planRows are the result's groups, with policy names.
func (o *runOutput) planRows(res *offboarding.Results) []planRow {
	groups := res.Plan()
	out := make([]planRow, len(groups))
	for i, g := range groups {
		out[i] = planRow{g: g, policyName: o.policies[g.PolicyID]}
	}
	return out
}

// policyNames lists the policies' names, best effort: the output shows
// IDs when they cannot be listed.
func (a *app) policyNames(ctx context.Context, c *backuprestore.Client) map[string]string {
	out := map[string]string{}
	for p, err := range c.ProtectionPolicies().All(ctx, nil) {
		if err != nil {
			a.log.Debug("listing the policies for their names failed; showing IDs", "err", err)
			return out
		}
		out[p.ID] = p.DisplayName
	}
	return out
}

// totals is a one-line count of the outcomes: "12 units: 10 done, 2 failed".
func totals(res *offboarding.Results) string {
	counts := res.Count()
	var parts []string
	for _, o := range []offboarding.Outcome{offboarding.OutcomeDone, offboarding.OutcomePlanned, offboarding.OutcomeAlready,
		offboarding.OutcomeSkipped, offboarding.OutcomeFailed, offboarding.OutcomeUnknown, offboarding.OutcomePending} {
		if n := counts[o]; n > 0 {
			name := o.String()
			if o == offboarding.OutcomeUnknown {
				name = "unknown (in doubt)"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	unit := "units"
	if len(res.Units) == 1 {
		unit = "unit"
	}
	return fmt.Sprintf("%d %s: %s", len(res.Units), unit, strings.Join(parts, ", "))
}

// writeResults writes every unit's result to stdout in the output format,
// then the summary (the plan's groups and the totals): after the table on
// stdout, or on stderr beside the other formats (unless --quiet), so that
// stdout stays one document for scripts.
func (a *app) writeResults(o *runOutput, res *offboarding.Results, title string) error {
	if err := writeList(a.out, a.g.output, resultFormat, o.rows(res)); err != nil {
		return err
	}
	w := a.out
	if a.g.output != "table" {
		if a.g.quiet {
			return nil
		}
		w = a.err
	}
	fmt.Fprintf(w, "\n%s: %s\n", title, totals(res))
	return writeList(w, "table", planFormat, o.planRows(res))
}

// resultCode is the exit code the units' outcomes call for: 3 when any
// outcome is unknown; else 1 when any unit failed, was skipped or is not
// finished; else 0 (done, already in the target state, or planned).
func resultCode(res *offboarding.Results) int {
	if res == nil {
		return exitOK
	}
	counts := res.Count()
	switch {
	case counts[offboarding.OutcomeUnknown] > 0:
		return exitUnknown
	case counts[offboarding.OutcomeFailed]+counts[offboarding.OutcomeSkipped]+counts[offboarding.OutcomePending] > 0:
		return exitFailed
	}
	return exitOK
}

// unfinished counts the units whose outcome is not final (pending or in
// doubt): what a resume would take on.
func unfinished(res *offboarding.Results) int {
	counts := res.Count()
	return counts[offboarding.OutcomePending] + counts[offboarding.OutcomeUnknown]
}
