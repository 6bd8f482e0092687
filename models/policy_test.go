package models

import (
	"encoding/json"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/stretchr/testify/require"
)

func docsCreatedBy(email, name string) *IdentitySet {
	return &IdentitySet{
		Application: &Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"},
		User:        &Identity{ID: "845457dc-4bb2-4815-bef3-8628ebd1952e", DisplayName: name, Email: email},
	}
}

func docsRetention() []RetentionSetting {
	return []RetentionSetting{{Interval: "R/PT10M", Period: "P2W"}, {Interval: "R/P1W", Period: "P1Y"}}
}

// The list-protectionPolicies example, field for field.
func TestDecodePolicyPage(t *testing.T) {
	var p ProtectionPolicyPage
	require.NoError(t, json.Unmarshal(readTestdata(t, "list_protection_policies.json"), &p))
	require.Equal(t, "/solutions/backupRestore/$metadata#ProtectionPolicies", p.ODataContext)
	require.Contains(t, p.NextLink, "ProtectionPolicies?$skiptoken=M2UyZDAw")
	require.Nil(t, p.Count)
	require.Nil(t, p.AdditionalData)

	want := func(odataType, id, name string, st ProtectionPolicyStatus) *ProtectionPolicy {
		return &ProtectionPolicy{
			ODataType: odataType, ID: id, DisplayName: name, Status: st,
			CreatedBy: docsCreatedBy("User1@contoso.com", "User1"), CreatedDateTime: ts("2015-06-19T12:01:03.45Z"),
			LastModifiedBy: docsCreatedBy("User2@contoso.com", "User2"), LastModifiedDateTime: ts("2015-06-19T12:01:03.45Z"),
			RetentionSettings: docsRetention(),
		}
	}
	require.Equal(t, []*ProtectionPolicy{
		want(ODataTypeSharePointPolicy, "b218eb4a-ea72-42bd-8f0b-d0bbf794bec7", "SharePoint Protection Policy", PolicyStatusInactive),
		want(ODataTypeExchangePolicy, "945457dc-4bb2-4815-bef3-8628ebd1952e", "Exchange Protection Policy", PolicyStatusActive),
		want(ODataTypeOneDrivePolicy, "785457dc-4bb2-4815-bef3-8628ebd1952e", "OneDrive Protection", PolicyStatusUpdating),
	}, p.Value)
	var kinds []PolicyKind
	for _, pol := range p.Value {
		kinds = append(kinds, pol.Kind())
		require.Nil(t, pol.IsEnabled, "isEnabled is absent from the v1.0 example")
		require.Nil(t, pol.ProtectionPolicyArtifactCount)
	}
	require.Equal(t, []PolicyKind{PolicyKindSharePoint, PolicyKindExchange, PolicyKindOneDrive}, kinds)
}

// The activate example: the docs' broken timestamps stay raw, the fields zero.
func TestDecodeActivatedPolicy(t *testing.T) {
	var p ProtectionPolicy
	require.NoError(t, json.Unmarshal(readTestdata(t, "activate_policy_202.json"), &p))
	require.Equal(t, ProtectionPolicy{
		ODataType: ODataTypeSharePointPolicy, ID: "61633878-8321-4950-bfaf-ed285bdd1461",
		DisplayName: "SharePoint Protection Policy", Status: PolicyStatusUpdating,
		CreatedBy:         docsCreatedBy("ryan@contoso.com", "Ryan"),
		LastModifiedBy:    docsCreatedBy("rian@contoso.com", "rian"),
		RetentionSettings: docsRetention(),
		AdditionalData: map[string]any{
			"@odata.context":       "/solutions/backupRestore/$metadata#ProtectionPolicies/$entity",
			"@odata.id":            "/solutions/backupRestore/ProtectionPolicies(61633878-8321-4950-bfaf-ed285bdd1461)",
			"createdDateTime":      "2015-06-19T12-01-03.45Z",
			"lastModifiedDateTime": "2015-06-19T12-01-03.45Z",
		},
	}, p)
	require.True(t, p.CreatedDateTime.IsZero())
	require.Equal(t, PolicyKindSharePoint, p.Kind())

	period, err := p.RetentionSettings[1].ParsePeriod()
	require.NoError(t, err)
	require.Equal(t, ISODuration{Years: 1}, period)
	every, err := p.RetentionSettings[0].ParseInterval()
	require.NoError(t, err)
	require.Equal(t, RepeatingInterval{Unbounded: true, Every: ISODuration{Minutes: 10}}, every)
}

func boolPtr(b bool) *bool { return &b }

// policyCases are single policies, documented or malformed, with what the
// decoder must make of them. Every case also goes through the MarshalJSON
// and Kiota round trips and the Kiota-parity test.
var policyCases = []struct {
	name string
	json string
	want ProtectionPolicy
}{
	{"beta $select with isEnabled and artifact counts",
		`{"@odata.type":"#microsoft.graph.exchangeProtectionPolicy","id":"p1","isEnabled":true,"status":"active",
		  "protectionPolicyArtifactCount":{"completed":7,"failed":1,"inProgress":2,"total":10}}`,
		ProtectionPolicy{ODataType: ODataTypeExchangePolicy, ID: "p1", IsEnabled: boolPtr(true), Status: PolicyStatusActive,
			ProtectionPolicyArtifactCount: &ArtifactCount{Completed: 7, Failed: 1, InProgress: 2, Total: 10}}},
	{"isEnabled false is not absent", `{"isEnabled":false}`, ProtectionPolicy{IsEnabled: boolPtr(false)}},
	{"unknown status kept verbatim", `{"status":"suspended"}`, ProtectionPolicy{Status: "suspended"}},
	{"status of the wrong type", `{"status":3}`, ProtectionPolicy{AdditionalData: map[string]any{"status": float64(3)}}},
	{"isEnabled of the wrong type", `{"isEnabled":"yes"}`, ProtectionPolicy{AdditionalData: map[string]any{"isEnabled": "yes"}}},
	{"nulls everywhere",
		`{"id":null,"status":null,"isEnabled":null,"retentionSettings":null,"createdBy":null,"createdDateTime":null,"protectionPolicyArtifactCount":null}`,
		ProtectionPolicy{}},
	{"empty retention settings stay non-nil", `{"retentionSettings":[]}`, ProtectionPolicy{RetentionSettings: []RetentionSetting{}}},
	{"retention settings that are not objects", `{"retentionSettings":["R/P1D",{"period":"P1D"}]}`,
		ProtectionPolicy{AdditionalData: map[string]any{"retentionSettings": []any{"R/P1D", map[string]any{"period": "P1D"}}}}},
	{"retention setting members of the wrong type", `{"retentionSettings":[{"interval":1,"period":"P1D","unit":"days"}]}`,
		ProtectionPolicy{RetentionSettings: []RetentionSetting{{Period: "P1D", AdditionalData: map[string]any{"interval": float64(1), "unit": "days"}}}}},
	{"artifact counts malformed one by one",
		`{"protectionPolicyArtifactCount":{"completed":"7","failed":1.5,"inProgress":2147483648,"total":3.0,"skipped":4}}`,
		ProtectionPolicy{ProtectionPolicyArtifactCount: &ArtifactCount{Total: 3, AdditionalData: map[string]any{
			"completed": "7", "failed": 1.5, "inProgress": float64(2147483648), "skipped": float64(4)}}}},
	{"artifact count that is not an object", `{"protectionPolicyArtifactCount":12}`,
		ProtectionPolicy{AdditionalData: map[string]any{"protectionPolicyArtifactCount": float64(12)}}},
	{"identity set that is not an object", `{"createdBy":"admin"}`, ProtectionPolicy{AdditionalData: map[string]any{"createdBy": "admin"}}},
	{"sentinel and offset timestamps",
		`{"createdDateTime":"0001-01-01T00:00:00.0000000Z","lastModifiedDateTime":"2024-05-21T06:47:52.5+02:00"}`,
		ProtectionPolicy{LastModifiedDateTime: ts("2024-05-21T04:47:52.5Z")}},
	{"timestamp of the wrong type", `{"createdDateTime":20150619}`, ProtectionPolicy{AdditionalData: map[string]any{"createdDateTime": float64(20150619)}}},
	{"unknown members kept, beta extras among them", `{"protectionMode":"fullServiceBackup","billingPolicyId":"b1","tags":["a"]}`,
		ProtectionPolicy{AdditionalData: map[string]any{"protectionMode": "fullServiceBackup", "billingPolicyId": "b1", "tags": []any{"a"}}}},
	{"a number beyond float64 in an unknown member", `{"id":"x","huge":1e999}`,
		ProtectionPolicy{ID: "x", AdditionalData: map[string]any{"huge": json.Number("1e999")}}},
}

// notKiota names the cases Kiota's parse node cannot read at all (it fails
// on a number beyond float64).
var notKiota = map[string]bool{"a number beyond float64 in an unknown member": true}

func TestDecodePolicyTolerance(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			var p ProtectionPolicy
			require.NoError(t, p.UnmarshalJSON([]byte(tc.json)))
			require.Equal(t, tc.want, p)
		})
	}
}

func TestPolicyKind(t *testing.T) {
	cases := []struct {
		json string
		want PolicyKind
	}{
		{`{"@odata.type":"#microsoft.graph.oneDriveForBusinessProtectionPolicy"}`, PolicyKindOneDrive},
		{`{"@odata.type":"#graph.exchangeProtectionPolicy"}`, PolicyKindExchange},
		{`{"@odata.type":"microsoft.graph.sharePointProtectionPolicy"}`, PolicyKindSharePoint},
		{`{"@odata.type":"#microsoft.graph.teamsProtectionPolicy"}`, PolicyKindUnknown},
		{`{"@odata.type":"#microsoft.graph.protectionPolicyBase"}`, PolicyKindUnknown},
		{`{"displayName":"x"}`, PolicyKindUnknown},
		// A PATCH response has no @odata.type; its delta key tells.
		{`{"displayName":"x","mailboxProtectionUnits@delta":[]}`, PolicyKindExchange},
		{`{"driveProtectionUnits":[]}`, PolicyKindOneDrive},
		{`{"@odata.type":"#microsoft.graph.exchangeProtectionPolicy","siteProtectionUnits":[]}`, PolicyKindExchange},
	}
	for _, tc := range cases {
		var p ProtectionPolicy
		require.NoError(t, p.UnmarshalJSON([]byte(tc.json)))
		require.Equal(t, tc.want, p.Kind(), tc.json)
	}
	require.Equal(t, PolicyKindUnknown, (*ProtectionPolicy)(nil).Kind())
}

func TestDecodePolicyRejectsMalformedJSON(t *testing.T) {
	for _, in := range []string{``, `[]`, `"x"`, `{"id":"x"`, `{"id":"x",}`, `<html>502</html>`, `{"id":"x"} {}`, `{"retentionSettings":[{"period":"P1D"}`} {
		var p ProtectionPolicy
		var de *DecodeError
		require.ErrorAs(t, p.UnmarshalJSON([]byte(in)), &de, "input %q", in)
	}
	var pg ProtectionPolicyPage
	require.ErrorContains(t, pg.UnmarshalJSON([]byte(`{"value":[{"id":"a"},"b"]}`)), "value[1]")
	require.Error(t, pg.UnmarshalJSON([]byte(`{"value":{}}`)))

	// JSON null leaves the value unchanged.
	p := ProtectionPolicy{ID: "kept"}
	require.NoError(t, p.UnmarshalJSON([]byte(`null`)))
	require.Equal(t, "kept", p.ID)
}

func TestDecodePolicyPageEnvelope(t *testing.T) {
	var pg ProtectionPolicyPage
	require.NoError(t, pg.UnmarshalJSON([]byte(`{"@odata.count":3,"value":[],"@odata.deltaLink":"d"}`)))
	require.Equal(t, int64(3), *pg.Count)
	require.Equal(t, []*ProtectionPolicy{}, pg.Value)
	require.Equal(t, map[string]any{"@odata.deltaLink": "d"}, pg.AdditionalData)

	require.NoError(t, pg.UnmarshalJSON([]byte(`{"@odata.count":"3","value":null}`)))
	require.Nil(t, pg.Count)
	require.Nil(t, pg.Value)
	require.Equal(t, map[string]any{"@odata.count": "3"}, pg.AdditionalData, "a malformed count does not fail the page")
}

func TestPolicyMarshalRoundTrip(t *testing.T) {
	var pg ProtectionPolicyPage
	require.NoError(t, json.Unmarshal(readTestdata(t, "list_protection_policies.json"), &pg))
	var activated ProtectionPolicy
	require.NoError(t, json.Unmarshal(readTestdata(t, "activate_policy_202.json"), &activated))
	pg.Value = append(pg.Value, &activated)
	for _, tc := range policyCases {
		var p ProtectionPolicy
		require.NoError(t, p.UnmarshalJSON([]byte(tc.json)))
		pg.Value = append(pg.Value, &p)
	}
	n := int64(len(pg.Value))
	pg.Count = &n

	b, err := json.Marshal(pg)
	require.NoError(t, err)
	var back ProtectionPolicyPage
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, pg, back)

	// The written form of one policy, for readers of this test.
	one, err := json.Marshal(ProtectionPolicy{ID: "p", IsEnabled: boolPtr(false), Status: PolicyStatusActive,
		RetentionSettings: []RetentionSetting{{Interval: "R/P1D", Period: "P1Y"}}, ProtectionPolicyArtifactCount: &ArtifactCount{Total: 1}})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"p","isEnabled":false,"status":"active","retentionSettings":[{"interval":"R/P1D","period":"P1Y"}],
		"protectionPolicyArtifactCount":{"completed":0,"failed":0,"inProgress":0,"total":1}}`, string(one))
}

// Every policy model round-trips through Kiota's JSON serialization writer
// and parse node, and Kiota's parse of a payload equals the fast decoder's.
func TestPolicyKiotaRoundTrip(t *testing.T) {
	var pg ProtectionPolicyPage
	require.NoError(t, json.Unmarshal(readTestdata(t, "list_protection_policies.json"), &pg))
	var activated ProtectionPolicy
	require.NoError(t, json.Unmarshal(readTestdata(t, "activate_policy_202.json"), &activated))
	pg.Value = append(pg.Value, &activated)
	for _, tc := range policyCases {
		if !notKiota[tc.name] {
			p := tc.want
			pg.Value = append(pg.Value, &p)
		}
	}

	w := jsonserialization.NewJsonSerializationWriter()
	require.NoError(t, w.WriteObjectValue("", &pg))
	content, err := w.GetSerializedContent()
	require.NoError(t, err)
	require.True(t, json.Valid(content), "%s", content)

	node, err := jsonserialization.NewJsonParseNode(content)
	require.NoError(t, err)
	got, err := node.GetObjectValue(CreateProtectionPolicyPageFromDiscriminatorValue)
	require.NoError(t, err)
	require.Equal(t, &pg, got)

	var fast ProtectionPolicyPage
	require.NoError(t, json.Unmarshal(content, &fast))
	require.Equal(t, pg, fast)

	for _, name := range []string{"list_protection_policies.json"} {
		node, err := jsonserialization.NewJsonParseNode(readTestdata(t, name))
		require.NoError(t, err)
		viaKiota, err := node.GetObjectValue(CreateProtectionPolicyPageFromDiscriminatorValue)
		require.NoError(t, err)
		var viaFast ProtectionPolicyPage
		require.NoError(t, json.Unmarshal(readTestdata(t, name), &viaFast))
		require.Equal(t, &viaFast, viaKiota, name)
	}
}

// Kiota's parse node and the fast decoder agree on every policy case:
// malformed members land in AdditionalData with the same values either way.
func TestPolicyKiotaParity(t *testing.T) {
	inputs := map[string][]byte{"activate_policy_202.json": readTestdata(t, "activate_policy_202.json")}
	for _, tc := range policyCases {
		if notKiota[tc.name] {
			continue
		}
		inputs[tc.name] = []byte(tc.json)
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var fast ProtectionPolicy
			require.NoError(t, fast.UnmarshalJSON(in))
			node, err := jsonserialization.NewJsonParseNode(in)
			require.NoError(t, err)
			got, err := node.GetObjectValue(CreateProtectionPolicyFromDiscriminatorValue)
			require.NoError(t, err)
			require.Equal(t, &fast, got)
		})
	}
}
