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
