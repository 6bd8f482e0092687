package models

import (
	"encoding/json"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/stretchr/testify/require"
)

// The get-backupRestoreRoot example, field for field.
func TestDecodeBackupRestoreRoot(t *testing.T) {
	var r BackupRestoreRoot
	require.NoError(t, json.Unmarshal(readTestdata(t, "backup_restore_root.json"), &r))
	require.Equal(t, BackupRestoreRoot{
		ServiceStatus: &ServiceStatus{
			Status:                ServiceEnabled,
			DisableReason:         "none",
			BackupServiceConsumer: "firstparty",
			LastModifiedDateTime:  ts("2024-05-21T04:47:52.5769075Z"),
			// The example's user has an undeclared "identity" member.
			LastModifiedBy: &IdentitySet{User: &Identity{AdditionalData: map[string]any{"identity": "40927a5d-4f18-4966-9bfe-2e00cd1d0ee8"}}},
		},
		AdditionalData: map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/$entity"},
	}, r)
}

// serviceStatusCases are root bodies with what the decoder must make of
// them; they also go through the round trips and the Kiota-parity test.
var serviceStatusCases = []struct {
	name string
	json string
	want BackupRestoreRoot
}{
	{"disabled with grace and restore periods",
		`{"id":"root","serviceStatus":{"status":"disabled","disableReason":"invalidBillingProfile","backupServiceConsumer":"thirdparty",
		  "gracePeriodDateTime":"2026-09-01T00:00:00Z","restoreAllowedTillDateTime":"2026-10-01T00:00:00.0000000Z","lastModifiedDateTime":"2026-08-01T10:00:00Z"}}`,
		BackupRestoreRoot{ID: "root", ServiceStatus: &ServiceStatus{Status: ServiceDisabled, DisableReason: "invalidBillingProfile",
			BackupServiceConsumer: "thirdparty", GracePeriodDateTime: ts("2026-09-01T00:00:00Z"),
			RestoreAllowedTillDateTime: ts("2026-10-01T00:00:00Z"), LastModifiedDateTime: ts("2026-08-01T10:00:00Z")}}},
	{"locked states", `{"serviceStatus":{"status":"protectionChangeLocked"}}`,
		BackupRestoreRoot{ServiceStatus: &ServiceStatus{Status: ServiceProtectionChangeLocked}}},
	{"unknown status and reason kept verbatim", `{"serviceStatus":{"status":"migrating","disableReason":"controllerServiceAppDeleted"}}`,
		BackupRestoreRoot{ServiceStatus: &ServiceStatus{Status: "migrating", DisableReason: "controllerServiceAppDeleted"}}},
	{"sentinel and malformed times", `{"serviceStatus":{"gracePeriodDateTime":"0001-01-01T00:00:00Z","restoreAllowedTillDateTime":"2015-06-19T12-01-03.45Z"}}`,
		BackupRestoreRoot{ServiceStatus: &ServiceStatus{AdditionalData: map[string]any{"restoreAllowedTillDateTime": "2015-06-19T12-01-03.45Z"}}}},
	{"members of the wrong type", `{"id":7,"serviceStatus":{"status":true,"lastModifiedBy":"me","backupServiceConsumer":["x"]}}`,
		BackupRestoreRoot{AdditionalData: map[string]any{"id": float64(7)}, ServiceStatus: &ServiceStatus{AdditionalData: map[string]any{
			"status": true, "lastModifiedBy": "me", "backupServiceConsumer": []any{"x"}}}}},
	{"serviceStatus that is not an object", `{"serviceStatus":"enabled"}`,
		BackupRestoreRoot{AdditionalData: map[string]any{"serviceStatus": "enabled"}}},
	{"no serviceStatus", `{"id":"root"}`, BackupRestoreRoot{ID: "root"}},
	{"null serviceStatus", `{"serviceStatus":null}`, BackupRestoreRoot{}},
	{"unknown members kept", `{"serviceStatus":{"status":"enabled","tier":"premium"},"serviceApps":[]}`,
		BackupRestoreRoot{ServiceStatus: &ServiceStatus{Status: ServiceEnabled, AdditionalData: map[string]any{"tier": "premium"}},
			AdditionalData: map[string]any{"serviceApps": []any{}}}},
}

func TestDecodeServiceStatusTolerance(t *testing.T) {
	for _, tc := range serviceStatusCases {
		t.Run(tc.name, func(t *testing.T) {
			var r BackupRestoreRoot
			require.NoError(t, r.UnmarshalJSON([]byte(tc.json)))
			require.Equal(t, tc.want, r)

			// The serviceStatus object decodes the same on its own.
			if tc.want.ServiceStatus != nil {
				var top map[string]json.RawMessage
				require.NoError(t, json.Unmarshal([]byte(tc.json), &top))
				var s ServiceStatus
				require.NoError(t, s.UnmarshalJSON(top["serviceStatus"]))
				require.Equal(t, *tc.want.ServiceStatus, s)
			}
		})
	}
}

func TestDecodeServiceStatusRejectsMalformedJSON(t *testing.T) {
	for _, in := range []string{``, `[]`, `"enabled"`, `{"serviceStatus":{"status":"enabled"}`, `{"serviceStatus":{]}`} {
		var r BackupRestoreRoot
		var s ServiceStatus
		var de *DecodeError
		require.ErrorAs(t, r.UnmarshalJSON([]byte(in)), &de, "root %q", in)
		require.ErrorAs(t, s.UnmarshalJSON([]byte(in)), &de, "status %q", in)
	}
}

func TestServiceStatusMarshalRoundTrip(t *testing.T) {
	inputs := [][]byte{readTestdata(t, "backup_restore_root.json")}
	for _, tc := range serviceStatusCases {
		inputs = append(inputs, []byte(tc.json))
	}
	for _, in := range inputs {
		var r BackupRestoreRoot
		require.NoError(t, r.UnmarshalJSON(in))
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var back BackupRestoreRoot
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, r, back, "%s", b)
	}
}

func TestServiceStatusKiota(t *testing.T) {
	inputs := map[string][]byte{"backup_restore_root.json": readTestdata(t, "backup_restore_root.json")}
	for _, tc := range serviceStatusCases {
		inputs[tc.name] = []byte(tc.json)
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var fast BackupRestoreRoot
			require.NoError(t, fast.UnmarshalJSON(in))

			// Kiota's parse of the payload equals the fast decoder's.
			node, err := jsonserialization.NewJsonParseNode(in)
			require.NoError(t, err)
			got, err := node.GetObjectValue(CreateBackupRestoreRootFromDiscriminatorValue)
			require.NoError(t, err)
			require.Equal(t, &fast, got)

			// Kiota's writer, then Kiota's parse node, give the same value back.
			w := jsonserialization.NewJsonSerializationWriter()
			require.NoError(t, w.WriteObjectValue("", &fast))
			content, err := w.GetSerializedContent()
			require.NoError(t, err)
			node, err = jsonserialization.NewJsonParseNode(content)
			require.NoError(t, err)
			again, err := node.GetObjectValue(CreateBackupRestoreRootFromDiscriminatorValue)
			require.NoError(t, err)
			require.Equal(t, &fast, again, "%s", content)
		})
	}
}

func TestKnownServiceStatuses(t *testing.T) {
	for _, s := range KnownServiceStatuses() {
		require.True(t, s.IsKnown(), s)
	}
	require.False(t, BackupServiceStatus("migrating").IsKnown())
	require.Equal(t, "restoreLocked", ServiceRestoreLocked.String())
}

// disableReason and backupServiceConsumer are typed: every member the
// schema or the serviceStatus page lists is known and decodes to its
// constant; anything else is kept verbatim and unknown.
func TestServiceStatusEnums(t *testing.T) {
	t.Parallel()
	for _, r := range KnownDisableReasons() {
		require.True(t, r.IsKnown(), r)
		var s ServiceStatus
		require.NoError(t, s.UnmarshalJSON([]byte(`{"disableReason":"`+string(r)+`"}`)))
		require.Equal(t, r, s.DisableReason)
		require.Equal(t, string(r), r.String())
	}
	for _, c := range KnownBackupServiceConsumers() {
		require.True(t, c.IsKnown(), c)
		var s ServiceStatus
		require.NoError(t, s.UnmarshalJSON([]byte(`{"backupServiceConsumer":"`+string(c)+`"}`)))
		require.Equal(t, c, s.BackupServiceConsumer)
		require.Equal(t, string(c), c.String())
	}
	require.Contains(t, KnownDisableReasons(), DisableReasonControllerServiceAppDeleted, "the page's member")
	require.Contains(t, KnownBackupServiceConsumers(), ConsumerNone, "the page's member")
	var s ServiceStatus
	require.NoError(t, s.UnmarshalJSON([]byte(`{"disableReason":"quotaGone","backupServiceConsumer":"fourthparty"}`)))
	require.Equal(t, DisableReason("quotaGone"), s.DisableReason)
	require.False(t, s.DisableReason.IsKnown())
	require.Equal(t, BackupServiceConsumer("fourthparty"), s.BackupServiceConsumer)
	require.False(t, s.BackupServiceConsumer.IsKnown())
	b, err := s.MarshalJSON()
	require.NoError(t, err)
	require.JSONEq(t, `{"disableReason":"quotaGone","backupServiceConsumer":"fourthparty"}`, string(b), "kept verbatim")
}
