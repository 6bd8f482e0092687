// Command msgraph cancels the offboarding of one protection unit with
// msgraph-sdk-go and azidentity.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/solutions"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: msgraph <protection-unit-id>")
		os.Exit(2)
	}
	cred, err := azidentity.NewDeviceCodeCredential(nil)
	if err != nil {
		fail(err)
	}
	client, err := msgraphsdk.NewGraphServiceClientWithCredentials(cred, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		fail(err)
	}
	headers := abs.NewRequestHeaders()
	headers.Add("Prefer", "include-unknown-enum-members")
	unit, err := client.Solutions().BackupRestore().ProtectionUnits().ByProtectionUnitBaseId(os.Args[1]).CancelOffboard().
		Post(context.Background(), &solutions.BackupRestoreProtectionUnitsItemCancelOffboardRequestBuilderPostRequestConfiguration{Headers: headers})
	var oe *odataerrors.ODataError
	switch {
	case errors.As(err, &oe) && oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetCode() != nil:
		// (*ODataError).Error panics when the body has no message.
		fail(fmt.Errorf("status %d, code %s", oe.ResponseStatusCode, *oe.GetErrorEscaped().GetCode()))
	case err != nil:
		fail(err)
	case unit == nil || unit.GetId() == nil || unit.GetStatus() == nil:
		fail(errors.New("no unit in the response"))
	}
	fmt.Println(*unit.GetId(), unit.GetStatus().String())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
