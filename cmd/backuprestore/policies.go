package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore/models"
)

// policyJSON is a policy in json and jsonl output.
type policyJSON struct {
	ID                   string          `json:"id"`
	Kind                 string          `json:"kind"`
	Status               string          `json:"status"`
	IsEnabled            *bool           `json:"isEnabled,omitempty"`
	DisplayName          string          `json:"displayName"`
	Retention            []retentionJSON `json:"retentionSettings"`
	CreatedDateTime      *time.Time      `json:"createdDateTime,omitempty"`
	LastModifiedDateTime *time.Time      `json:"lastModifiedDateTime,omitempty"`
}

// retentionJSON is one retention setting.
type retentionJSON struct {
	Interval string `json:"interval"`
	Period   string `json:"period"`
}

// toPolicyJSON converts a policy.
func toPolicyJSON(p *models.ProtectionPolicy) policyJSON {
	out := policyJSON{ID: p.ID, Kind: policyKindText(p.Kind()), Status: string(p.Status), IsEnabled: p.IsEnabled,
		DisplayName: p.DisplayName, Retention: []retentionJSON{},
		CreatedDateTime: timeJSON(p.CreatedDateTime), LastModifiedDateTime: timeJSON(p.LastModifiedDateTime)}
	for _, r := range p.RetentionSettings {
		out.Retention = append(out.Retention, retentionJSON{Interval: r.Interval, Period: r.Period})
	}
	return out
}

// enabledText is isEnabled as a cell: "true", "false" or "" when absent.
func enabledText(p *models.ProtectionPolicy) string {
	if p.IsEnabled == nil {
		return ""
	}
	return strconv.FormatBool(*p.IsEnabled)
}

// retentionText is the retention settings as "interval/period" pairs.
func retentionText(p *models.ProtectionPolicy) string {
	parts := make([]string, len(p.RetentionSettings))
	for i, r := range p.RetentionSettings {
		parts[i] = r.Interval + " kept " + r.Period
	}
	return strings.Join(parts, "; ")
}

// policyFormat writes policies.
var policyFormat = format[*models.ProtectionPolicy]{
	table: []column[*models.ProtectionPolicy]{
		{"id", func(p *models.ProtectionPolicy) string { return p.ID }},
		{"kind", func(p *models.ProtectionPolicy) string { return policyKindText(p.Kind()) }},
		{"status", func(p *models.ProtectionPolicy) string { return string(p.Status) }},
		{"enabled", enabledText},
		{"name", func(p *models.ProtectionPolicy) string { return p.DisplayName }},
		{"retention", retentionText},
	},
	csv: []column[*models.ProtectionPolicy]{
		{"id", func(p *models.ProtectionPolicy) string { return p.ID }},
		{"kind", func(p *models.ProtectionPolicy) string { return policyKindText(p.Kind()) }},
		{"status", func(p *models.ProtectionPolicy) string { return string(p.Status) }},
		{"isEnabled", enabledText},
		{"displayName", func(p *models.ProtectionPolicy) string { return p.DisplayName }},
		{"retention", retentionText},
		{"createdDateTime", func(p *models.ProtectionPolicy) string { return timeText(p.CreatedDateTime) }},
		{"lastModifiedDateTime", func(p *models.ProtectionPolicy) string { return timeText(p.LastModifiedDateTime) }},
	},
	json: func(p *models.ProtectionPolicy) any { return toPolicyJSON(p) },
}

// policiesCommand is "policies list".
func (a *app) policiesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "List, show, create, rename, activate, deactivate and delete protection policies",
		Args:  noArgs,
	}
	var kind string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List protection policies (every workload, or one with --kind)",
		Example: "  backuprestore --emulator policies list\n  backuprestore policies list --kind exchange --output json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.need = permRead
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			b := c.ProtectionPolicies()
			switch kind {
			case "site":
				b = b.SharePoint()
			case "drive":
				b = b.OneDrive()
			case "mailbox":
				b = b.Exchange()
			}
			lw := newListWriter(a.out, a.stdoutStyle(), policyFormat)
			for p, err := range b.All(cmd.Context(), nil) {
				if err != nil {
					return fmt.Errorf("listing protection policies: %w", err)
				}
				if err := lw.add(p); err != nil {
					return err
				}
			}
			return lw.close()
		},
	}
	addKindFlag(list, &kind, "only policies of units of this kind: site, drive or mailbox")
	cmd.AddCommand(list)
	a.addPolicyWrites(cmd)
	return cmd
}

// serviceStatusJSON is the service status in json and jsonl output.
type serviceStatusJSON struct {
	Status                     string     `json:"status"`
	DisableReason              string     `json:"disableReason,omitempty"`
	GracePeriodDateTime        *time.Time `json:"gracePeriodDateTime,omitempty"`
	RestoreAllowedTillDateTime *time.Time `json:"restoreAllowedTillDateTime,omitempty"`
	BackupServiceConsumer      string     `json:"backupServiceConsumer,omitempty"`
	LastModifiedDateTime       *time.Time `json:"lastModifiedDateTime,omitempty"`
	LastModifiedBy             string     `json:"lastModifiedBy,omitempty"`
	AllowsProtectionChanges    bool       `json:"allowsProtectionChanges"`
}

// identityText names an identity set: the user, else the application.
func identityText(s *models.IdentitySet) string {
	if s == nil {
		return ""
	}
	for _, id := range []*models.Identity{s.User, s.Application, s.Device} {
		if id == nil {
			continue
		}
		if id.DisplayName != "" {
			return id.DisplayName
		}
		if id.ID != "" {
			return id.ID
		}
	}
	return ""
}

// serviceStatusFields are the service status's fields, in order, for the
// table and CSV.
var serviceStatusFields = []column[serviceStatusJSON]{
	{"status", func(s serviceStatusJSON) string { return s.Status }},
	{"allowsProtectionChanges", func(s serviceStatusJSON) string { return strconv.FormatBool(s.AllowsProtectionChanges) }},
	{"disableReason", func(s serviceStatusJSON) string { return s.DisableReason }},
	{"gracePeriodDateTime", func(s serviceStatusJSON) string { return timePtrText(s.GracePeriodDateTime) }},
	{"restoreAllowedTillDateTime", func(s serviceStatusJSON) string { return timePtrText(s.RestoreAllowedTillDateTime) }},
	{"backupServiceConsumer", func(s serviceStatusJSON) string { return s.BackupServiceConsumer }},
	{"lastModifiedDateTime", func(s serviceStatusJSON) string { return timePtrText(s.LastModifiedDateTime) }},
	{"lastModifiedBy", func(s serviceStatusJSON) string { return s.LastModifiedBy }},
}

// timePtrText is timeText of a possibly nil time.
func timePtrText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timeText(*t)
}

// serviceStatusCommand is "service-status".
func (a *app) serviceStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "service-status",
		Short: "Show the tenant's Microsoft 365 Backup service status (the gate of every protection change)",
		Long: `Show the tenant's Microsoft 365 Backup service status. Units can be removed
from policies (and so offboarded) only while it is "enabled". Reading it needs
the permission ` + permControlRead + `.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.need = permControlRead
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			st, err := c.ServiceStatus(cmd.Context())
			if err != nil {
				return fmt.Errorf("reading the service status: %w", err)
			}
			s := serviceStatusJSON{Status: string(st.Status), DisableReason: string(st.DisableReason),
				GracePeriodDateTime: timeJSON(st.GracePeriodDateTime), RestoreAllowedTillDateTime: timeJSON(st.RestoreAllowedTillDateTime),
				BackupServiceConsumer: string(st.BackupServiceConsumer), LastModifiedDateTime: timeJSON(st.LastModifiedDateTime),
				LastModifiedBy: identityText(st.LastModifiedBy), AllowsProtectionChanges: st.Status == models.ServiceEnabled}
			return writeOne(a, format[serviceStatusJSON]{table: serviceStatusFields, csv: serviceStatusFields,
				json: func(s serviceStatusJSON) any { return s }}, s)
		},
	}
}

// writeOne writes a single record: a "field value" table for people, one
// JSON object (json, jsonl), or a CSV header and row.
func writeOne[T any](a *app, f format[T], item T) error {
	return writeRecord(a.out, a.stdoutStyle(), f, item)
}

// writeRecord is writeOne to w in the style st.
func writeRecord[T any](w io.Writer, st outStyle, f format[T], item T) error {
	switch st.output {
	case "table":
		lw := newListWriter(w, st, format[[2]string]{table: []column[[2]string]{
			{"field", func(r [2]string) string { return r[0] }},
			{"value", func(r [2]string) string { return r[1] }},
		}, layout: tableLayout{flex: []string{"value"}}})
		for _, c := range f.table {
			if err := lw.add([2]string{c.name, c.value(item)}); err != nil {
				return err
			}
		}
		return lw.close()
	case "json":
		b, err := jsonIndent(f.json(item))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return writeList(w, st, f, []T{item})
}
