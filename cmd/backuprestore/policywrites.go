package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// The policy side of "policies": show (with its units counted per status),
// create, rename, activate, deactivate and delete. A policy is named by
// its ID or its display name, in any case. deactivate and delete stop
// backups: they show a plan (the policy, its units per status, its rules)
// and ask, as offboard does (--yes for scripts; exit 5 when not confirmed).

// addPolicyWrites adds show and the writes to "policies".
func (a *app) addPolicyWrites(cmd *cobra.Command) {
	var kind string
	create := &cobra.Command{
		Use:   "create --kind KIND NAME [ARTIFACT…]",
		Short: "Create a protection policy (inactive) with up to 50 sites or people",
		Long: `Create a protection policy, inactive, for one kind of unit: site (SharePoint),
drive (OneDrive) or mailbox (Exchange), naming up to 50 artifacts: site IDs
(host,guid,guid) for sites, directory object IDs for drives and mailboxes.
Add more with "onboard" (site URLs and e-mail addresses too, any count);
start its backups with "policies activate".`,
		Example: `  backuprestore --emulator policies create --kind mailbox "Sales mailboxes"
  backuprestore policies create --kind site "Finance sites" contoso.sharepoint.com,0d2a…,4b1c…`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.policyCreate(cmd, kind, args[0], args[1:]) },
	}
	addKindFlag(create, &kind, "the kind of units the policy protects: site, drive or mailbox")

	show := &cobra.Command{
		Use:   "show POLICY",
		Short: "Show a policy (by ID or name) with its units counted per status",
		Example: `  backuprestore --emulator policies show "OneDrive Policy - All users"
  backuprestore policies show d20a903f-50f1-40e5-99d5-41cd1a1d999b -o json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permRead
			ctx := cmd.Context()
			c, err := a.connect(ctx, a.endpoint())
			if err != nil {
				return err
			}
			pol, err := a.resolvePolicy(ctx, c, args[0])
			if err != nil {
				return err
			}
			st, err := c.ProtectionPolicies().ByID(pol.ID).Statistics(ctx)
			if err != nil {
				return fmt.Errorf("counting the units of policy %q: %w", pol.DisplayName, err)
			}
			return writeOne(a, policyShowFormat, policyShow{pol, st})
		},
	}
	rename := &cobra.Command{
		Use:     "rename POLICY NAME",
		Short:   "Rename a policy",
		Example: `  backuprestore policies rename "Sales mailboxes" "Sales and marketing mailboxes"`,
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], nil, func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
				return item.Rename(cmd.Context(), args[1])
			})
		},
	}
	activate := &cobra.Command{
		Use:   "activate POLICY",
		Short: "Activate a policy: its units are backed up (updating, then active)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], nil, func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
				return item.Activate(cmd.Context())
			})
		},
	}
	deactivate := &cobra.Command{
		Use:   "deactivate POLICY",
		Short: "Deactivate a policy: backups of its units stop (shows the plan, asks)",
		Long: `Deactivate a policy: backups of its units stop (the backups made so far are
kept as retention says). It shows the policy, its units per status and its
rules, then asks (--yes for scripts).

` + exitCodesHelp,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], &policyQuestion{verb: "Deactivate", consequence: "Backups of its %d %s stop."},
				func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
					return item.Deactivate(cmd.Context())
				})
		},
	}
	del := &cobra.Command{
		Use:   "delete POLICY",
		Short: "Delete an inactive policy (shows the plan, asks)",
		Long: `Delete a policy; the service deletes only an inactive one (deactivate it
first). Its units leave it; their backups are kept until retention ends. It
shows the policy, its units per status and its rules, then asks (--yes for
scripts).

` + exitCodesHelp,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], &policyQuestion{verb: "Delete", consequence: "Its %d %s leave it; their backups are kept until retention ends."},
				func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
					return nil, item.Delete(cmd.Context())
				})
		},
	}
	cmd.AddCommand(show, create, rename, activate, deactivate, del)
}

// policyCreate runs "policies create".
func (a *app) policyCreate(cmd *cobra.Command, kind, name string, artifacts []string) error {
	a.need = permReadWrite
	ctx := cmd.Context()
	var pol *models.ProtectionPolicy
	switch kind {
	case "site":
		pol = models.NewSharePointPolicy(name, artifacts...)
	case "drive":
		pol = models.NewOneDrivePolicy(name, artifacts...)
	case "mailbox":
		pol = models.NewExchangePolicy(name, artifacts...)
	default:
		return usageErrorf("--kind is required: site (SharePoint), drive (OneDrive) or mailbox (Exchange)")
	}
	if len(artifacts) > backuprestore.MaxUnitsPerCreate {
		return usageErrorf("%d artifacts: a policy is created with at most %d; nothing was sent (add the rest with \"onboard\")",
			len(artifacts), backuprestore.MaxUnitsPerCreate)
	}
	c, err := a.connect(ctx, a.endpoint())
	if err != nil {
		return err
	}
	b := c.ProtectionPolicies()
	switch kind {
	case "site":
		b = b.SharePoint()
	case "drive":
		b = b.OneDrive()
	default:
		b = b.Exchange()
	}
	got, err := b.Create(ctx, pol)
	if err != nil {
		return policyInputError(fmt.Errorf("creating the policy %q: %w", name, err))
	}
	return writeOne(a, policyFormat, got)
}

// resolvePolicy finds the policy text names: its ID or its display name,
// in any case. It fails with a usage error (exit 2) when no policy has it,
// or when several policies have the name (naming their IDs).
func (a *app) resolvePolicy(ctx context.Context, c *backuprestore.Client, text string) (*models.ProtectionPolicy, error) {
	want := strings.TrimSpace(text)
	if want == "" {
		return nil, usageErrorf("no policy named: give a policy's ID or name (policies list shows them)")
	}
	var byName []*models.ProtectionPolicy
	for p, err := range c.ProtectionPolicies().All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("listing the protection policies to find %q: %w", clip(want), err)
		}
		if strings.EqualFold(p.ID, want) {
			return p, nil
		}
		if strings.EqualFold(strings.TrimSpace(p.DisplayName), want) {
			byName = append(byName, p)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		return nil, usageErrorf("no policy has the ID or name %q (policies list shows them)", clip(want))
	}
	ids := make([]string, len(byName))
	for i, p := range byName {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	return nil, usageErrorf("%d policies are named %q (%s): pass the ID", len(byName), clip(want), strings.Join(ids, ", "))
}

// policyInputError makes the service's refusal of the input (an unknown
// policy, a bad name, too many units, a state that does not allow it) a
// failure (exit 1) with its message, and a refusal before sending a usage
// error (exit 2); an outcome that is not known exits 3.
func policyInputError(err error) error {
	switch {
	case errors.Is(err, backuprestore.ErrInvalidPolicyID), errors.Is(err, backuprestore.ErrInvalidDisplayName) && !isAnswer(err),
		errors.Is(err, backuprestore.ErrUnitsLimitBreached) && !isAnswer(err), errors.Is(err, backuprestore.ErrInvalidCreateRequest) && !isAnswer(err),
		errors.Is(err, backuprestore.ErrInvalidProtectionUnitID) && !isAnswer(err), errors.Is(err, backuprestore.ErrDuplicateInList) && !isAnswer(err),
		errors.Is(err, backuprestore.ErrInvalidRuleExpression) && !isAnswer(err), errors.Is(err, backuprestore.ErrInvalidRuleID):
		return withCode(exitUsage, err)
	case errors.Is(err, backuprestore.ErrOutcomeUnknown):
		return withCode(exitUnknown, err)
	}
	return err
}

// isAnswer reports whether err carries the service's answer.
func isAnswer(err error) bool {
	var e *backuprestore.Error
	return errors.As(err, &e)
}

// policyQuestion is what a destructive policy write asks: "Deactivate
// policy "X"?" and what follows from it, with the policy's unit count.
type policyQuestion struct {
	verb        string
	consequence string // a format with the unit count and "unit(s)"
}

// policyWrite resolves the policy, shows the plan and asks (q, for a
// destructive write), runs write and prints the policy it returns (a
// delete returns none: a note says so).
func (a *app) policyWrite(cmd *cobra.Command, text string, q *policyQuestion,
	write func(*backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error)) error {
	a.need = permReadWrite
	ctx := cmd.Context()
	c, err := a.connect(ctx, a.endpoint())
	if err != nil {
		return err
	}
	pol, err := a.resolvePolicy(ctx, c, text)
	if err != nil {
		return err
	}
	item := c.ProtectionPolicies().ByID(pol.ID)
	if q != nil {
		st, err := item.Statistics(ctx)
		if err != nil {
			return fmt.Errorf("counting the units of policy %q: %w", pol.DisplayName, err)
		}
		rules := a.policyRules(ctx, item)
		fmt.Fprintf(a.err, "Plan: %s the %s policy %q (%s)\n", strings.ToLower(q.verb), policyKindText(pol.Kind()), printable(pol.DisplayName), pol.ID)
		if err := writeRecord(a.err, a.stderrTable(), policyShowFormat, policyShow{pol, st}); err != nil {
			return err
		}
		if len(rules) > 0 {
			fmt.Fprintf(a.err, "Its inclusion rules: %s\n", printable(strings.Join(rules, "; ")))
		}
		n := int(st.Total)
		question := fmt.Sprintf("%s policy %q? "+q.consequence, q.verb, pol.DisplayName, n, plural(n, "unit"))
		ok, err := a.confirm(ctx, question, "")
		if err != nil {
			return err
		}
		if !ok {
			a.code = exitDeclined
			fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
			return nil
		}
	}
	got, err := write(item)
	if err != nil {
		return policyInputError(fmt.Errorf("%s policy %q: %w", cmd.Name(), pol.DisplayName, err))
	}
	if got == nil {
		a.notef("Deleted the policy %q (%s).\n", pol.DisplayName, pol.ID)
		return nil
	}
	return writeOne(a, policyFormat, got)
}

// policyRules describes a policy's inclusion rules ("static: (siteName
// -contains 'Finance')"), best effort: none when they cannot be listed.
func (a *app) policyRules(ctx context.Context, item *backuprestore.ProtectionPolicyItemRequestBuilder) []string {
	var out []string
	for r, err := range item.InclusionRules().All(ctx, nil) {
		if err != nil {
			a.log.Debug("listing the policy's rules for the plan failed", "err", err)
			return out
		}
		kind := "static"
		if r.IsDynamic() {
			kind = "dynamic"
		}
		out = append(out, kind+" "+r.Expression())
	}
	return out
}

// policyShow is a policy and its unit counts.
type policyShow struct {
	pol *models.ProtectionPolicy
	st  *backuprestore.PolicyStatistics
}

// policyShowFields are the fields of "policies show": the policy, its
// units in all, then per status (every documented status).
var policyShowFields = func() []column[policyShow] {
	cols := []column[policyShow]{
		{"id", func(p policyShow) string { return p.pol.ID }},
		{"name", func(p policyShow) string { return p.pol.DisplayName }},
		{"kind", func(p policyShow) string { return policyKindText(p.pol.Kind()) }},
		{"status", func(p policyShow) string { return string(p.pol.Status) }},
		{"retention", func(p policyShow) string { return retentionText(p.pol) }},
		{"units", func(p policyShow) string { return strconv.FormatInt(p.st.Total, 10) }},
	}
	for _, s := range models.KnownStatuses() {
		cols = append(cols, column[policyShow]{"units " + string(s), func(p policyShow) string { return strconv.FormatInt(p.st.ByStatus[s], 10) }})
	}
	return append(cols, column[policyShow]{"units in other statuses", func(p policyShow) string { return strconv.FormatInt(p.st.Other, 10) }})
}()

// policyShowFormat writes "policies show".
var policyShowFormat = format[policyShow]{
	table: policyShowFields,
	csv:   policyShowFields,
	json: func(p policyShow) any {
		by := map[string]int64{}
		for s, n := range p.st.ByStatus {
			by[string(s)] = n
		}
		return struct {
			policyJSON
			Units         int64            `json:"units"`
			UnitsByStatus map[string]int64 `json:"unitsByStatus"`
			UnitsOther    int64            `json:"unitsInOtherStatuses,omitempty"`
		}{toPolicyJSON(p.pol), p.st.Total, by, p.st.Other}
	},
}

// minArgs is cobra.MinimumNArgs as a usage error.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s takes at least %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
