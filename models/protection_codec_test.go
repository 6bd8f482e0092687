package models

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	kjson "github.com/microsoft/kiota-serialization-json-go"
	"github.com/stretchr/testify/require"
)

// Rules decode with their kind from @odata.type or from the expression
// present, keep unknown statuses and members verbatim, and round-trip
// through MarshalJSON and through Kiota.
func TestProtectionRuleWire(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		kind       UnitKind
		status     ProtectionRuleStatus
		dynamic    bool
		expr       string
	}{
		{"typed drive rule", `{"@odata.type":"#microsoft.graph.driveProtectionRule","id":"r1","driveExpression":"(memberOf -any (group.id -in ['g']))","isAutoApplyEnabled":true,"status":"active"}`,
			KindDrive, RuleStatusActive, true, "(memberOf -any (group.id -in ['g']))"},
		{"untyped site rule", `{"id":"r2","siteExpression":"(siteName -contains 'abc')","status":"completed","createdDateTime":"2026-01-02T03:04:05Z"}`,
			KindSite, RuleStatusCompleted, false, "(siteName -contains 'abc')"},
		{"mailbox rule, unknown status", `{"id":"r3","mailboxExpression":"x","status":"archived","colour":"blue","isAutoApplyEnabled":"yes"}`,
			KindMailbox, "archived", false, "x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r ProtectionRule
			require.NoError(t, json.Unmarshal([]byte(tt.body), &r))
			require.Equal(t, tt.kind, r.Kind())
			require.Equal(t, tt.status, r.Status)
			require.Equal(t, tt.dynamic, r.IsDynamic())
			require.Equal(t, tt.expr, r.Expression())
			b, err := json.Marshal(r)
			require.NoError(t, err)
			var again ProtectionRule
			require.NoError(t, json.Unmarshal(b, &again))
			require.Equal(t, r, again)

			n, err := kjson.NewJsonParseNode([]byte(tt.body))
			require.NoError(t, err)
			v, err := n.GetObjectValue(CreateProtectionRuleFromDiscriminatorValue)
			require.NoError(t, err)
			kr := v.(*ProtectionRule)
			require.Equal(t, r.ID, kr.ID)
			require.Equal(t, r.Status, kr.Status)
			require.Equal(t, r.Expression(), kr.Expression())
			w := kjson.NewJsonSerializationWriter()
			require.NoError(t, w.WriteObjectValue("", kr))
			out, err := w.GetSerializedContent()
			require.NoError(t, err)
			var fromKiota ProtectionRule
			require.NoError(t, json.Unmarshal(out, &fromKiota))
			require.Equal(t, r.Expression(), fromKiota.Expression())
		})
	}
	require.Nil(t, NewInclusionRule(KindUnknown, "x", false))
	require.Nil(t, NewInclusionRule(KindSite, "x", true).IsAutoApplyEnabled, "a site rule is static")
	var null ProtectionRule
	require.NoError(t, null.UnmarshalJSON([]byte("null")))
	require.Error(t, null.UnmarshalJSON([]byte("[1]")))
}

// Jobs decode their members, list their failures with the input each
// came from (the detail's target, else the input its message quotes).
func TestBulkAdditionJobWire(t *testing.T) {
	t.Parallel()
	body := `{"id":"j","displayName":"n","status":"completedWithErrors",
		"siteWebUrls":["https://contoso.sharepoint.com/sites/a","https://testSite1.sharepoint.com"],"siteIds":[],
		"error":{"code":"x","message":"y","details":[
			{"code":"SiteUrlNotFound","message":"Site Url 'https://testSite1.sharepoint.com' could not be resolved"},
			{"code":"ProtectionUnitAlreadyExists","message":"m","target":"https://contoso.sharepoint.com/sites/a"},
			{"code":"Other","message":"no input named"}]},
		"lastModifiedDateTime":"2026-01-02T03:04:05Z"}`
	var j BulkAdditionJob
	require.NoError(t, json.Unmarshal([]byte(body), &j))
	require.Equal(t, KindSite, j.Kind())
	require.True(t, j.Status.IsFinal())
	require.Equal(t, []string{}, j.SiteIDs)
	require.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), j.LastModifiedDateTime)
	require.Equal(t, []JobItemFailure{
		{Input: "https://testSite1.sharepoint.com", Code: "SiteUrlNotFound", Message: "Site Url 'https://testSite1.sharepoint.com' could not be resolved"},
		{Input: "https://contoso.sharepoint.com/sites/a", Code: "ProtectionUnitAlreadyExists", Message: "m"},
		{Input: "", Code: "Other", Message: "no input named"},
	}, j.Failures())
	b, err := json.Marshal(j)
	require.NoError(t, err)
	var again BulkAdditionJob
	require.NoError(t, json.Unmarshal(b, &again))
	require.Equal(t, j.Failures(), again.Failures())

	var bad BulkAdditionJob
	require.NoError(t, json.Unmarshal([]byte(`{"id":"k","drives":"a@b.c","status":"weird"}`), &bad))
	require.Nil(t, bad.Drives)
	require.Equal(t, "a@b.c", bad.AdditionalData["drives"], "a malformed member is kept raw")
	require.Equal(t, BulkJobStatus("weird"), bad.Status)
	require.False(t, bad.Status.IsKnown())

	n, err := kjson.NewJsonParseNode([]byte(body))
	require.NoError(t, err)
	v, err := n.GetObjectValue(CreateBulkAdditionJobFromDiscriminatorValue)
	require.NoError(t, err)
	kj := v.(*BulkAdditionJob)
	require.Equal(t, j.SiteWebURLs, kj.SiteWebURLs)
	require.Len(t, kj.Error.Details, 3)
	var _ serialization.Parsable = kj

	var page BulkAdditionJobPage
	require.NoError(t, json.Unmarshal([]byte(`{"value":[`+body+`],"@odata.nextLink":"https://x/next"}`), &page))
	require.Len(t, page.Value, 1)
	require.Equal(t, "https://x/next", page.NextLink)
	var rp ProtectionRulePage
	require.NoError(t, json.Unmarshal([]byte(`{"value":[]}`), &rp))
	require.NotNil(t, rp.Value)
	require.Error(t, rp.UnmarshalJSON([]byte(`{"value":[1]}`)))
}
