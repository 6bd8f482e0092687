// Command backuprestore cancels the offboarding of one protection unit with
// this SDK and azidentity.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/m365kit/backuprestore"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: backuprestore <protection-unit-id>")
		os.Exit(2)
	}
	cred, err := azidentity.NewDeviceCodeCredential(nil)
	if err != nil {
		fail(err)
	}
	c, err := backuprestore.NewClient(cred, nil)
	if err != nil {
		fail(err)
	}
	unit, err := c.ProtectionUnits().ByID(os.Args[1]).CancelOffboard().Post(context.Background(), nil)
	if err != nil {
		fail(err)
	}
	fmt.Println(unit.ID, unit.Status)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
