package models

import (
	"encoding/json"
	"testing"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

// plainUnit is what a hand-rolled client would decode into with encoding/json.
type plainUnit struct {
	ODataType         string `json:"@odata.type"`
	ID                string `json:"id"`
	SiteID            string `json:"siteId"`
	PolicyID          string `json:"policyId"`
	Status            string `json:"status"`
	ProtectionSources string `json:"protectionSources"`
	CreatedBy         *struct {
		Application *struct{ ID, DisplayName, Email string } `json:"application"`
		User        *struct{ ID, DisplayName, Email string } `json:"user"`
	} `json:"createdBy"`
	CreatedDateTime string `json:"createdDateTime"`
	LastModifiedBy  *struct {
		Application *struct{ ID, DisplayName, Email string } `json:"application"`
		User        *struct{ ID, DisplayName, Email string } `json:"user"`
	} `json:"lastModifiedBy"`
	LastModifiedDateTime      string `json:"lastModifiedDateTime"`
	OffboardRequestedDateTime string `json:"offboardRequestedDateTime"`
}

func BenchmarkDecodeUnit(b *testing.B) {
	data := readTestdata(b, "cancel_offboard_200.json")
	b.Run("models", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u ProtectionUnit
			if err := u.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u plainUnit
			if err := json.Unmarshal(data, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kiota-parse-node", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n, err := jsonserialization.NewJsonParseNode(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := n.GetObjectValue(CreateProtectionUnitFromDiscriminatorValue); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// plainPolicy is what a hand-rolled client would decode a policy into with
// encoding/json (no AdditionalData, timestamps as text).
type plainPolicy struct {
	ODataType   string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Status      string `json:"status"`
	IsEnabled   *bool  `json:"isEnabled"`
	CreatedBy   *struct {
		Application *struct{ ID, DisplayName, Email string } `json:"application"`
		User        *struct{ ID, DisplayName, Email string } `json:"user"`
	} `json:"createdBy"`
	CreatedDateTime string `json:"createdDateTime"`
	LastModifiedBy  *struct {
		Application *struct{ ID, DisplayName, Email string } `json:"application"`
		User        *struct{ ID, DisplayName, Email string } `json:"user"`
	} `json:"lastModifiedBy"`
	LastModifiedDateTime string                              `json:"lastModifiedDateTime"`
	RetentionSettings    []struct{ Interval, Period string } `json:"retentionSettings"`
}

// BenchmarkDecodePolicyPage decodes the documented three-policy list page.
func BenchmarkDecodePolicyPage(b *testing.B) {
	data := readTestdata(b, "list_protection_policies.json")
	b.Run("models", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p ProtectionPolicyPage
			if err := p.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p struct {
				NextLink string        `json:"@odata.nextLink"`
				Value    []plainPolicy `json:"value"`
			}
			if err := json.Unmarshal(data, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kiota-parse-node", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n, err := jsonserialization.NewJsonParseNode(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := n.GetObjectValue(CreateProtectionPolicyPageFromDiscriminatorValue); err != nil {
				b.Fatal(err)
			}
		}
	})
}
