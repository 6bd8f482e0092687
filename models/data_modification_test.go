package models

import (
	"encoding/json"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/stretchr/testify/require"
)

// patchResponse is how a caller decodes a policy PATCH response: the delta
// array straight into []*ProtectionUnit (encoding/json calls
// ProtectionUnit.UnmarshalJSON for each item).
type patchResponse struct {
	DisplayName string            `json:"displayName"`
	Delta       []*ProtectionUnit `json:"siteProtectionUnits@delta"`
}

// The SharePoint update example (its // comments removed): an add, a
// removal and a failed removal carrying @contentId and
// @Core.DataModificationException.
func TestDecodePolicyPatchResponse(t *testing.T) {
	body := readTestdata(t, "update_sharepoint_policy_200.json")
	var resp patchResponse
	require.NoError(t, json.Unmarshal(body, &resp))
	require.Equal(t, "SharePoint Policy - Inadvertent data loss", resp.DisplayName)
	require.Len(t, resp.Delta, 3)

	added, removed, failed := resp.Delta[0], resp.Delta[1], resp.Delta[2]
	require.Equal(t, StatusProtectRequested, added.Status)
	require.Equal(t, StatusRemoveRequested, removed.Status)
	require.Equal(t, "845457dc-4bb2-4815-bef3-8628ebd1952e", removed.PolicyID, "an accepted removal still names its policy")
	require.Equal(t, KindSite, removed.Kind(), "no @odata.type; siteId tells")
	for _, u := range []*ProtectionUnit{added, removed} {
		e, ok := u.DataModificationError()
		require.False(t, ok)
		require.Nil(t, e)
		require.Equal(t, "", u.ContentID())
		require.Equal(t, "2015-06-19T12-01-03.45Z", u.AdditionalData["createdDateTime"], "the docs' broken timestamp is kept raw")
	}

	require.Equal(t, "4267e382-71a9-4c07-bef7-bda97e09c0d2", failed.ID)
	require.Equal(t, ProtectionUnitStatus(""), failed.Status)
	require.Equal(t, "3467e382-71a9-4c07-bef7-bda97e09c0d2", failed.ContentID())
	require.Equal(t, map[string]any{
		"info":            map[string]any{"code": "Invalid", "message": "The identifier to be removed from the Protection Policy does not exist"},
		"failedOperation": "remove",
		"responseCode":    float64(409),
	}, failed.AdditionalData[AnnotationDataModificationException], "the annotation is kept as it came")
	dme, ok := failed.DataModificationError()
	require.True(t, ok)
	want := &DataModificationException{FailedOperation: "remove", ResponseCode: 409, Code: "Invalid",
		Message: "The identifier to be removed from the Protection Policy does not exist"}
	require.Equal(t, want, dme)
	require.EqualError(t, dme, "remove failed with 409 Invalid: The identifier to be removed from the Protection Policy does not exist")

	// Re-encoding keeps the annotations, so a journal can store the item.
	b, err := json.Marshal(failed)
	require.NoError(t, err)
	var back ProtectionUnit
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, *failed, back)

	// Kiota's parse node keeps them identically.
	node, err := jsonserialization.NewJsonParseNode(b)
	require.NoError(t, err)
	viaKiota, err := node.GetObjectValue(CreateProtectionUnitFromDiscriminatorValue)
	require.NoError(t, err)
	require.Equal(t, failed, viaKiota)
	dme2, ok := viaKiota.(*ProtectionUnit).DataModificationError()
	require.True(t, ok)
	require.Equal(t, want, dme2)

	// Decoded as a policy, the body keeps the delta array and tells its kind.
	var pol ProtectionPolicy
	require.NoError(t, json.Unmarshal(body, &pol))
	require.Equal(t, PolicyKindSharePoint, pol.Kind())
	require.Len(t, pol.AdditionalData[PolicyKindSharePoint.DeltaKey()], 3)
}

func TestDataModificationErrorShapes(t *testing.T) {
	cases := []struct {
		name string
		json string
		want *DataModificationException // nil: no annotation
	}{
		{"no annotation", `{"id":"u","status":"removeRequested"}`, nil},
		{"null annotation", `{"@Core.DataModificationException":null}`, nil},
		{"full vocabulary namespace", `{"@Org.OData.Core.V1.DataModificationException":{"failedOperation":"delete","responseCode":404}}`,
			&DataModificationException{FailedOperation: "delete", ResponseCode: 404}},
		{"members of the wrong type", `{"@Core.DataModificationException":{"failedOperation":1,"responseCode":"409","info":"Invalid"}}`,
			&DataModificationException{AdditionalData: map[string]any{"failedOperation": float64(1), "responseCode": "409", "info": "Invalid"}}},
		{"fractional response code", `{"@Core.DataModificationException":{"responseCode":409.5}}`,
			&DataModificationException{AdditionalData: map[string]any{"responseCode": 409.5}}},
		{"extra info members", `{"@Core.DataModificationException":{"info":{"code":"Invalid","severity":"error","target":"id","message":7},"retry":false}}`,
			&DataModificationException{Code: "Invalid", AdditionalData: map[string]any{"info.severity": "error", "info.target": "id", "info.message": float64(7), "retry": false}}},
		{"annotation that is not an object", `{"@Core.DataModificationException":"failed"}`,
			&DataModificationException{AdditionalData: map[string]any{AnnotationDataModificationException: "failed"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var u ProtectionUnit
			require.NoError(t, u.UnmarshalJSON([]byte(tc.json)))
			got, ok := u.DataModificationError()
			require.Equal(t, tc.want != nil, ok)
			require.Equal(t, tc.want, got)
			if ok {
				require.NotEmpty(t, got.Error())
			}
		})
	}

	// The error-codes page's shape: a per-item error instead of the annotation.
	var u ProtectionUnit
	require.NoError(t, u.UnmarshalJSON([]byte(`{"id":"u","error":{"code":"ProtectionUnitNotFound","message":"ProtectionUnit level error: ProtectionUnit doesn't exist."}}`)))
	_, ok := u.DataModificationError()
	require.False(t, ok)
	require.Equal(t, "ProtectionUnitNotFound", u.Error.Code)
	require.Equal(t, ProtectionUnitStatus(""), u.Status, "no status: not an accepted change")

	require.Equal(t, "data modification failed", (*DataModificationException)(nil).Error())
	require.Equal(t, "data modification failed", (&DataModificationException{}).Error())
	require.Equal(t, "remove failed", (&DataModificationException{FailedOperation: "remove"}).Error())
	_, ok = (*ProtectionUnit)(nil).DataModificationError()
	require.False(t, ok)
	require.Equal(t, "", (*ProtectionUnit)(nil).ContentID())

	var core ProtectionUnit
	require.NoError(t, core.UnmarshalJSON([]byte(`{"@Core.ContentID":"c1"}`)))
	require.Equal(t, "c1", core.ContentID())
}
