package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// unitJSON is a unit in json and jsonl output.
type unitJSON struct {
	ID                        string     `json:"id"`
	Kind                      string     `json:"kind"`
	Status                    string     `json:"status"`
	PolicyID                  string     `json:"policyId"`
	PolicyName                string     `json:"policyName,omitempty"`
	ProtectionSources         string     `json:"protectionSources"`
	Name                      string     `json:"name"`
	SiteID                    string     `json:"siteId,omitempty"`
	SiteWebURL                string     `json:"siteWebUrl,omitempty"`
	DirectoryObjectID         string     `json:"directoryObjectId,omitempty"`
	Email                     string     `json:"email,omitempty"`
	CreatedDateTime           *time.Time `json:"createdDateTime,omitempty"`
	LastModifiedDateTime      *time.Time `json:"lastModifiedDateTime,omitempty"`
	OffboardRequestedDateTime *time.Time `json:"offboardRequestedDateTime,omitempty"`
	Error                     string     `json:"error,omitempty"`
}

// unitRow is a unit with its policy's name ("" when unknown).
type unitRow struct {
	u          *models.ProtectionUnit
	policyName string
}

// toUnitJSON converts a unit.
func toUnitJSON(r unitRow) unitJSON {
	u := r.u
	return unitJSON{
		ID: u.ID, Kind: u.Kind().String(), Status: string(u.Status), PolicyID: u.PolicyID, PolicyName: r.policyName,
		ProtectionSources: u.ProtectionSources.String(), Name: u.Name(), SiteID: u.SiteID, SiteWebURL: u.SiteWebURL,
		DirectoryObjectID: u.DirectoryObjectID, Email: u.Email,
		CreatedDateTime: timeJSON(u.CreatedDateTime), LastModifiedDateTime: timeJSON(u.LastModifiedDateTime),
		OffboardRequestedDateTime: timeJSON(u.OffboardRequestedDateTime), Error: unitError(u),
	}
}

// unitError is the unit's own error ("code: message"), or "".
func unitError(u *models.ProtectionUnit) string {
	if u.Error == nil || (u.Error.Code == "" && u.Error.Message == "") {
		return ""
	}
	return strings.TrimPrefix(u.Error.Code+": "+u.Error.Message, ": ")
}

// unitAddress is the site URL or the e-mail address of a unit.
func unitAddress(u *models.ProtectionUnit) string {
	if u.SiteWebURL != "" {
		return u.SiteWebURL
	}
	return u.Email
}

// policyText names a unit's policy in a table: its name, else its ID.
func policyText(r unitRow) string {
	if r.policyName != "" {
		return r.policyName
	}
	return r.u.PolicyID
}

// unitFormat writes units.
var unitFormat = format[unitRow]{
	table: []column[unitRow]{
		{"id", func(r unitRow) string { return r.u.ID }},
		{"kind", func(r unitRow) string { return r.u.Kind().String() }},
		{"status", func(r unitRow) string { return string(r.u.Status) }},
		{"policy", policyText},
		{"sources", func(r unitRow) string { return r.u.ProtectionSources.String() }},
		{"name", func(r unitRow) string { return r.u.Name() }},
		{"address", func(r unitRow) string { return unitAddress(r.u) }},
	},
	layout: tableLayout{flex: []string{"name", "address", "policy"}, drop: []string{"address", "sources", "policy"}},
	csv: []column[unitRow]{
		{"id", func(r unitRow) string { return r.u.ID }},
		{"kind", func(r unitRow) string { return r.u.Kind().String() }},
		{"status", func(r unitRow) string { return string(r.u.Status) }},
		{"policyId", func(r unitRow) string { return r.u.PolicyID }},
		{"policyName", func(r unitRow) string { return r.policyName }},
		{"protectionSources", func(r unitRow) string { return r.u.ProtectionSources.String() }},
		{"name", func(r unitRow) string { return r.u.Name() }},
		{"siteId", func(r unitRow) string { return r.u.SiteID }},
		{"siteWebUrl", func(r unitRow) string { return r.u.SiteWebURL }},
		{"directoryObjectId", func(r unitRow) string { return r.u.DirectoryObjectID }},
		{"email", func(r unitRow) string { return r.u.Email }},
		{"createdDateTime", func(r unitRow) string { return timeText(r.u.CreatedDateTime) }},
		{"lastModifiedDateTime", func(r unitRow) string { return timeText(r.u.LastModifiedDateTime) }},
		{"offboardRequestedDateTime", func(r unitRow) string { return timeText(r.u.OffboardRequestedDateTime) }},
		{"error", func(r unitRow) string { return unitError(r.u) }},
	},
	json: func(r unitRow) any { return toUnitJSON(r) },
}

// unitsCommand is "units list|get".
func (a *app) unitsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "units",
		Short: "List protection units, or show one",
		Args:  noArgs,
	}
	cmd.AddCommand(a.unitsListCommand(), a.unitsGetCommand())
	return cmd
}

// defaultListLimit is how many units "units list" shows without --all.
const defaultListLimit = 100

// unitsListFlags are the flags of "units list".
type unitsListFlags struct {
	statuses []string
	kind     string
	policy   string
	filter   string
	all      bool
	limit    int
	// offboarding lists the offboardRequested units with their deletion
	// date, days left and whether a cancel is possible.
	offboarding bool
}

// unitsListCommand is "units list".
func (a *app) unitsListCommand() *cobra.Command {
	var f unitsListFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List protection units (the first 100; --all for every one)",
		Long: `List protection units, with their kind, status, policy, protection sources,
name and address (site URL or e-mail address).

--status, --kind and --policy filter the listing; --status and --policy are
applied here, on the units the service returns, since the service documents
no filterable properties (--filter passes an OData $filter through as it is).
--policy takes a policy's ID or its name (any case); it warns when no policy
has it. The first 100 units that match are shown; --all shows every one,
--limit N the first N (with or without --all).`,
		Example: `  backuprestore --emulator units list
  backuprestore units list --policy "OneDrive Policy - All users" --status protected
  backuprestore units list --status unprotected --kind site --all --output csv > sites.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.unitsList(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.statuses, "status", nil, "only units in these `statuses` (comma-separated, e.g. protected,unprotected)")
	addKindFlag(cmd, &f.kind, "only units of this kind: site, drive or mailbox")
	fl.StringVar(&f.policy, "policy", "", "only units of the policy with this `ID or name` (any case; \"\" is not a filter: use --status unprotected for removed units)")
	fl.StringVar(&f.filter, "filter", "", "an OData $filter `expression` sent to the service as it is")
	fl.BoolVar(&f.all, "all", false, "list every unit (follow every page); --limit still applies when given")
	fl.IntVar(&f.limit, "limit", defaultListLimit, "show at most this many units (default 100 without --all; no limit with --all)")
	fl.BoolVar(&f.offboarding, "offboarding", false, "only units being offboarded, with the date their backups are deleted (90 days after the request), the days left and whether a cancel is still possible")
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return statusNames(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// statusNames are the known unit statuses.
func statusNames() []string {
	var out []string
	for _, s := range models.KnownStatuses() {
		out = append(out, string(s))
	}
	return out
}

// unitsList runs "units list". Nothing reaches stdout until the first
// page has been read: a listing that fails prints only its error.
func (a *app) unitsList(cmd *cobra.Command, f unitsListFlags) error {
	a.need = permRead
	ctx := cmd.Context()
	if f.limit < 1 {
		return usageErrorf("--limit must be at least 1")
	}
	limit := f.limit
	if f.all && !cmd.Flags().Changed("limit") {
		limit = 0 // no limit
	}
	var want []models.ProtectionUnitStatus
	for _, s := range f.statuses {
		st, ok := parseStatus(s)
		if !ok {
			return usageErrorf("--status: unknown status %q (known: %s)", s, strings.Join(statusNames(), ", "))
		}
		want = append(want, st)
	}
	c, err := a.connect(ctx, a.endpoint())
	if err != nil {
		return err
	}
	names := a.policyNames(ctx, c)
	policyID := ""
	if f.policy != "" {
		if policyID, err = a.findPolicy(names, f.policy); err != nil {
			return err
		}
	}
	b := c.ProtectionUnits()
	switch kindNames[f.kind] {
	case models.KindSite:
		b = b.Sites()
	case models.KindDrive:
		b = b.Drives()
	case models.KindMailbox:
		b = b.Mailboxes()
	}
	lf := unitFormat
	if f.offboarding {
		want = []models.ProtectionUnitStatus{models.StatusOffboardRequested}
		var meta backuprestore.Response
		ctx = backuprestore.WithCaptureResponse(ctx, &meta)
		lf = offboardingFormat(func() time.Time {
			if !meta.Date.IsZero() {
				return meta.Date
			}
			return time.Now()
		})
	}
	lw := newListWriter(a.out, a.stdoutStyle(), lf)
	n, more := 0, false
	for u, err := range b.All(ctx, &backuprestore.ListOptions{Filter: f.filter, Top: 999}) {
		if err != nil {
			return fmt.Errorf("listing protection units: %w", err)
		}
		if len(want) > 0 && !slices.Contains(want, u.Status) {
			continue
		}
		if f.policy != "" && !strings.EqualFold(u.PolicyID, policyID) {
			continue
		}
		if limit > 0 && n == limit {
			more = true
			break
		}
		if err := lw.add(unitRow{u: u, policyName: names[u.PolicyID]}); err != nil {
			return err
		}
		n++
	}
	if err := lw.close(); err != nil {
		return err
	}
	if more {
		a.notef("(the first %d units; more match: --all lists every one)\n", limit)
	}
	return nil
}

// parseStatus reads a unit status in any case.
func parseStatus(s string) (models.ProtectionUnitStatus, bool) {
	for _, st := range models.KnownStatuses() {
		if strings.EqualFold(string(st), strings.TrimSpace(s)) {
			return st, true
		}
	}
	return "", false
}

// findPolicy returns the ID of the policy --policy names, by ID or by name
// (any case), from the policies' names. When none has it, it warns (the
// listing then filters by the text as an ID); when several policies have
// the name, it fails with a usage error listing their IDs.
func (a *app) findPolicy(names map[string]string, text string) (string, error) {
	var byName []string
	for id, name := range names {
		if strings.EqualFold(id, text) {
			return id, nil
		}
		if strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(text)) {
			byName = append(byName, id)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		if len(names) > 0 {
			a.warnf("no policy has the ID or name %q (policies list shows them); listing the units whose policy ID is that\n", text)
		}
		return text, nil
	}
	slices.Sort(byName)
	return "", usageErrorf("--policy %q: %d policies have that name (%s); pass the ID", text, len(byName), strings.Join(byName, ", "))
}

// unitsGetCommand is "units get".
func (a *app) unitsGetCommand() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "get TARGET",
		Short: "Show one protection unit: by unit ID, site URL, e-mail address or directory object ID",
		Example: `  backuprestore units get 1b014d8c-71fe-4d00-a01a-31850bc5b32c
  backuprestore units get https://contoso.sharepoint.com/sites/hr
  backuprestore units get adele@contoso.com --kind mailbox`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.unitsGet(cmd, args[0], kind) },
	}
	addKindFlag(cmd, &kind, "the unit's kind when the target names several (an e-mail address that is both a drive and a mailbox)")
	return cmd
}

// unitsGet runs "units get": a plain ID is read directly; anything else
// (or an ID the service does not know, which may be a directory object
// ID) is resolved by listing the units.
func (a *app) unitsGet(cmd *cobra.Command, text, kind string) error {
	a.need = permRead
	ctx := cmd.Context()
	text = strings.TrimSpace(text)
	c, err := a.connect(ctx, a.endpoint())
	if err != nil {
		return err
	}
	var u *models.ProtectionUnit
	if !isURL(text) && !isEmail(text) {
		u, err = c.ProtectionUnits().ByID(text).Get(ctx, nil)
		switch {
		case errors.Is(err, backuprestore.ErrInvalidProtectionUnitID):
			return usageErrorf("%q is not a valid unit ID, site URL or e-mail address: %w", clip(text), err)
		case errors.Is(err, backuprestore.ErrNotFound):
			u = nil
		case err != nil:
			return err
		}
		if u != nil && kind != "" && u.Kind() != kindNames[kind] {
			return usageErrorf("%q is a %s unit, which --kind %s excludes", text, u.Kind(), kind)
		}
	}
	if u == nil {
		ts := []target{{text: text, where: "argument 1"}}
		r, err := loadResolver(ctx, c, kindNames[kind], ts)
		if err != nil {
			return err
		}
		us, err := r.resolveAll(ctx, ts)
		if err != nil {
			return err
		}
		if u, err = c.ProtectionUnits().ByID(us[0].ID).Get(ctx, nil); err != nil {
			return err
		}
	}
	row := unitRow{u: u, policyName: a.policyNames(ctx, c)[u.PolicyID]}
	return writeOne(a, format[unitRow]{table: unitFormat.csv, csv: unitFormat.csv, json: unitFormat.json}, row)
}
