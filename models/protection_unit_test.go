package models

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A unit's kind: @odata.type first; without it, the typed collection it
// was read from; then siteId (and the other site properties); a drive or
// mailbox unit from an untyped collection without @odata.type is unknown.
func TestKindFromCollection(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		body string
		coll UnitKind
		want UnitKind
	}{
		{"odata.type", `{"id":"a","@odata.type":"#microsoft.graph.mailboxProtectionUnit","directoryObjectId":"o"}`, KindDrive, KindMailbox},
		{"siteId without type", `{"id":"a","siteId":"h,1,2"}`, KindUnknown, KindSite},
		{"directoryObjectId, untyped collection", `{"id":"a","directoryObjectId":"o"}`, KindUnknown, KindUnknown},
		{"directoryObjectId from drives", `{"id":"a","directoryObjectId":"o"}`, KindDrive, KindDrive},
		{"directoryObjectId from mailboxes", `{"id":"a","directoryObjectId":"o","email":"m@x"}`, KindMailbox, KindMailbox},
		{"$select=id from a typed collection", `{"id":"a"}`, KindMailbox, KindMailbox},
		{"a future type is not overridden", `{"id":"a","@odata.type":"#microsoft.graph.futureProtectionUnit"}`, KindDrive, KindUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p ProtectionUnitPage
			require.NoError(t, p.UnmarshalJSON([]byte(`{"value":[`+tt.body+`]}`)))
			require.Equal(t, KindUnknown, p.Value[0].CollectionKind, "the decoder never sets it")
			p.SetCollectionKind(tt.coll)
			require.Equal(t, tt.want, p.Value[0].Kind())
			b, err := p.Value[0].MarshalJSON()
			require.NoError(t, err)
			require.NotContains(t, string(b), "ollection", "not serialized")
		})
	}
	var nilPage *ProtectionUnitPage
	nilPage.SetCollectionKind(KindSite) // no panic
	(&ProtectionUnitPage{Value: []*ProtectionUnit{nil}}).SetCollectionKind(KindSite)
}
