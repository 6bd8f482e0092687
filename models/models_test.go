package models

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// The cancelOffboard page's example 1 response, field for field.
func TestDecodeSeedExample(t *testing.T) {
	var u ProtectionUnit
	require.NoError(t, json.Unmarshal(readTestdata(t, "cancel_offboard_200.json"), &u))
	want := ProtectionUnit{
		ID:                "89014d8c-71fe-4d00-a01a-31850bc5b32c",
		SiteID:            "contoso-jpn.sharepoint.com,da60e844-ba1d-49bc-b4d4-d5e36bae9019,0271110f-634f-4300-a841-3a8a2e900900",
		PolicyID:          "845457dc-4bb2-4815-bef3-8628ebd1952e",
		Status:            StatusCancelOffboardRequested,
		ProtectionSources: ProtectionSources{SourceManual},
		CreatedBy: &IdentitySet{
			Application: &Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"},
			User:        &Identity{ID: "845457dc-4bb2-4815-bef3-8628ebd1952e", DisplayName: "Rian", Email: "rian@contoso.com"},
		},
		CreatedDateTime: ts("2015-06-19T12:01:03.45Z"),
		LastModifiedBy: &IdentitySet{
			Application: &Identity{ID: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", DisplayName: "Microsoft Enhanced Restore"},
			User:        &Identity{ID: "845457dc-4bb2-4815-bef3-8628ebd1952e", DisplayName: "Ryan", Email: "ryan@contoso.com"},
		},
		LastModifiedDateTime:      ts("2015-07-19T12:01:03.45Z"),
		OffboardRequestedDateTime: ts("2015-07-19T12:01:03.45Z"),
	}
	require.Equal(t, want, u)
	require.Equal(t, KindSite, u.Kind(), "kind is inferred from siteId when @odata.type is absent")
	at, ok := u.OffboardRequestedAt()
	require.True(t, ok)
	require.Equal(t, ts("2015-07-19T12:01:03.45Z"), at)
	require.False(t, u.IsOffboarding(), "cancelOffboardRequested is no longer offboarding, though the request time stays")
}

func TestDecodePage(t *testing.T) {
	var p ProtectionUnitPage
	require.NoError(t, json.Unmarshal(readTestdata(t, "list_site_units.json"), &p))
	require.Len(t, p.Value, 2)
	require.Contains(t, p.NextLink, "$skiptoken=M2Uy")
	require.Contains(t, p.ODataContext, "$metadata#solutions/backupRestore/protectionUnits")
	require.Nil(t, p.Count)

	site := p.Value[0]
	require.Equal(t, KindSite, site.Kind())
	require.Equal(t, "Contoso Marketing", site.Name())
	require.True(t, site.OffboardRequestedDateTime.IsZero(), "the 0001-01-01 sentinel is the zero time")
	_, ok := site.OffboardRequestedAt()
	require.False(t, ok)
	require.Nil(t, site.Error, "error: null")
	require.Nil(t, site.AdditionalData)
	require.True(t, site.ProtectionSources.Has(SourceNone))

	mbx := p.Value[1]
	require.Equal(t, KindMailbox, mbx.Kind())
	require.Equal(t, StatusOffboardRequested, mbx.Status)
	require.Equal(t, ProtectionSources{SourceManual, SourceDynamicRule}, mbx.ProtectionSources, "flags tolerate spaces")
	require.Equal(t, "manual,dynamicRule", mbx.ProtectionSources.String())
	require.Equal(t, ts("2026-05-01T08:30:00.1234567Z"), mbx.OffboardRequestedDateTime)
	// The docs' malformed timestamp: the field stays zero, the raw string is kept.
	require.True(t, mbx.CreatedDateTime.IsZero())
	require.Equal(t, "2015-06-19T12-01-03.45Z", mbx.AdditionalData["createdDateTime"])
	require.Equal(t, "shared", mbx.AdditionalData["mailboxType"], "unknown properties are kept")
	require.Equal(t, "QuotaExceeded", mbx.Error.Code)
	require.Equal(t, []PublicErrorDetail{}, mbx.Error.Details)
}

func TestDecodeTolerance(t *testing.T) {
	cases := []struct {
		name  string
		json  string
		check func(t *testing.T, u *ProtectionUnit)
	}{
		{"unknown status kept verbatim", `{"status":"archived"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, ProtectionUnitStatus("archived"), u.Status)
			require.False(t, u.Status.IsKnown())
		}},
		{"unknown source kept", `{"protectionSources":"manual,retentionRule"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, ProtectionSources{SourceManual, "retentionRule"}, u.ProtectionSources)
		}},
		{"number where a string belongs", `{"siteId":42,"id":"x"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, "", u.SiteID)
			require.Equal(t, "x", u.ID)
			require.Equal(t, float64(42), u.AdditionalData["siteId"])
		}},
		{"nulls everywhere", `{"id":null,"status":null,"createdBy":null,"error":null,"createdDateTime":null,"protectionSources":null}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, ProtectionUnit{}, *u)
		}},
		{"object where a string belongs", `{"policyId":{"a":1}}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, map[string]any{"a": float64(1)}, u.AdditionalData["policyId"])
		}},
		{"string where an object belongs", `{"createdBy":"me"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Nil(t, u.CreatedBy)
			require.Equal(t, "me", u.AdditionalData["createdBy"])
		}},
		{"timestamp without zone is UTC", `{"createdDateTime":"2021-07-02T01:40:19"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, time.Date(2021, 7, 2, 1, 40, 19, 0, time.UTC), u.CreatedDateTime)
		}},
		{"timestamp with offset", `{"createdDateTime":"2021-07-02T03:40:19.5+02:00"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, time.Date(2021, 7, 2, 1, 40, 19, 5e8, time.UTC), u.CreatedDateTime)
		}},
		{"sentinel variants", `{"offboardRequestedDateTime":"0001-01-01T00:00:00Z","createdDateTime":"0001-01-01T00:00:00+00:00"}`, func(t *testing.T, u *ProtectionUnit) {
			require.True(t, u.OffboardRequestedDateTime.IsZero())
			require.True(t, u.CreatedDateTime.IsZero())
			require.Nil(t, u.AdditionalData)
		}},
		{"feb 30 is malformed", `{"createdDateTime":"2021-02-30T00:00:00Z"}`, func(t *testing.T, u *ProtectionUnit) {
			require.True(t, u.CreatedDateTime.IsZero())
			require.Equal(t, "2021-02-30T00:00:00Z", u.AdditionalData["createdDateTime"])
		}},
		{"identity unknowns", `{"createdBy":{"user":{"id":"1","userPrincipalName":"a@b"},"phone":{"id":"p"}}}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, "a@b", u.CreatedBy.User.AdditionalData["userPrincipalName"])
			require.Equal(t, map[string]any{"id": "p"}, u.CreatedBy.AdditionalData["phone"])
		}},
		{"BOM and escapes", "\xEF\xBB\xBF{\"id\":\"a\\u002fb\",\"siteName\":\"caf\\u00e9\"}", func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, "a/b", u.ID)
			require.Equal(t, "café", u.SiteName)
		}},
		{"graph alias cast", `{"@odata.type":"#graph.driveProtectionUnit"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, KindDrive, u.Kind())
		}},
		{"unknown kind", `{"@odata.type":"#microsoft.graph.teamsProtectionUnit","directoryObjectId":"d"}`, func(t *testing.T, u *ProtectionUnit) {
			require.Equal(t, KindUnknown, u.Kind())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var u ProtectionUnit
			require.NoError(t, u.UnmarshalJSON([]byte(tc.json)))
			tc.check(t, &u)
		})
	}
}

func TestDecodeRejectsMalformedJSON(t *testing.T) {
	for _, in := range []string{``, `[]`, `"x"`, `{"id":"x"`, `{"id":"x",}`, `<html>502</html>`, `{"id":"x"} {}`} {
		var u ProtectionUnit
		err := u.UnmarshalJSON([]byte(in))
		var de *DecodeError
		require.ErrorAs(t, err, &de, "input %q", in)
	}
	var p ProtectionUnitPage
	err := p.UnmarshalJSON([]byte(`{"value":[{"id":"a"},7]}`))
	require.ErrorContains(t, err, "value[1]")
}

func TestParseErrorResponse(t *testing.T) {
	pe, err := ParseErrorResponse(readTestdata(t, "cancel_offboard_403.json"))
	require.NoError(t, err)
	require.Equal(t, &PublicError{Code: "OperationNotAllowed", Message: "Offboarding cannot be cancelled as it is not in a valid state.", Details: []PublicErrorDetail{}}, pe)

	for _, key := range []string{"innerError", "innererror", "InnerError"} {
		pe, err := ParseErrorResponse([]byte(`{"error":{"code":"TooManyRequests","` + key + `":{"request-id":"r1","client-request-id":"c1","date":"2021-07-02T01:40:19","status":"429"}}}`))
		require.NoError(t, err)
		require.Equal(t, "r1", pe.InnerError.RequestID)
		require.Equal(t, "c1", pe.InnerError.ClientRequestID)
		require.Equal(t, "2021-07-02T01:40:19", pe.InnerError.Date)
		require.Equal(t, "429", pe.InnerError.AdditionalData["status"])
	}
	pe, err = ParseErrorResponse([]byte(`{}`))
	require.NoError(t, err)
	require.Nil(t, pe)
	_, err = ParseErrorResponse([]byte(`{"error":{"code":"X"`))
	require.Error(t, err)
}

func TestMarshalRoundTrip(t *testing.T) {
	var p ProtectionUnitPage
	require.NoError(t, json.Unmarshal(readTestdata(t, "list_site_units.json"), &p))
	b, err := json.Marshal(p)
	require.NoError(t, err)
	var back ProtectionUnitPage
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, p, back)
}

// Every model round-trips through Kiota's JSON serialization writer and
// parse node, so Kiota consumers can use it.
func TestKiotaRoundTrip(t *testing.T) {
	var p ProtectionUnitPage
	require.NoError(t, json.Unmarshal(readTestdata(t, "list_site_units.json"), &p))
	var seed ProtectionUnit
	require.NoError(t, json.Unmarshal(readTestdata(t, "cancel_offboard_200.json"), &seed))
	p.Value = append(p.Value, &seed)
	n := int64(3)
	p.Count = &n

	w := jsonserialization.NewJsonSerializationWriter()
	require.NoError(t, w.WriteObjectValue("", &p))
	content, err := w.GetSerializedContent()
	require.NoError(t, err)
	require.True(t, json.Valid(content), "%s", content)

	node, err := jsonserialization.NewJsonParseNode(content)
	require.NoError(t, err)
	got, err := node.GetObjectValue(CreateProtectionUnitPageFromDiscriminatorValue)
	require.NoError(t, err)
	require.Equal(t, &p, got)

	// And Kiota's output decodes identically with the fast decoder.
	var fast ProtectionUnitPage
	require.NoError(t, json.Unmarshal(content, &fast))
	require.Equal(t, p, fast)

	// Kiota parse of the raw docs example equals the fast decode.
	node, err = jsonserialization.NewJsonParseNode(readTestdata(t, "cancel_offboard_200.json"))
	require.NoError(t, err)
	viaKiota, err := node.GetObjectValue(CreateProtectionUnitFromDiscriminatorValue)
	require.NoError(t, err)
	require.Equal(t, &seed, viaKiota)

	var _ serialization.Parsable = &seed
}

func TestProtectionSources(t *testing.T) {
	cases := map[string]ProtectionSources{
		"":                          nil,
		"none":                      {SourceNone},
		"manual,dynamicRule":        {SourceManual, SourceDynamicRule},
		" manual , dynamicRule ,":   {SourceManual, SourceDynamicRule},
		"manual,manual":             {SourceManual},
		"manual,unknownFutureValue": {SourceManual, SourceUnknownFutureValue},
	}
	for in, want := range cases {
		got := ParseProtectionSources(in)
		require.Equal(t, want, got, in)
		require.Equal(t, got, ParseProtectionSources(got.String()), "String round-trips")
	}
}

func TestUnitLifecycleHelpers(t *testing.T) {
	requested := ts("2026-05-01T08:30:00Z")
	cases := []struct {
		name                                string
		unit                                *ProtectionUnit
		requestedAt                         bool
		offboarding, canOffboard, canCancel bool
	}{
		{"attached and protected", &ProtectionUnit{PolicyID: "p", Status: StatusProtected}, false, false, false, false},
		{"removal requested, still attached", &ProtectionUnit{PolicyID: "p", Status: StatusRemoveRequested}, false, false, false, false},
		{"unprotected but still attached", &ProtectionUnit{PolicyID: "p", Status: StatusUnprotected}, false, false, false, false},
		{"removed and unprotected", &ProtectionUnit{Status: StatusUnprotected}, false, false, true, false},
		{"removed, status unknownFutureValue (no Prefer header)", &ProtectionUnit{Status: StatusUnknownFutureValue, OffboardRequestedDateTime: requested}, true, false, false, false},
		{"offboarding", &ProtectionUnit{Status: StatusOffboardRequested, OffboardRequestedDateTime: requested}, true, true, false, true},
		{"offboarded: the request time stays", &ProtectionUnit{Status: StatusOffboarded, OffboardRequestedDateTime: requested}, true, false, false, false},
		{"cancel requested: the request time stays", &ProtectionUnit{Status: StatusCancelOffboardRequested, OffboardRequestedDateTime: requested}, true, false, false, false},
		{"nil unit", nil, false, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at, ok := tc.unit.OffboardRequestedAt()
			require.Equal(t, tc.requestedAt, ok)
			if ok {
				require.Equal(t, requested, at)
			} else {
				require.True(t, at.IsZero())
			}
			require.Equal(t, tc.offboarding, tc.unit.IsOffboarding())
			require.Equal(t, tc.canOffboard, tc.unit.CanOffboard())
			require.Equal(t, tc.canCancel, tc.unit.CanCancelOffboard())
		})
	}
}

// The known-member lists are functions: what a caller does to one result
// cannot change the next.
func TestKnownListsAreFresh(t *testing.T) {
	statuses := KnownStatuses()
	require.Len(t, statuses, 9)
	for _, s := range statuses {
		require.True(t, s.IsKnown(), s)
	}
	statuses[0] = "tampered"
	_ = append(statuses[:1], "appended")
	require.Equal(t, StatusProtectRequested, KnownStatuses()[0])
	require.Equal(t, StatusProtected, KnownStatuses()[1])

	policyStatuses := KnownPolicyStatuses()
	require.Equal(t, []ProtectionPolicyStatus{"inactive", "activeWithErrors", "updating", "active", "unknownFutureValue"}, policyStatuses)
	policyStatuses[0] = "tampered"
	require.Equal(t, PolicyStatusInactive, KnownPolicyStatuses()[0])

	serviceStatuses := KnownServiceStatuses()
	require.Equal(t, []BackupServiceStatus{"disabled", "enabled", "protectionChangeLocked", "restoreLocked", "unknownFutureValue"}, serviceStatuses)
	serviceStatuses[0] = "tampered"
	require.Equal(t, ServiceDisabled, KnownServiceStatuses()[0])

	kinds := PolicyKinds()
	kinds[0] = PolicyKindUnknown
	require.Equal(t, PolicyKindSharePoint, PolicyKinds()[0])
}

// Kiota's parse node and the fast decoder agree on malformed unit members:
// an object-typed member that is not an object, and error details that are
// not an array of objects, land in AdditionalData either way.
func TestUnitKiotaParity(t *testing.T) {
	for _, in := range []string{
		`{"createdBy":"me"}`,
		`{"createdBy":{"user":7}}`,
		`{"error":"boom"}`,
		`{"error":{"code":"X","details":["x"]}}`,
		`{"error":{"code":"X","details":null}}`,
		`{"error":{"code":"X","details":[]}}`,
		`{"error":{"innerError":[1]}}`,
		`{"id":"u","@contentId":"c","@Core.DataModificationException":{"info":{"code":"Invalid"},"responseCode":409}}`,
	} {
		var fast ProtectionUnit
		require.NoError(t, fast.UnmarshalJSON([]byte(in)))
		node, err := jsonserialization.NewJsonParseNode([]byte(in))
		require.NoError(t, err)
		got, err := node.GetObjectValue(CreateProtectionUnitFromDiscriminatorValue)
		require.NoError(t, err)
		require.Equal(t, &fast, got, in)
	}
	var fast ProtectionUnitPage
	in := []byte(`{"@odata.count":2.0,"value":[]}`)
	require.NoError(t, fast.UnmarshalJSON(in))
	require.Equal(t, int64(2), *fast.Count)
	node, err := jsonserialization.NewJsonParseNode(in)
	require.NoError(t, err)
	got, err := node.GetObjectValue(CreateProtectionUnitPageFromDiscriminatorValue)
	require.NoError(t, err)
	require.Equal(t, &fast, got)
}
