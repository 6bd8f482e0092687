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
	// policyName is the name of the unit's policy when the result does
	// not carry it.
	policyName string
}

// resultJSON is a unit's result in json and jsonl output.
type resultJSON struct {
	ID                        string     `json:"id"`
	Kind                      string     `json:"kind"`
	Name                      string     `json:"name,omitempty"`
	Address                   string     `json:"address,omitempty"`
	PolicyID                  string     `json:"policyId,omitempty"`
	PolicyName                string     `json:"policyName,omitempty"`
	Stage                     string     `json:"stage"`
	Outcome                   string     `json:"outcome"`
	Reason                    string     `json:"reason,omitempty"`
	Error                     string     `json:"error,omitempty"`
	Status                    string     `json:"status,omitempty"`
	OffboardRequestedDateTime *time.Time `json:"offboardRequestedDateTime,omitempty"`
	// RequestID, Sent and Operator are the audit trail of the unit's
	// last write: the request-id of the service's answer (for Microsoft
	// support), when it was sent, and who sent it.
	RequestID string     `json:"requestId,omitempty"`
	Sent      *time.Time `json:"sent,omitempty"`
	Operator  string     `json:"operator,omitempty"`
}

// toResultJSON converts a row. A unit whose outcome is final and not a
// failure carries no error: an error of an earlier attempt (an answer
// lost, then settled by a read-back) is history, not its state.
func toResultJSON(row resultRow) resultJSON {
	r := row.r
	out := resultJSON{ID: r.ID, Kind: r.Kind.String(), Name: r.Name, PolicyID: r.PolicyID, PolicyName: r.PolicyName,
		Stage: stageText(r.Stage), Outcome: r.Outcome.String(), Reason: r.Explain(),
		RequestID: r.RequestID, Sent: timeJSON(r.Sent), Operator: r.Operator}
	if r.Err != nil && !settled(r.Outcome) {
		out.Error = describeErr(r.Err)
	}
	if u := row.unit; u != nil {
		if n := u.Name(); n != "" && n != u.ID {
			out.Name = n
		}
		out.Address = unitAddress(u)
		if out.Kind == models.KindUnknown.String() {
			out.Kind = u.Kind().String()
		}
	}
	if out.PolicyName == "" {
		out.PolicyName = row.policyName
	}
	if u := r.Unit; u != nil {
		out.Status = string(u.Status)
		out.OffboardRequestedDateTime = timeJSON(u.OffboardRequestedDateTime)
	} else {
		out.Status = string(row.lastStatus)
	}
	if out.Status == "" {
		out.Status = string(row.lastStatus)
	}
	return out
}

// settled reports whether an outcome is final and not a failure: such a
// unit shows no error.
func settled(o offboarding.Outcome) bool {
	return o == offboarding.OutcomeDone || o == offboarding.OutcomeAlready || o == offboarding.OutcomeSkipped ||
		o == offboarding.OutcomePlanned
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

// sentText is a result's send time for CSV.
func sentText(j resultJSON) string {
	if j.Sent == nil {
		return ""
	}
	return j.Sent.Format(time.RFC3339Nano)
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
	layout: tableLayout{flex: []string{"name", "detail"}, drop: []string{"status", "stage", "kind"}, min: map[string]int{"detail": 20}},
	csv: []column[resultRow]{
		{"id", func(r resultRow) string { return r.r.ID }},
		{"kind", func(r resultRow) string { return toResultJSON(r).Kind }},
		{"name", func(r resultRow) string { return toResultJSON(r).Name }},
		{"address", func(r resultRow) string { return toResultJSON(r).Address }},
		{"policyId", func(r resultRow) string { return r.r.PolicyID }},
		{"policyName", func(r resultRow) string { return toResultJSON(r).PolicyName }},
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
		{"requestId", func(r resultRow) string { return r.r.RequestID }},
		{"sent", func(r resultRow) string { return sentText(toResultJSON(r)) }},
		{"operator", func(r resultRow) string { return r.r.Operator }},
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
	layout: tableLayout{flex: []string{"policy", "reason"}, drop: []string{"kind"}, min: map[string]int{"reason": 20, "policy": 16}},
}

// policyCell names a group's policy: its name when known, else its ID.
func policyCell(r planRow) string {
	switch {
	case r.g.PolicyName != "":
		return r.g.PolicyName
	case r.policyName != "":
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
		out[i] = resultRow{r: r, unit: o.units[r.ID], lastStatus: o.lastStatus[r.ID], policyName: o.policies[r.PolicyID]}
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
	if err := writeList(a.out, a.stdoutStyle(), resultFormat, o.rows(res)); err != nil {
		return err
	}
	w, st := a.out, a.stdoutStyle()
	if a.g.output != "table" {
		if a.g.quiet {
			return nil
		}
		w, st = a.err, a.stderrTable()
	}
	fmt.Fprintf(w, "\n%s: %s\n", title, totals(res))
	return writeList(w, st, planFormat, o.planRows(res))
}

// resultCode is the exit code the units' outcomes call for: 3 when any
// outcome is unknown; else 1 when any unit failed, is not finished, or was
// skipped (unless --allow-skipped); else 0 (done, already in the target
// state). A dry run's plan is what it is: 0, unless a unit could not be
// read (failed, or pending), 1.
func (a *app) resultCode(res *offboarding.Results) int {
	if res == nil {
		return exitOK
	}
	counts := res.Count()
	bad := counts[offboarding.OutcomeFailed] + counts[offboarding.OutcomePending]
	if !a.dryRun && !a.allowSkipped {
		bad += counts[offboarding.OutcomeSkipped]
	}
	switch {
	case counts[offboarding.OutcomeUnknown] > 0:
		return exitUnknown
	case bad > 0:
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

// describeErr is a unit's error as the output shows it: without the
// packages' own prefixes along the chain (stripPrefixes). JSON keeps every
// other character as it is.
func describeErr(err error) string { return stripPrefixes(err.Error()) }
