package models

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKindsFromODataType(t *testing.T) {
	cases := []struct {
		in     string
		unit   UnitKind
		policy PolicyKind
	}{
		{"#microsoft.graph.siteProtectionUnit", KindSite, PolicyKindUnknown},
		{"microsoft.graph.driveProtectionUnit", KindDrive, PolicyKindUnknown},
		{"graph.mailboxProtectionUnit", KindMailbox, PolicyKindUnknown},
		{"#graph.sharePointProtectionPolicy", KindUnknown, PolicyKindSharePoint},
		{"microsoft.graph.oneDriveForBusinessProtectionPolicy", KindUnknown, PolicyKindOneDrive},
		{"#microsoft.graph.exchangeProtectionPolicy", KindUnknown, PolicyKindExchange},
		{"siteProtectionUnit", KindUnknown, PolicyKindUnknown},          // no namespace
		{"#contoso.siteProtectionUnit", KindUnknown, PolicyKindUnknown}, // another namespace
		{"##microsoft.graph.siteProtectionUnit", KindUnknown, PolicyKindUnknown},
		{"microsoft.graph.SiteProtectionUnit", KindUnknown, PolicyKindUnknown}, // names are case-sensitive
		{"microsoft.graph.", KindUnknown, PolicyKindUnknown},
		{"", KindUnknown, PolicyKindUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			require.Equal(t, tc.unit, KindFromODataType(tc.in))
			require.Equal(t, tc.policy, PolicyKindFromODataType(tc.in))
		})
	}
}
