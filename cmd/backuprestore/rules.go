package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore/models"
)

// "rules list|create|run|delete": a policy's inclusion rules. A rule
// selects sites or people by an expression; a dynamic one (drives and
// mailboxes) follows its groups as they change. delete shows the rule and,
// with --unprotect (deleteAndUnprotect), every unit the rule's removal
// unprotects, then asks, as offboard does.

// ruleFormat writes inclusion rules.
var ruleFormat = format[*models.ProtectionRule]{
	table: []column[*models.ProtectionRule]{
		{"id", func(r *models.ProtectionRule) string { return r.ID }},
		{"kind", func(r *models.ProtectionRule) string { return r.Kind().String() }},
		{"dynamic", func(r *models.ProtectionRule) string { return strconv.FormatBool(r.IsDynamic()) }},
		{"status", func(r *models.ProtectionRule) string { return string(r.Status) }},
		{"expression", func(r *models.ProtectionRule) string { return r.Expression() }},
	},
	layout: tableLayout{flex: []string{"expression"}, min: map[string]int{"expression": 20}},
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
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, create, run and delete a policy's inclusion rules",
		Long: `A policy's inclusion rules select the sites, OneDrive accounts or mailboxes
it protects by an expression; a dynamic rule (drives and mailboxes) follows
its groups as their members change. POLICY is a policy's ID or name.`,
		Args: noArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "list POLICY",
		Short:   "List a policy's inclusion rules",
		Example: `  backuprestore --emulator rules list "Exchange Policy - All mailboxes"`,
		Args:    exactArgs(1),
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
			lw := newListWriter(a.out, a.stdoutStyle(), ruleFormat)
			for r, err := range c.ProtectionPolicies().ByID(pol.ID).InclusionRules().All(ctx, nil) {
				if err != nil {
					return policyInputError(fmt.Errorf("listing the rules of policy %q: %w", pol.DisplayName, err))
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
		Example: `  backuprestore rules create "Finance sites" "(siteName -contains 'Finance')"
  backuprestore rules create "Sales mailboxes" --dynamic "(memberOf -any (group.id -in ['<group id>']))"`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permReadWrite
			ctx := cmd.Context()
			c, err := a.connect(ctx, a.endpoint())
			if err != nil {
				return err
			}
			pol, err := a.resolvePolicy(ctx, c, args[0])
			if err != nil {
				return err
			}
			k := pol.Kind().UnitKind()
			if dynamic && k == models.KindSite {
				return usageErrorf("--dynamic: site rules are static (dynamic rules are for drives and mailboxes)")
			}
			r, err := c.ProtectionPolicies().ByID(pol.ID).InclusionRules().Create(ctx, models.NewInclusionRule(k, args[1], dynamic))
			if err != nil {
				return policyInputError(fmt.Errorf("creating the rule under policy %q: %w", pol.DisplayName, err))
			}
			return writeOne(a, ruleFormat, r)
		},
	}
	create.Flags().BoolVar(&dynamic, "dynamic", false, "a dynamic rule (drives and mailboxes: isAutoApplyEnabled), which follows its groups")
	cmd.AddCommand(create)
	cmd.AddCommand(&cobra.Command{
		Use:   "run POLICY RULE",
		Short: "Evaluate a static rule again: what it selects now is protected",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.need = permReadWrite
			ctx := cmd.Context()
			c, err := a.connect(ctx, a.endpoint())
			if err != nil {
				return err
			}
			pol, err := a.resolvePolicy(ctx, c, args[0])
			if err != nil {
				return err
			}
			r, err := c.ProtectionPolicies().ByID(pol.ID).InclusionRules().ByID(args[1]).Run(ctx)
			if err != nil {
				return policyInputError(fmt.Errorf("running rule %s of policy %q: %w", args[1], pol.DisplayName, err))
			}
			return writeOne(a, ruleFormat, r)
		},
	})
	var unprotect bool
	del := &cobra.Command{
		Use:   "delete POLICY RULE",
		Short: "Delete a rule (the units it added stay); --unprotect also unprotects them (shows the plan, asks)",
		Long: `Delete an inclusion rule. The units it added stay in the policy, unless
--unprotect (deleteAndUnprotect, for a dynamic rule): then every unit the
rule added loses its protection; the plan lists them before asking (--yes
for scripts).

` + exitCodesHelp,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return a.ruleDelete(cmd, args[0], args[1], unprotect) },
	}
	del.Flags().BoolVar(&unprotect, "unprotect", false, "deleteAndUnprotect: also unprotect the units the dynamic rule added")
	cmd.AddCommand(del)
	return cmd
}

// ruleDelete runs "rules delete": the plan (the rule; with unprotect, the
// units that lose their protection), the question, the write.
func (a *app) ruleDelete(cmd *cobra.Command, policy, ruleID string, unprotect bool) error {
	a.need = permReadWrite
	ctx := cmd.Context()
	c, err := a.connect(ctx, a.endpoint())
	if err != nil {
		return err
	}
	pol, err := a.resolvePolicy(ctx, c, policy)
	if err != nil {
		return err
	}
	item := c.ProtectionPolicies().ByID(pol.ID)
	rule := item.InclusionRules().ByID(ruleID)
	r, err := rule.Get(ctx)
	if err != nil {
		return policyInputError(fmt.Errorf("reading rule %s of policy %q: %w", ruleID, pol.DisplayName, err))
	}
	if unprotect && !r.IsDynamic() {
		return usageErrorf("--unprotect is deleteAndUnprotect, for a dynamic rule: rule %s is static (delete it without --unprotect; its units stay)", r.ID)
	}
	fmt.Fprintf(a.err, "Plan: delete the rule of the %s policy %q (%s)\n", policyKindText(pol.Kind()), printable(pol.DisplayName), pol.ID)
	if err := writeList(a.err, a.stderrTable(), ruleFormat, []*models.ProtectionRule{r}); err != nil {
		return err
	}
	question := "Delete this rule? The units it added stay in the policy."
	if unprotect {
		// The blast radius: the policy's units a dynamic rule protects;
		// those also added by hand stay protected (only their dynamicRule
		// source is reset).
		var lost []unitRow
		kept := 0
		for u, err := range item.Units(ctx, nil) {
			if err != nil {
				return fmt.Errorf("listing the units of policy %q: %w", pol.DisplayName, err)
			}
			switch {
			case !u.ProtectionSources.Has(models.SourceDynamicRule):
			case u.ProtectionSources.Has(models.SourceManual):
				kept++
			default:
				lost = append(lost, unitRow{u: u, policyName: pol.DisplayName})
			}
		}
		fmt.Fprintf(a.err, "deleteAndUnprotect unprotects the %d %s only the policy's dynamic rules protect", len(lost), plural(len(lost), "unit"))
		if kept > 0 {
			fmt.Fprintf(a.err, " (%d more, added by hand too, stay protected)", kept)
		}
		fmt.Fprintln(a.err, ":")
		if err := writeList(a.err, a.stderrTable(), unitFormat, lost); err != nil {
			return err
		}
		question = fmt.Sprintf("Delete this rule and unprotect %d %s? Their backups stop.", len(lost), plural(len(lost), "unit"))
	}
	ok, err := a.confirm(ctx, question, "")
	if err != nil {
		return err
	}
	if !ok {
		a.code = exitDeclined
		fmt.Fprintln(a.err, "Not confirmed: nothing was written.")
		return nil
	}
	if unprotect {
		got, err := rule.DeleteAndUnprotect(ctx)
		if err != nil {
			return policyInputError(fmt.Errorf("deleteAndUnprotect rule %s of policy %q: %w", r.ID, pol.DisplayName, err))
		}
		return writeOne(a, ruleFormat, got)
	}
	if err := rule.Delete(ctx); err != nil {
		return policyInputError(fmt.Errorf("deleting rule %s of policy %q: %w", r.ID, pol.DisplayName, err))
	}
	a.notef("Deleted rule %s of the policy %q.\n", r.ID, pol.DisplayName)
	return nil
}
