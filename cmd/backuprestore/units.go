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

// toUnitJSON converts a unit.
func toUnitJSON(u *models.ProtectionUnit) unitJSON {
	return unitJSON{
		ID: u.ID, Kind: u.Kind().String(), Status: string(u.Status), PolicyID: u.PolicyID,
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

// unitFormat writes units.
var unitFormat = format[*models.ProtectionUnit]{
	table: []column[*models.ProtectionUnit]{
		{"id", func(u *models.ProtectionUnit) string { return u.ID }},
		{"kind", func(u *models.ProtectionUnit) string { return u.Kind().String() }},
		{"status", func(u *models.ProtectionUnit) string { return string(u.Status) }},
		{"policy", func(u *models.ProtectionUnit) string { return u.PolicyID }},
		{"sources", func(u *models.ProtectionUnit) string { return u.ProtectionSources.String() }},
		{"name", func(u *models.ProtectionUnit) string { return u.Name() }},
		{"address", unitAddress},
	},
	csv: []column[*models.ProtectionUnit]{
		{"id", func(u *models.ProtectionUnit) string { return u.ID }},
		{"kind", func(u *models.ProtectionUnit) string { return u.Kind().String() }},
		{"status", func(u *models.ProtectionUnit) string { return string(u.Status) }},
		{"policyId", func(u *models.ProtectionUnit) string { return u.PolicyID }},
		{"protectionSources", func(u *models.ProtectionUnit) string { return u.ProtectionSources.String() }},
		{"name", func(u *models.ProtectionUnit) string { return u.Name() }},
		{"siteId", func(u *models.ProtectionUnit) string { return u.SiteID }},
		{"siteWebUrl", func(u *models.ProtectionUnit) string { return u.SiteWebURL }},
		{"directoryObjectId", func(u *models.ProtectionUnit) string { return u.DirectoryObjectID }},
		{"email", func(u *models.ProtectionUnit) string { return u.Email }},
		{"createdDateTime", func(u *models.ProtectionUnit) string { return timeText(u.CreatedDateTime) }},
		{"lastModifiedDateTime", func(u *models.ProtectionUnit) string { return timeText(u.LastModifiedDateTime) }},
		{"offboardRequestedDateTime", func(u *models.ProtectionUnit) string { return timeText(u.OffboardRequestedDateTime) }},
		{"error", unitError},
	},
	json: func(u *models.ProtectionUnit) any { return toUnitJSON(u) },
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
Without --all, the first --limit units that match are shown.`,
		Example: `  backuprestore --emulator units list
  backuprestore units list --status unprotected --kind site --all --output csv > sites.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.unitsList(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.statuses, "status", nil, "only units in these `statuses` (comma-separated, e.g. protected,unprotected)")
	fl.Var(newEnum(&f.kind, kindValues), "kind", "only units of this kind: site, drive or mailbox")
	fl.StringVar(&f.policy, "policy", "", "only units of the policy with this `ID` (\"\" is not a filter; use --status unprotected for removed units)")
	fl.StringVar(&f.filter, "filter", "", "an OData $filter `expression` sent to the service as it is")
	fl.BoolVar(&f.all, "all", false, "list every unit (follow every page)")
	fl.IntVar(&f.limit, "limit", defaultListLimit, "without --all, show at most this many units")
	fl.BoolVar(&f.offboarding, "offboarding", false, "only units being offboarded, with the date their backups are deleted (90 days after the request), the days left and whether a cancel is still possible")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kindValues, cobra.ShellCompDirectiveNoFileComp))
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

// unitsList runs "units list".
func (a *app) unitsList(cmd *cobra.Command, f unitsListFlags) error {
	a.need = permRead
	if f.limit < 1 {
		return usageErrorf("--limit must be at least 1")
	}
	var want []models.ProtectionUnitStatus
	for _, s := range f.statuses {
		st := models.ProtectionUnitStatus(strings.TrimSpace(s))
		if !slices.Contains(models.KnownStatuses(), st) {
			return usageErrorf("--status: unknown status %q (known: %s)", s, strings.Join(statusNames(), ", "))
		}
		want = append(want, st)
	}
	c, err := a.connect(cmd.Context(), a.endpoint())
	if err != nil {
		return err
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
	ctx := cmd.Context()
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
	lw := newListWriter(a.out, a.g.output, lf)
	n, more := 0, false
	for u, err := range b.All(ctx, &backuprestore.ListOptions{Filter: f.filter, Top: 999}) {
		if err != nil {
			_ = lw.close()
			return fmt.Errorf("listing protection units: %w", err)
		}
		if len(want) > 0 && !slices.Contains(want, u.Status) {
			continue
		}
		if f.policy != "" && !strings.EqualFold(u.PolicyID, f.policy) {
			continue
		}
		if !f.all && n == f.limit {
			more = true
			break
		}
		if err := lw.add(u); err != nil {
			return err
		}
		n++
	}
	if err := lw.close(); err != nil {
		return err
	}
	if more {
		a.notef("(the first %d units; more match: --all lists every one)\n", f.limit)
	}
	return nil
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
	cmd.Flags().Var(newEnum(&kind, kindValues), "kind", "the unit's kind when the target names several (an e-mail address that is both a drive and a mailbox)")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kindValues, cobra.ShellCompDirectiveNoFileComp))
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
	return writeOne(a, format[*models.ProtectionUnit]{table: unitFormat.csv, csv: unitFormat.csv, json: unitFormat.json}, u)
}
