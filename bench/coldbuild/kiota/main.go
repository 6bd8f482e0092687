// Command kiota cancels the offboarding of one protection unit with Kiota
// (abstractions, the net/http adapter, JSON serialization, Azure Identity
// authentication) and azidentity, without generated models: the build-cost
// baseline of issue 7.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	azauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kiota <protection-unit-id>")
		os.Exit(2)
	}
	cred, err := azidentity.NewDeviceCodeCredential(nil)
	if err != nil {
		fail(err)
	}
	auth, err := azauth.NewAzureIdentityAuthenticationProviderWithScopes(cred, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		fail(err)
	}
	adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactory(auth,
		jsonserialization.NewJsonParseNodeFactory(), jsonserialization.NewJsonSerializationWriterFactory())
	if err != nil {
		fail(err)
	}
	adapter.SetBaseUrl("https://graph.microsoft.com/v1.0")
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.POST,
		"{+baseurl}/solutions/backupRestore/protectionUnits/{id}/cancelOffboard",
		map[string]string{"baseurl": adapter.GetBaseUrl(), "id": os.Args[1]})
	ri.Headers.Add("Accept", "application/json")
	ri.Headers.Add("Prefer", "include-unknown-enum-members")
	res, err := adapter.SendPrimitive(context.Background(), ri, "[]byte", nil)
	if err != nil {
		fail(err)
	}
	body, _ := res.([]byte)
	var unit struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &unit); err != nil {
		fail(err)
	}
	fmt.Println(unit.ID, unit.Status)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
