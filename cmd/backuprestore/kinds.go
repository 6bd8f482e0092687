package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore/models"
)

// The tool has one vocabulary of kinds, in every command's flags and
// output: site (SharePoint), drive (OneDrive) and mailbox (Exchange), the
// kinds of the units, and of the policies that protect them. --kind takes
// them in any case, and the workloads' names as well: sharePoint,
// oneDrive, exchange (and plurals).

// kindValues are --kind's values, as completion offers them.
var kindValues = []string{"site", "drive", "mailbox"}

// kindNames maps the canonical kind names to unit kinds.
var kindNames = map[string]models.UnitKind{"site": models.KindSite, "drive": models.KindDrive, "mailbox": models.KindMailbox}

// kindAliases maps every accepted spelling (lower case) to its canonical
// kind.
var kindAliases = map[string]string{
	"site": "site", "sites": "site", "sharepoint": "site",
	"drive": "drive", "drives": "drive", "onedrive": "drive", "onedriveforbusiness": "drive",
	"mailbox": "mailbox", "mailboxes": "mailbox", "exchange": "mailbox",
}

// kindFlag is a --kind flag: any accepted spelling, stored canonical.
type kindFlag struct{ value *string }

// String implements pflag.Value.
func (k kindFlag) String() string { return *k.value }

// Set implements pflag.Value.
func (k kindFlag) Set(s string) error {
	c, ok := kindAliases[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return fmt.Errorf("%q is not a kind: site (SharePoint), drive (OneDrive) or mailbox (Exchange)", s)
	}
	*k.value = c
	return nil
}

// Type implements pflag.Value.
func (kindFlag) Type() string { return "site|drive|mailbox" }

// addKindFlag registers --kind on cmd, storing the canonical kind in v.
func addKindFlag(cmd *cobra.Command, v *string, usage string) {
	cmd.Flags().Var(kindFlag{v}, "kind", usage+" (also sharePoint, oneDrive, exchange; any case)")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kindValues, cobra.ShellCompDirectiveNoFileComp))
}

// policyKindText is a policy's kind in the tool's vocabulary: the kind of
// the units it protects.
func policyKindText(k models.PolicyKind) string {
	switch k {
	case models.PolicyKindSharePoint:
		return "site"
	case models.PolicyKindOneDrive:
		return "drive"
	case models.PolicyKindExchange:
		return "mailbox"
	}
	return "unknown"
}
