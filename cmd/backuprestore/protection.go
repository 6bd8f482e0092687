package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// The protection side's commands: policies create|show|rename|activate|
// deactivate|delete, and rules list|create|run|delete.

// addPolicyWrites adds the policy writes and show to "policies".
func (a *app) addPolicyWrites(cmd *cobra.Command) {
	var kind string
	create := &cobra.Command{
		Use:   "create --kind KIND NAME [ARTIFACT…]",
		Short: "Create a protection policy (inactive) with up to 50 sites or people",
		Long: `Create a protection policy of one workload, inactive, naming up to 50
artifacts: site IDs (host,guid,guid) for sharePoint, directory object IDs for
oneDrive and exchange. Add more with "onboard". Activate it with "policies activate".`,
		Example: "  backuprestore --emulator policies create --kind exchange \"Sales mailboxes\"",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permReadWrite
			var pol *models.ProtectionPolicy
			switch kind {
			case "site":
				pol = models.NewSharePointPolicy(args[0], args[1:]...)
			case "drive":
				pol = models.NewOneDrivePolicy(args[0], args[1:]...)
			case "mailbox":
				pol = models.NewExchangePolicy(args[0], args[1:]...)
			default:
				return usageErrorf("--kind is required: site (SharePoint), drive (OneDrive) or mailbox (Exchange)")
			}
			if len(args)-1 > backuprestore.MaxUnitsPerCreate {
				return usageErrorf("%d artifacts: a policy is created with at most %d (add the rest with \"onboard\")", len(args)-1, backuprestore.MaxUnitsPerCreate)
			}
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
			default:
				b = b.Exchange()
			}
			got, err := b.Create(cmd.Context(), pol)
			if err != nil {
				return policyInputError(fmt.Errorf("creating the policy: %w", err))
			}
			return writeList(a.out, a.stdoutStyle(), policyFormat, []*models.ProtectionPolicy{got})
		},
	}
	addKindFlag(create, &kind, "the kind of units the policy protects: site, drive or mailbox")
	cmd.AddCommand(create)

	cmd.AddCommand(&cobra.Command{
		Use:   "show POLICY",
		Short: "Show a policy with its units counted per status",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permRead
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			item := c.ProtectionPolicies().ByID(args[0])
			pol, err := item.Get(cmd.Context(), nil)
			if err != nil {
				return policyInputError(fmt.Errorf("reading policy %s: %w", args[0], err))
			}
			st, err := item.Statistics(cmd.Context())
			if err != nil {
				return fmt.Errorf("counting the policy's units: %w", err)
			}
			return writeOne(a, policyShowFormat, policyShow{pol, st})
		},
	})

	cmd.AddCommand(&cobra.Command{
		Use:   "rename POLICY NAME",
		Short: "Rename a policy",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], "", func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
				return item.Rename(cmd.Context(), args[1])
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "activate POLICY",
		Short: "Activate a policy: its units are protected (updating, then active)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], "", func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
				return item.Activate(cmd.Context())
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "deactivate POLICY",
		Short: "Deactivate a policy: backups of its units stop (asks first)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], "Deactivate policy %s (%s, %d units)? Backups of its units stop.", func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
				return item.Deactivate(cmd.Context())
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "delete POLICY",
		Short: "Delete an inactive policy: its units leave it (asks first)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.policyWrite(cmd, args[0], "Delete policy %s (%s, %d units)? Its units leave it; their backups are kept until retention ends.", func(item *backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error) {
				return nil, item.Delete(cmd.Context())
			})
		},
	})
}

// policyInputError makes the service's refusal of the input (an unknown
// policy, a bad name, too many units, a state that does not allow it) a
// failure (exit 1) with its message, and a refusal before sending a usage
// error (exit 2).
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

// policyWrite reads the policy, asks question (when not empty) with its
// name, kind and unit count, runs write and prints the policy it returns.
func (a *app) policyWrite(cmd *cobra.Command, id, question string, write func(*backuprestore.ProtectionPolicyItemRequestBuilder) (*models.ProtectionPolicy, error)) error {
	a.need = permReadWrite
	c, err := a.connect(cmd.Context(), a.endpoint())
	if err != nil {
		return err
	}
	item := c.ProtectionPolicies().ByID(id)
	pol, err := item.Get(cmd.Context(), nil)
	if err != nil {
		return policyInputError(fmt.Errorf("reading policy %s: %w", id, err))
	}
	if question != "" {
		st, err := item.Statistics(cmd.Context())
		if err != nil {
			return fmt.Errorf("counting the policy's units: %w", err)
		}
		ok, err := a.confirm(cmd.Context(), fmt.Sprintf(question, strconv.Quote(pol.DisplayName), pol.Kind(), st.Total), "")
		if err != nil {
			return err
		}
		if !ok {
			a.code = exitFailed
			fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
			return nil
		}
	}
	got, err := write(c.ProtectionPolicies().ByID(id))
	if err != nil {
		return policyInputError(fmt.Errorf("%s: %w", cmd.Name(), err))
	}
	if got == nil {
		a.notef("Deleted policy %s.\n", id)
		return nil
	}
	return writeList(a.out, a.stdoutStyle(), policyFormat, []*models.ProtectionPolicy{got})
}

// policyShow is a policy and its unit counts.
type policyShow struct {
	pol *models.ProtectionPolicy
	st  *backuprestore.PolicyStatistics
}

var policyShowFields = func() []column[policyShow] {
	cols := []column[policyShow]{
		{"id", func(p policyShow) string { return p.pol.ID }},
		{"name", func(p policyShow) string { return p.pol.DisplayName }},
		{"kind", func(p policyShow) string { return p.pol.Kind().String() }},
		{"status", func(p policyShow) string { return string(p.pol.Status) }},
		{"retention", func(p policyShow) string { return retentionText(p.pol) }},
		{"units", func(p policyShow) string { return strconv.FormatInt(p.st.Total, 10) }},
	}
	for _, s := range models.KnownStatuses() {
		cols = append(cols, column[policyShow]{"units " + string(s), func(p policyShow) string { return strconv.FormatInt(p.st.ByStatus[s], 10) }})
	}
	return cols
}()

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
		}{toPolicyJSON(p.pol), p.st.Total, by}
	},
}

// ruleFormat writes inclusion rules.
var ruleFormat = format[*models.ProtectionRule]{
	table: []column[*models.ProtectionRule]{
		{"id", func(r *models.ProtectionRule) string { return r.ID }},
		{"kind", func(r *models.ProtectionRule) string { return r.Kind().String() }},
		{"dynamic", func(r *models.ProtectionRule) string { return strconv.FormatBool(r.IsDynamic()) }},
		{"status", func(r *models.ProtectionRule) string { return string(r.Status) }},
		{"expression", func(r *models.ProtectionRule) string { return r.Expression() }},
	},
	csv: []column[*models.ProtectionRule]{
		{"id", func(r *models.ProtectionRule) string { return r.ID }},
		{"kind", func(r *models.ProtectionRule) string { return r.Kind().String() }},
		{"isAutoApplyEnabled", func(r *models.ProtectionRule) string { return strconv.FormatBool(r.IsDynamic()) }},
		{"status", func(r *models.ProtectionRule) string { return string(r.Status) }},
		{"expression", func(r *models.ProtectionRule) string { return r.Expression() }},
		{"lastModifiedDateTime", func(r *models.ProtectionRule) string { return timeText(r.LastModifiedDateTime) }},
	},
	json: func(r *models.ProtectionRule) any { return r },
}

// rulesCommand is "rules list|create|run|delete".
func (a *app) rulesCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "List, create, run and delete a policy's inclusion rules", Args: noArgs}
	cmd.AddCommand(&cobra.Command{
		Use:   "list POLICY",
		Short: "List a policy's inclusion rules",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permRead
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			lw := newListWriter(a.out, a.stdoutStyle(), ruleFormat)
			for r, err := range c.ProtectionPolicies().ByID(args[0]).InclusionRules().All(cmd.Context(), nil) {
				if err != nil {
					_ = lw.close()
					return policyInputError(fmt.Errorf("listing the rules of policy %s: %w", args[0], err))
				}
				if err := lw.add(r); err != nil {
					return err
				}
			}
			return lw.close()
		},
	})
	var dynamic bool
	create := &cobra.Command{
		Use:   "create POLICY EXPRESSION",
		Short: "Create an inclusion rule under a policy (static; --dynamic for a drive or mailbox rule that follows its groups)",
		Example: `  backuprestore rules create SP_POLICY "(siteName -contains 'Finance')"
  backuprestore rules create EXO_POLICY --dynamic "(memberOf -any (group.id -in ['<group id>']))"`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permReadWrite
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			item := c.ProtectionPolicies().ByID(args[0])
			pol, err := item.Get(cmd.Context(), nil)
			if err != nil {
				return policyInputError(fmt.Errorf("reading policy %s: %w", args[0], err))
			}
			k := pol.Kind().UnitKind()
			if dynamic && k == models.KindSite {
				return usageErrorf("--dynamic: SharePoint site rules are static")
			}
			r, err := item.InclusionRules().Create(cmd.Context(), models.NewInclusionRule(k, args[1], dynamic))
			if err != nil {
				return policyInputError(fmt.Errorf("creating the rule: %w", err))
			}
			return writeList(a.out, a.stdoutStyle(), ruleFormat, []*models.ProtectionRule{r})
		},
	}
	create.Flags().BoolVar(&dynamic, "dynamic", false, "a dynamic rule (drive and mailbox rules: isAutoApplyEnabled)")
	cmd.AddCommand(create)
	cmd.AddCommand(&cobra.Command{
		Use:   "run POLICY RULE",
		Short: "Evaluate a static rule again",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permReadWrite
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			r, err := c.ProtectionPolicies().ByID(args[0]).InclusionRules().ByID(args[1]).Run(cmd.Context())
			if err != nil {
				return policyInputError(fmt.Errorf("running rule %s: %w", args[1], err))
			}
			return writeList(a.out, a.stdoutStyle(), ruleFormat, []*models.ProtectionRule{r})
		},
	})
	var unprotect bool
	del := &cobra.Command{
		Use:   "delete POLICY RULE",
		Short: "Delete a rule (its units stay); --unprotect deletes a dynamic rule and unprotects its units (asks first)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permReadWrite
			c, err := a.connect(cmd.Context(), a.endpoint())
			if err != nil {
				return err
			}
			pol := c.ProtectionPolicies().ByID(args[0])
			rule := pol.InclusionRules().ByID(args[1])
			r, err := rule.Get(cmd.Context())
			if err != nil {
				return policyInputError(fmt.Errorf("reading rule %s: %w", args[1], err))
			}
			question := fmt.Sprintf("Delete rule %s (%s)? The units it added stay in the policy.", r.ID, r.Expression())
			if unprotect {
				n := 0
				for u, err := range pol.Units(cmd.Context(), nil) {
					if err != nil {
						return fmt.Errorf("listing the policy's units: %w", err)
					}
					if u.ProtectionSources.Has(models.SourceDynamicRule) {
						n++
					}
				}
				question = fmt.Sprintf("Delete rule %s (%s) and unprotect what it added? Up to %d dynamic-rule units of the policy lose their protection.", r.ID, r.Expression(), n)
			}
			ok, err := a.confirm(cmd.Context(), question, "")
			if err != nil {
				return err
			}
			if !ok {
				a.code = exitFailed
				fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
				return nil
			}
			if unprotect {
				got, err := rule.DeleteAndUnprotect(cmd.Context())
				if err != nil {
					return policyInputError(fmt.Errorf("deleteAndUnprotect rule %s: %w", args[1], err))
				}
				return writeList(a.out, a.stdoutStyle(), ruleFormat, []*models.ProtectionRule{got})
			}
			if err := rule.Delete(cmd.Context()); err != nil {
				return policyInputError(fmt.Errorf("deleting rule %s: %w", args[1], err))
			}
			a.notef("Deleted rule %s.\n", strings.TrimSpace(args[1]))
			return nil
		},
	}
	del.Flags().BoolVar(&unprotect, "unprotect", false, "deleteAndUnprotect: also unprotect the units the dynamic rule added")
	cmd.AddCommand(del)
	return cmd
}
