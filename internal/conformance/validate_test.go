package conformance_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/conformance"
)

// The validator catches each kind of violation it promises, and accepts
// the valid forms.
func TestValidate(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	const site = `"@odata.type":"#microsoft.graph.siteProtectionUnit","id":"u1","policyId":"p","siteId":"s"`
	for _, tt := range []struct {
		name    string
		typ     string
		coll    bool
		json    string
		rules   conformance.Rules
		wantErr string // "" for valid
	}{
		{"valid unit", "microsoft.graph.protectionUnitBase", false, `{` + site + `,"status":"protected","protectionSources":"manual,dynamicRule","createdDateTime":"2026-01-01T00:00:00.0000000Z"}`, conformance.Rules{}, ""},
		{"undeclared member", "microsoft.graph.protectionUnitBase", false, `{` + site + `,"colour":"red"}`, conformance.Rules{}, `declares no property "colour"`},
		{"member of another kind", "microsoft.graph.protectionUnitBase", false, `{` + site + `,"email":"a@b"}`, conformance.Rules{}, `declares no property "email"`},
		{"abstract without @odata.type", "microsoft.graph.protectionUnitBase", false, `{"id":"u1"}`, conformance.Rules{}, "is abstract"},
		{"foreign @odata.type", "microsoft.graph.protectionUnitBase", false, `{"@odata.type":"#microsoft.graph.sharePointProtectionPolicy","id":"u1"}`, conformance.Rules{}, "is not microsoft.graph.protectionUnitBase"},
		{"unknown enum member", "microsoft.graph.siteProtectionUnit", false, `{"id":"u","status":"sleeping"}`, conformance.Rules{}, `"sleeping" is not a member`},
		{"member after unknownFutureValue", "microsoft.graph.siteProtectionUnit", false, `{"id":"u","status":"offboarded"}`, conformance.Rules{}, "after unknownFutureValue"},
		{"member after unknownFutureValue, opted in", "microsoft.graph.siteProtectionUnit", false, `{"id":"u","status":"offboarded"}`, conformance.Rules{IncludeUnknown: true}, ""},
		{"flags with an unknown member", "microsoft.graph.siteProtectionUnit", false, `{"id":"u","protectionSources":"manual,magic"}`, conformance.Rules{}, `"magic" is not a member`},
		{"several members of a plain enum", "microsoft.graph.siteProtectionUnit", false, `{"id":"u","status":"protected,unprotected"}`, conformance.Rules{}, "not a flags enum"},
		{"null for non-nullable", "microsoft.graph.sharePointProtectionPolicy", false, `{"id":"p","isEnabled":null}`, conformance.Rules{}, "null for a non-nullable Edm.Boolean"},
		{"wrong primitive kind", "microsoft.graph.sharePointProtectionPolicy", false, `{"id":"p","isEnabled":"yes"}`, conformance.Rules{}, "want a boolean"},
		{"bad date", "microsoft.graph.siteProtectionUnit", false, `{"id":"u","createdDateTime":"2026-01-01"}`, conformance.Rules{}, "not an Edm.DateTimeOffset"},
		{"bad duration", "microsoft.graph.retentionSetting", false, `{"interval":"R/PT10M","period":"two weeks"}`, conformance.Rules{}, "not an Edm.Duration"},
		{"good duration", "microsoft.graph.retentionSetting", false, `{"interval":"R/PT10M","period":"P2W"}`, conformance.Rules{}, ""},
		{"int32 out of range", "microsoft.graph.protectionPolicyArtifactCount", false, `{"total":4294967296}`, conformance.Rules{}, "out of the range of Edm.Int32"},
		{"int32 not an integer", "microsoft.graph.protectionPolicyArtifactCount", false, `{"total":1.5}`, conformance.Rules{}, "want an integer"},
		{"open type takes any member", "microsoft.graph.identity", false, `{"id":"i","displayName":"d","email":"e@x"}`, conformance.Rules{}, ""},
		{"incomplete", "microsoft.graph.siteProtectionUnit", false, `{"id":"u"}`, conformance.Rules{Complete: true}, `property "siteId" is missing`},
		{"complex values need not be complete", "microsoft.graph.retentionSetting", false, `{"interval":"R/PT10M"}`, conformance.Rules{Complete: true}, ""},
		{"select-only property may be absent", "microsoft.graph.protectionPolicyArtifactCount", false, `{"total":1,"completed":1,"failed":0}`,
			conformance.Rules{Complete: true, SelectOnly: map[string]bool{"microsoft.graph.protectionPolicyArtifactCount/inProgress": true}}, ""},
		{"collection of non-objects", "microsoft.graph.siteProtectionUnit", true, `[1]`, conformance.Rules{}, "want an object"},
		{"null in a collection", "microsoft.graph.siteProtectionUnit", true, `[null]`, conformance.Rules{}, "null in a collection"},
		{"@delta items are validated", "microsoft.graph.sharePointProtectionPolicy", false, `{"id":"p","siteProtectionUnits@delta":[{"id":"u","status":"nope"}]}`, conformance.Rules{}, `"nope" is not a member`},
		{"@delta of an undeclared navigation", "microsoft.graph.sharePointProtectionPolicy", false, `{"id":"p","driveProtectionUnits@delta":[]}`, conformance.Rules{}, `annotation of "driveProtectionUnits"`},
		{"instance annotations are accepted", "microsoft.graph.siteProtectionUnit", false, `{"@contentId":"c","@Core.DataModificationException":{"info":{}},"id":"u"}`, conformance.Rules{}, ""},
		{"@odata.count must be an integer", "microsoft.graph.siteProtectionUnit", false, `{"@odata.count":"3","id":"u"}`, conformance.Rules{}, "want an integer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := conformance.Decode([]byte(tt.json))
			require.NoError(t, err)
			errs := s.Validate(v, tt.typ, tt.coll, tt.rules)
			if tt.wantErr == "" {
				require.Empty(t, errs)
				return
			}
			require.NotEmpty(t, errs)
			require.Contains(t, strings.Join(errs, "\n"), tt.wantErr)
		})
	}
}

// Contexts resolve through the schema; a select list restricts the
// members; a context that does not resolve is reported.
func TestValidateAnswer(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	const pre = `"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/`
	for _, tt := range []struct {
		name, body, wantType string
		coll                 bool
		wantErr              string
	}{
		{"collection", `{` + pre + `protectionUnits","value":[{"@odata.type":"#microsoft.graph.driveProtectionUnit","id":"d"}]}`, "microsoft.graph.protectionUnitBase", true, ""},
		{"cast", `{` + pre + `protectionUnits/microsoft.graph.siteProtectionUnit","value":[{"id":"s"}]}`, "microsoft.graph.siteProtectionUnit", true, ""},
		{"entity", `{` + pre + `sharePointProtectionPolicies/$entity","id":"p","isEnabled":true}`, "microsoft.graph.sharePointProtectionPolicy", false, ""},
		{"root", `{` + pre + `$entity","id":"t","serviceStatus":{"status":"enabled"}}`, "microsoft.graph.backupRestoreRoot", false, ""},
		{"select", `{` + pre + `protectionPolicies(id,protectionPolicyArtifactCount)","value":[{"@odata.type":"#microsoft.graph.sharePointProtectionPolicy","id":"p","protectionPolicyArtifactCount":{"total":1,"completed":0,"failed":0,"inProgress":1}}]}`, "microsoft.graph.protectionPolicyBase", true, ""},
		{"outside the select list", `{` + pre + `protectionPolicies(id)","value":[{"@odata.type":"#microsoft.graph.sharePointProtectionPolicy","id":"p","displayName":"x"}]}`, "", true, "not in the select list"},
		{"unknown navigation", `{` + pre + `nowhere","value":[]}`, "", false, "has no navigation nowhere"},
		{"bad cast", `{` + pre + `protectionUnits/microsoft.graph.sharePointProtectionPolicy","value":[]}`, "", false, "does not derive"},
		{"member beside value", `{` + pre + `protectionUnits","value":[],"extra":1}`, "", true, "carries only value"},
		{"not JSON", `nope`, "", false, "not JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, errs := s.ValidateAnswer([]byte(tt.body), conformance.Rules{})
			if tt.wantErr != "" {
				require.Contains(t, strings.Join(errs, "\n"), tt.wantErr)
				return
			}
			require.Empty(t, errs)
			require.Equal(t, tt.wantType, c.Type)
			require.Equal(t, tt.coll, c.Collection)
		})
	}
}
