package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Environment variables read when -tenant or -client-id is not given.
const (
	EnvTenant   = "AZURE_TENANT_ID"
	EnvClientID = "AZURE_CLIENT_ID"
)

// SignIn is how an example signs in to Microsoft Graph (the -signin flag).
type SignIn string

// The sign-in methods. Both sign in a user (delegated permissions).
const (
	// DeviceCode prints a code to enter at https://microsoft.com/devicelogin,
	// from any device: it works over SSH and in containers.
	DeviceCode SignIn = "device-code"
	// Browser opens the system browser on this machine; the app registration
	// needs the redirect URI http://localhost (mobile and desktop platform).
	Browser SignIn = "browser"
)

// signIns lists the methods, for -signin.
var signIns = []string{string(DeviceCode), string(Browser)}

// Target is where an example sends its calls, chosen by the package rule
// (see the package documentation).
type Target struct {
	// Graph is true for Microsoft Graph, false for the embedded emulator.
	Graph bool
	// Tenant and ClientID are the Entra tenant (ID or domain) and the
	// public client application's ID, when Graph.
	Tenant, ClientID string
	// TenantFrom and ClientIDFrom say where they came from: "-tenant",
	// "-client-id", EnvTenant or EnvClientID.
	TenantFrom, ClientIDFrom string
	// SignIn is the sign-in method, when Graph.
	SignIn SignIn
	// Ignored lists the sign-in settings that -emulator overrode ("-tenant",
	// EnvClientID, …), in the order tenant, client ID, -signin.
	Ignored []string

	cred azcore.TokenCredential
}

// String describes the target for a program's first line of output:
// "the embedded emulator", "the embedded emulator (-emulator: ignoring
// AZURE_TENANT_ID, AZURE_CLIENT_ID)" or "Microsoft Graph (tenant …, from
// -tenant; client ID from AZURE_CLIENT_ID; device-code sign-in)".
func (t Target) String() string {
	if !t.Graph {
		if len(t.Ignored) == 0 {
			return "the embedded emulator"
		}
		return "the embedded emulator (-emulator: ignoring " + strings.Join(t.Ignored, ", ") + ")"
	}
	return fmt.Sprintf("Microsoft Graph (tenant %s, from %s; client ID from %s; %s sign-in)", t.Tenant, t.TenantFrom, t.ClientIDFrom, t.SignIn)
}

// setting is a value and where it came from ("" when absent).
type setting struct{ value, from string }

// present reports whether the setting was given.
func (s setting) present() bool { return s.from != "" }

// lookup reads the flag if it was given (blank: a usage error), else the
// environment variable (blank counts as unset).
func lookup(flagGiven bool, flagName, flagValue, env string) (setting, error) {
	if flagGiven {
		if strings.TrimSpace(flagValue) == "" {
			return setting{}, Usagef("-%s is empty", flagName)
		}
		return setting{flagValue, "-" + flagName}, nil
	}
	if v := os.Getenv(env); strings.TrimSpace(v) != "" {
		return setting{v, env}, nil
	}
	return setting{}, nil
}

// guidPattern is the form of an application (client) ID.
var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$`)

// named writes a setting for a message: -client-id "x" or AZURE_CLIENT_ID="x".
func (s setting) named() string {
	if strings.HasPrefix(s.from, "-") {
		return fmt.Sprintf("%s %q", s.from, s.value)
	}
	return fmt.Sprintf("%s=%q", s.from, s.value)
}

// resolveTarget applies the package rule. prompt receives the device-code
// instructions when the target is Graph. Every error is a *UsageError.
func resolveTarget(emulator bool, tenant, clientID setting, signIn string, signInGiven bool, prompt io.Writer) (Target, error) {
	if emulator {
		var ignored []string
		for _, s := range []setting{tenant, clientID} {
			if s.present() {
				ignored = append(ignored, s.from)
			}
		}
		if signInGiven {
			ignored = append(ignored, "-signin")
		}
		return Target{Ignored: ignored}, nil
	}
	const both = "Microsoft Graph needs both; pass -emulator for the embedded emulator"
	switch {
	case !tenant.present() && !clientID.present():
		if signInGiven {
			return Target{}, Usagef("-signin chooses how to sign in to Microsoft Graph, which needs a tenant and a client ID (-tenant and -client-id, or %s and %s); without them the example runs on the embedded emulator", EnvTenant, EnvClientID)
		}
		return Target{}, nil
	case !clientID.present():
		return Target{}, Usagef("a tenant without a client ID: %s is set, but neither -client-id nor %s; %s", tenant.from, EnvClientID, both)
	case !tenant.present():
		return Target{}, Usagef("a client ID without a tenant: %s is set, but neither -tenant nor %s; %s", clientID.from, EnvTenant, both)
	}
	if !guidPattern.MatchString(clientID.value) {
		return Target{}, Usagef("%s: want the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000", clientID.named())
	}
	t := Target{Graph: true, Tenant: tenant.value, ClientID: clientID.value, TenantFrom: tenant.from, ClientIDFrom: clientID.from, SignIn: SignIn(signIn)}
	cred, err := newCredential(t, prompt)
	if err != nil {
		// Building a credential sends nothing; azidentity fails here only
		// for a malformed tenant.
		return Target{}, Usagef("%s: %w", tenant.named(), err)
	}
	t.cred = cred
	return t, nil
}

// newCredential builds the user sign-in credential t asks for. It sends
// nothing; the sign-in happens at the first token request.
func newCredential(t Target, prompt io.Writer) (azcore.TokenCredential, error) {
	switch t.SignIn {
	case DeviceCode:
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			TenantID: t.Tenant,
			ClientID: t.ClientID,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(prompt, m.Message)
				return err
			},
		})
	case Browser:
		return azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			TenantID: t.Tenant,
			ClientID: t.ClientID,
		})
	}
	return nil, errors.New("unknown sign-in method " + string(t.SignIn))
}
