package main

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
)

// A run's report (status --report FILE.html, or -o html) is one HTML page
// with nothing outside it (no script, no stylesheet or font to fetch), so
// that an admin can attach it to a change ticket and anyone can open it:
// the run's summary (what, who, from where, when, the counts per outcome
// as figures and as a bar whose segments are as wide as their share of
// the units), the units per outcome, the units per policy and outcome, and
// every unit with its request-id, send time and operator. Names from the
// tenant are escaped by html/template and shown printable.

// reportOutcomes are the outcomes in the report's order, with their
// colours (the legend, the bar, the cells) and their meaning.
var reportOutcomes = []struct {
	o       offboarding.Outcome
	color   string
	meaning string
}{
	{offboarding.OutcomeDone, "#2e7d32", "this run did it, with the service's answer or a read-back as evidence"},
	{offboarding.OutcomeAlready, "#0277bd", "already in the target state: nothing was sent"},
	{offboarding.OutcomePlanned, "#00838f", "a dry run's plan: what would be done"},
	{offboarding.OutcomeSkipped, "#f9a825", "not attempted, for the reason given (a dynamic rule, say)"},
	{offboarding.OutcomePending, "#757575", "not finished: resume continues it"},
	{offboarding.OutcomeFailed, "#c62828", "the service refused it: its error is given"},
	{offboarding.OutcomeUnknown, "#6a1b9a", "in doubt: a write was sent and its answer lost; resume reads it back"},
}

// reportBarWidth is the summary bar's width in CSS pixels.
const reportBarWidth = 800

// report is what the report's template shows.
type report struct {
	Title, Generated, Version, Journal string
	// Facts are the run's summary, in order.
	Facts []reportFact
	Units int
	// Outcomes are every outcome with its count (zero included) and its
	// segment of the bar (Width pixels).
	Outcomes []reportOutcome
	// Policies are the units per policy and outcome.
	Policies []reportPolicy
	// Rows are every unit.
	Rows []resultJSON
}

// reportFact is one line of the summary.
type reportFact struct{ Name, Value string }

// reportOutcome is an outcome's count.
type reportOutcome struct {
	Name, Color, Meaning string
	Count, Width         int
}

// reportPolicy is a policy's units per outcome.
type reportPolicy struct {
	Name, ID string
	Counts   []int // in reportOutcomes' order
	Total    int
}

// newReport builds the report of a run.
func newReport(run runRecord, res *offboarding.Results, out *runOutput, journal string) *report {
	info := run.info()
	action := "Offboard"
	if info.Action == actionCancel {
		action = "Cancel-offboard"
	}
	r := &report{
		Title:     fmt.Sprintf("%s run %s", action, info.ID),
		Generated: time.Now().Format(time.RFC1123),
		Version:   readBuildInfo().Version,
		Journal:   journal,
		Units:     len(res.Units),
	}
	ended := "—"
	switch {
	case !run.sum.Finished.IsZero():
		ended = reportTime(run.sum.Finished)
	case !run.sum.Abandoned.IsZero():
		ended = reportTime(run.sum.Abandoned) + " (abandoned)"
	}
	r.Facts = []reportFact{
		{"Run", info.ID},
		{"Action", action},
		{"State", runState(run.sum)},
		{"Started", reportTime(info.Started)},
		{"Ended", ended},
		{"Operator", printable(cmp.Or(info.Operator, "—"))},
		{"Host", printable(cmp.Or(info.Host, "—"))},
		{"Command line", printable(cmp.Or(info.CommandLine, "—"))},
		{"Targets from", printable(cmp.Or(info.Source, "—"))},
		{"Service", printable(run.ep.String())},
		{"Units", strconv.Itoa(len(res.Units))},
	}
	counts := res.Count()
	shares := barWidths(counts, len(res.Units))
	for i, o := range reportOutcomes {
		r.Outcomes = append(r.Outcomes, reportOutcome{Name: o.o.String(), Color: o.color, Meaning: o.meaning,
			Count: counts[o.o], Width: shares[i]})
	}
	byPolicy := map[string]*reportPolicy{}
	for _, row := range out.rows(res) {
		j := toResultJSON(row)
		r.Rows = append(r.Rows, printableResult(j))
		key := j.PolicyID
		p := byPolicy[key]
		if p == nil {
			p = &reportPolicy{Name: printable(cmp.Or(j.PolicyName, j.PolicyID, "(no policy)")), ID: j.PolicyID,
				Counts: make([]int, len(reportOutcomes))}
			byPolicy[key] = p
		}
		for i, o := range reportOutcomes {
			if o.o == row.r.Outcome {
				p.Counts[i]++
			}
		}
		p.Total++
	}
	for _, p := range byPolicy {
		r.Policies = append(r.Policies, *p)
	}
	slices.SortFunc(r.Policies, func(a, b reportPolicy) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return r
}

// barWidths divides reportBarWidth among the outcomes in proportion to
// their counts (largest remainders, so that the widths add up), in
// reportOutcomes' order.
func barWidths(counts map[offboarding.Outcome]int, total int) []int {
	out := make([]int, len(reportOutcomes))
	if total == 0 {
		return out
	}
	type rem struct {
		i int
		f float64
	}
	var rems []rem
	used := 0
	for i, o := range reportOutcomes {
		exact := float64(counts[o.o]) * reportBarWidth / float64(total)
		out[i] = int(math.Floor(exact))
		used += out[i]
		rems = append(rems, rem{i, exact - math.Floor(exact)})
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.f, a.f) })
	for k := 0; used < reportBarWidth && k < len(rems); k++ {
		if counts[reportOutcomes[rems[k].i].o] > 0 {
			out[rems[k].i]++
			used++
		}
	}
	return out
}

// reportTime is a time for the report: local, with its zone.
func reportTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// printableResult is a result with every field made printable.
func printableResult(j resultJSON) resultJSON {
	for _, s := range []*string{&j.ID, &j.Kind, &j.Name, &j.Address, &j.PolicyID, &j.PolicyName, &j.Stage, &j.Outcome,
		&j.Reason, &j.Error, &j.Status, &j.RequestID, &j.Operator} {
		*s = printable(*s)
	}
	return j
}

// write writes the report as HTML.
func (r *report) write(w io.Writer) error { return reportTemplate.Execute(w, r) }

// writeFile writes the report to path, whole or not at all (a temporary
// file renamed into place), readable by its owner alone (mode 0600): it
// names people and the tenant's sites.
func (r *report) writeFile(path string) error {
	var b bytes.Buffer
	if err := r.write(&b); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return usageErrorf("--report %s: %w", path, err)
	}
	_, err = f.Write(b.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return usageErrorf("--report %s: %w", path, err)
	}
	return nil
}

// reportTemplate is the report's page.
var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"sent": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return reportTime(*t)
	},
	"cell": func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="backuprestore {{.Version}}">
<title>backuprestore: {{.Title}}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 24px 32px; color: #1f1f1f; background: #ffffff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #d0d0d0; padding-bottom: 4px; }
.sub { color: #5f5f5f; margin: 0 0 16px; font-size: 13px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; margin: 0 0 16px; }
dt { font-weight: 600; }
dd { margin: 0; word-break: break-all; }
#summary-bar { display: flex; width: {{.BarWidth}}px; height: 28px; border: 1px solid #ffffff; margin: 12px 0; }
#summary-bar span { display: block; height: 28px; }
ul.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 8px 24px; font-size: 15px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: baseline; }
.figure { font-size: 20px; font-weight: 700; margin-right: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 0 0 12px; }
th, td { border: 1px solid #d0d0d0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id, td.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.o-done { color: #2e7d32; font-weight: 600; } .o-already { color: #0277bd; } .o-planned { color: #00838f; }
.o-skipped { color: #9a6700; } .o-pending { color: #757575; } .o-failed { color: #c62828; font-weight: 600; }
.o-unknown { color: #6a1b9a; font-weight: 600; }
@media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">backuprestore {{.Version}} · generated {{.Generated}} from the journal {{.Journal}}</p>

<section id="summary">
<h2>Summary</h2>
<dl>
{{- range .Facts}}
<dt>{{.Name}}</dt><dd>{{.Value}}</dd>
{{- end}}
</dl>
<div id="summary-bar" role="img" aria-label="units per outcome">
{{- range .Outcomes}}{{if .Count}}<span class="bar-{{.Name}}" data-outcome="{{.Name}}" data-count="{{.Count}}" style="width: {{.Width}}px; background-color: {{.Color}}"></span>{{end}}{{end -}}
</div>
<ul class="legend">
{{- range .Outcomes}}
<li><span class="swatch" style="background-color: {{.Color}}"></span><span class="figure" id="count-{{.Name}}">{{.Count}}</span>{{.Name}}</li>
{{- end}}
</ul>
</section>

<section id="by-outcome">
<h2>Units per outcome</h2>
<table>
<thead><tr><th>Outcome</th><th>Units</th><th>Meaning</th></tr></thead>
<tbody>
{{- range .Outcomes}}
<tr><td class="o-{{.Name}}">{{.Name}}</td><td class="num">{{.Count}}</td><td>{{.Meaning}}</td></tr>
{{- end}}
<tr><th>total</th><td class="num">{{.Units}}</td><td></td></tr>
</tbody>
</table>
</section>

<section id="by-policy">
<h2>Units per policy</h2>
<table>
<thead><tr><th>Policy</th><th>Policy ID</th>{{range .Outcomes}}<th>{{.Name}}</th>{{end}}<th>Total</th></tr></thead>
<tbody>
{{- range .Policies}}
<tr><td>{{.Name}}</td><td class="id">{{cell .ID}}</td>{{range .Counts}}<td class="num">{{.}}</td>{{end}}<td class="num">{{.Total}}</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="units">
<h2>Every unit</h2>
<table>
<thead><tr><th>Unit ID</th><th>Kind</th><th>Name</th><th>Policy</th><th>Stage</th><th>Outcome</th><th>Reason</th><th>Error</th><th>Status</th><th>Request-id</th><th>Sent</th><th>Operator</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td class="id">{{.ID}}</td><td>{{.Kind}}</td><td>{{cell .Name}}</td><td>{{cell .PolicyName}}</td><td>{{cell .Stage}}</td><td class="o-{{.Outcome}}">{{.Outcome}}</td><td>{{cell .Reason}}</td><td>{{cell .Error}}</td><td>{{cell .Status}}</td><td class="code">{{cell .RequestID}}</td><td>{{cell (sent .Sent)}}</td><td>{{cell .Operator}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
</body>
</html>
`))

// BarWidth is the summary bar's width, for the template.
func (r *report) BarWidth() int { return reportBarWidth }
