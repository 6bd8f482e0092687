// Package signin decides where an example program sends its calls, the
// embedded emulator or real Microsoft Graph, and builds the device-code
// credential for the latter.
//
// The rule, the same in every example:
//
//   - -tenant or -client-id on the command line selects Microsoft Graph; both
//     are then required (a missing one is taken from AZURE_TENANT_ID or
//     AZURE_CLIENT_ID).
//   - With neither flag, Microsoft Graph is selected only when both
//     AZURE_TENANT_ID and AZURE_CLIENT_ID are set; one of them alone (common
//     on machines set up for the Azure CLI) leaves the emulator in charge.
//   - -emulator always selects the emulator.
package signin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Environment variables read for the defaults of -tenant and -client-id.
const (
	EnvTenant   = "AZURE_TENANT_ID"
	EnvClientID = "AZURE_CLIENT_ID"
)

// ErrIncomplete is returned by Flags.Graph when Microsoft Graph was asked
// for without both a tenant and a client ID.
var ErrIncomplete = errors.New("-tenant and -client-id go together (or set " + EnvTenant + " and " + EnvClientID + ")")

// Flags are the sign-in flags of an example: -tenant, -client-id and
// -emulator.
type Flags struct {
	fs       *flag.FlagSet
	tenant   string
	clientID string
	emulator bool
}

// Register adds -tenant, -client-id and -emulator to fs. Read the result
// after fs.Parse.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	fs.StringVar(&f.tenant, "tenant", "", "Entra tenant ID: call real Microsoft Graph (default $"+EnvTenant+"; without it, the embedded emulator)")
	fs.StringVar(&f.clientID, "client-id", "", "public client application ID for the device-code sign-in (default $"+EnvClientID+")")
	fs.BoolVar(&f.emulator, "emulator", false, "use the embedded emulator even when "+EnvTenant+" and "+EnvClientID+" are set")
	return f
}

// Graph reports whether the example should call real Microsoft Graph, per
// the package rule. It fails with ErrIncomplete when -tenant or -client-id
// was given but the other is missing from both the flags and the
// environment. Call it after fs.Parse.
func (f *Flags) Graph() (bool, error) {
	if f.emulator {
		return false, nil
	}
	explicit := false
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "tenant" || fl.Name == "client-id" {
			explicit = true
		}
	})
	tenant, clientID := f.Tenant(), f.ClientID()
	switch {
	case tenant != "" && clientID != "":
		return true, nil
	case explicit:
		return false, ErrIncomplete
	default:
		return false, nil
	}
}

// Tenant is -tenant, or AZURE_TENANT_ID when the flag is empty.
func (f *Flags) Tenant() string { return orEnv(f.tenant, EnvTenant) }

// ClientID is -client-id, or AZURE_CLIENT_ID when the flag is empty.
func (f *Flags) ClientID() string { return orEnv(f.clientID, EnvClientID) }

func orEnv(v, env string) string {
	if v != "" {
		return v
	}
	return os.Getenv(env)
}

// Credential returns a device-code credential for the tenant and client ID,
// printing the sign-in instructions to out. It fails with ErrIncomplete
// when either is missing, and otherwise only as azidentity does.
func (f *Flags) Credential(out io.Writer) (azcore.TokenCredential, error) {
	tenant, clientID := f.Tenant(), f.ClientID()
	if tenant == "" || clientID == "" {
		return nil, ErrIncomplete
	}
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		TenantID: tenant,
		ClientID: clientID,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			_, err := fmt.Fprintln(out, m.Message)
			return err
		},
	})
	if err != nil {
		return nil, fmt.Errorf("device-code credential: %w", err)
	}
	return cred, nil
}
