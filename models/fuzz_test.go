package models

import (
	"encoding/json"
	"strings"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

func seedCorpus(f *testing.F) {
	for _, name := range []string{"cancel_offboard_200.json", "cancel_offboard_403.json", "list_site_units.json"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{`{}`, `null`, `{"id":1}`, `{"createdBy":{"user":"x"}}`, `{"value":[{"id":"a"}]}`, `{"error":{"innererror":{"request-id":"r"}}}`, "\xEF\xBB\xBF{}"} {
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
