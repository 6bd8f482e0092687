package backuprestore

import (
	"sync"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

type (
	serializationFactory = serialization.ParsableFactory
	parsable             = serialization.Parsable
)

var registerOnce sync.Once

// registerJSON registers Kiota's JSON parse node factory in the default
// registry, as msgraph-sdk-go does when its client is created.
func registerJSON() {
	registerOnce.Do(func() {
		abs.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory { return jsonserialization.NewJsonParseNodeFactory() })
	})
}
