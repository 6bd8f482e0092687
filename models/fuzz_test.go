package models

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

func seedCorpus(f *testing.F) {
	for _, name := range []string{"cancel_offboard_200.json", "cancel_offboard_403.json", "list_site_units.json",
		"list_protection_policies.json", "activate_policy_202.json", "update_sharepoint_policy_200.json", "backup_restore_root.json"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{`{}`, `null`, `{"id":1}`, `{"createdBy":{"user":"x"}}`, `{"value":[{"id":"a"}]}`, `{"error":{"innererror":{"request-id":"r"}}}`, "\xEF\xBB\xBF{}",
		`{"isEnabled":true,"protectionPolicyArtifactCount":{"total":3.0,"failed":"x"},"retentionSettings":[{"interval":"R/PT10M","period":"P2W"}]}`,
		`{"retentionSettings":[1],"huge":1e999}`, `{"@Core.DataModificationException":{"info":{"code":"Invalid"},"responseCode":409}}`,
		`{"serviceStatus":{"status":"enabled","gracePeriodDateTime":"2015-06-19T12-01-03.45Z"}}`} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeUnit: decoding never panics; a unit that decodes re-encodes to
// JSON that decodes to the same unit.
func FuzzDecodeUnit(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var u ProtectionUnit
		if err := u.UnmarshalJSON(data); err != nil {
			return
		}
		_ = u.Kind()
		_ = u.Name()
		b, err := json.Marshal(u)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back ProtectionUnit
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("re-decode of %s: %v", b, err)
		}
		b2, err := json.Marshal(back)
		if err != nil || string(b) != string(b2) {
			t.Fatalf("round trip differs:\n%s\n%s", b, b2)
		}
	})
}

// FuzzDecodePage: decoding a page never panics, and agrees with
// encoding/json about validity whenever the page decodes.
func FuzzDecodePage(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p ProtectionUnitPage
		err := p.UnmarshalJSON(data)
		if err == nil && !json.Valid(data) && !strings.HasPrefix(string(data), "\xEF\xBB\xBF") {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for _, u := range p.Value {
			if u == nil {
				t.Fatal("nil unit in page")
			}
		}
	})
}

// FuzzParseErrorResponse: any body, never a panic.
func FuzzParseErrorResponse(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		pe, err := ParseErrorResponse(data)
		if err != nil && pe != nil {
			t.Fatal("error with a result")
		}
	})
}

// FuzzProtectionSources: parsing never fails, String round-trips, and no
// member is empty or carries surrounding blanks.
func FuzzProtectionSources(f *testing.F) {
	for _, s := range []string{"manual,dynamicRule", " manual , none ", ",,", "unknownFutureValue", "manual,manual"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseProtectionSources(s)
		for _, m := range p {
			if m == "" || strings.TrimSpace(string(m)) != string(m) {
				t.Fatalf("bad member %q from %q", m, s)
			}
		}
		again := ParseProtectionSources(p.String())
		if len(again) != len(p) {
			// A member containing a comma cannot exist: split removes them.
			t.Fatalf("%q -> %q -> %q", s, p.String(), again.String())
		}
	})
}

// FuzzKiotaParse: Kiota's parse node path never panics on our models.
func FuzzKiotaParse(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := jsonserialization.NewJsonParseNode(data)
		if err != nil || n == nil {
			return
		}
		_, _ = n.GetObjectValue(CreateProtectionUnitPageFromDiscriminatorValue)
		_, _ = n.GetObjectValue(CreateProtectionUnitFromDiscriminatorValue)
	})
}

// FuzzDecodePolicy: decoding a policy or a policy page never panics; a
// policy that decodes re-encodes to JSON that decodes to the same bytes
// again; its helpers never panic; Kiota's parse node path never panics.
func FuzzDecodePolicy(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var pg ProtectionPolicyPage
		if err := pg.UnmarshalJSON(data); err == nil {
			if !json.Valid(data) && !strings.HasPrefix(string(data), "\xEF\xBB\xBF") {
				t.Fatalf("accepted invalid JSON %q", data)
			}
			for _, p := range pg.Value {
				if p == nil {
					t.Fatal("nil policy in page")
				}
			}
		}
		if n, err := jsonserialization.NewJsonParseNode(data); err == nil && n != nil {
			_, _ = n.GetObjectValue(CreateProtectionPolicyPageFromDiscriminatorValue)
			_, _ = n.GetObjectValue(CreateProtectionPolicyFromDiscriminatorValue)
		}

		var p ProtectionPolicy
		if err := p.UnmarshalJSON(data); err != nil {
			return
		}
		_ = p.Kind()
		for _, r := range p.RetentionSettings {
			_, _ = r.ParsePeriod()
			_, _ = r.ParseInterval()
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back ProtectionPolicy
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("re-decode of %s: %v", b, err)
		}
		b2, err := json.Marshal(back)
		if err != nil || string(b) != string(b2) {
			t.Fatalf("round trip differs:\n%s\n%s", b, b2)
		}
	})
}

// FuzzDecodeServiceStatus: decoding the backupRestore root or a bare
// serviceStatus never panics and re-encodes stably; Kiota's parse node path
// never panics.
func FuzzDecodeServiceStatus(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if n, err := jsonserialization.NewJsonParseNode(data); err == nil && n != nil {
			_, _ = n.GetObjectValue(CreateBackupRestoreRootFromDiscriminatorValue)
			_, _ = n.GetObjectValue(CreateServiceStatusFromDiscriminatorValue)
		}
		var s ServiceStatus
		_ = s.UnmarshalJSON(data)
		var r BackupRestoreRoot
		if err := r.UnmarshalJSON(data); err != nil {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back BackupRestoreRoot
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("re-decode of %s: %v", b, err)
		}
		b2, err := json.Marshal(back)
		if err != nil || string(b) != string(b2) {
			t.Fatalf("round trip differs:\n%s\n%s", b, b2)
		}
	})
}

// FuzzISODuration: parsing never panics; whatever parses prints to text that
// parses back to the same value, and AddTo never panics.
func FuzzISODuration(f *testing.F) {
	for _, s := range []string{"P2W", "P1Y", "R/PT10M", "R/P1W", "PT1.5S", "-P1Y2M3W4DT5H6M7.000000001S", "P999999999Y", "PT2562047H", "R5/P1D", "P", "PT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseISODuration(s); err == nil {
			again, err := ParseISODuration(d.String())
			if err != nil || again != d {
				t.Fatalf("%q -> %q -> %+v, %v", s, d.String(), again, err)
			}
			_ = d.AddTo(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC))
		}
		if r, err := ParseRepeatingInterval(s); err == nil {
			again, err := ParseRepeatingInterval(r.String())
			if err != nil || again != r {
				t.Fatalf("%q -> %q -> %+v, %v", s, r.String(), again, err)
			}
		}
	})
}
