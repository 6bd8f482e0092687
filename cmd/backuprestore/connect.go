package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// Environment variables read for the defaults of --tenant and --client-id.
const (
	envTenant   = "AZURE_TENANT_ID"
	envClientID = "AZURE_CLIENT_ID"
)

// The endpoint modes.
const (
	modeEmbedded = "emulator"
	modeURL      = "emulator-url"
	modeGraph    = "graph"
)

// endpoint is where a command's calls go: what the global flags chose. A
// run's journal records it, so that resume continues against the same
// service.
type endpoint struct {
	// Mode is modeEmbedded, modeURL or modeGraph.
	Mode string `json:"mode"`
	// URL is the standalone emulator's base URL (modeURL).
	URL string `json:"url,omitempty"`
	// Tenant, ClientID and Auth are the sign-in (modeGraph); Tenant and
	// ClientID may be empty (the credential's defaults).
	Tenant   string `json:"tenant,omitempty"`
	ClientID string `json:"clientId,omitempty"`
	Auth     string `json:"auth,omitempty"`
	// Profile is the saved sign-in used (--auth profile, or an emulator
	// with CAFile); CAFile the emulator's certificate (--emulator-ca).
	Profile string `json:"profile,omitempty"`
	CAFile  string `json:"caFile,omitempty"`
}

// String describes the endpoint for people.
func (e endpoint) String() string {
	switch e.Mode {
	case modeEmbedded:
		return "the embedded emulator"
	case modeURL:
		return "the emulator at " + e.URL
	}
	if e.Auth == authProfile {
		return "Microsoft Graph (profile " + e.Profile + ")"
	}
	s := "Microsoft Graph"
	if e.Tenant != "" {
		s += ", tenant " + e.Tenant
	}
	return s + " (--auth " + e.Auth + ")"
}

// endpoint returns the endpoint the global flags name.
func (a *app) endpoint() endpoint {
	switch {
	case a.g.emulator:
		return endpoint{Mode: modeEmbedded}
	case a.g.emulatorURL != "":
		ep := endpoint{Mode: modeURL, URL: a.g.emulatorURL, CAFile: a.g.emulatorCA}
		if ep.CAFile != "" {
			ep.Profile = a.profileName()
		}
		return ep
	}
	ep := endpoint{Mode: modeGraph, Tenant: orEnv(a.g.tenant, a.getenv(envTenant)),
		ClientID: orEnv(a.g.clientID, a.getenv(envClientID)), Auth: a.g.auth}
	if ep.Auth == authProfile {
		ep.Profile = a.profileName()
	}
	return ep
}

// orEnv returns v, or def when v is empty.
func orEnv(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// embeddedUnits is how many units the embedded emulator is seeded with.
const embeddedUnits = 60

// embeddedRemovalDelay is how long a removal takes in the embedded
// emulator: short, so that an offboarding run completes in a demo.
const embeddedRemovalDelay = 2 * time.Second

// embeddedDirectory is how many sites and people the embedded emulator's
// tenant has outside any policy.
const embeddedDirectory = 200

// newEmbeddedEmulator returns the emulator --emulator runs against: seeded
// with embeddedUnits units and six policies, its clock running from
// fake.DefaultStart. The start is fixed because the seeded units depend on
// it as well as on the seed: every invocation must see the same units, so
// that an ID listed by one can be offboarded by the next.
func newEmbeddedEmulator() *fake.Server {
	srv := fake.NewServer(&fake.Options{
		Start: fake.DefaultStart, RealTimeClock: true,
		RemovalDelay: embeddedRemovalDelay, JobDelay: embeddedRemovalDelay, RuleDelay: embeddedRemovalDelay,
	})
	seedEmbedded(srv)
	return srv
}

// embeddedPeople are the embedded emulator's people with both a OneDrive
// and a mailbox, each protected by the enabled policy of its workload (the
// seeded units have one each): what --user takes, as the examples show.
var embeddedPeople = []struct{ name, email, objectID, driveID, mailboxID string }{
	{"Adele Vance", "AdeleV@contoso.onmicrosoft.com", "7c5e2f6a-0b1d-4e8f-9a3c-5d6e7f8a9b01",
		"a1d3c5e7-0f2b-4d6e-8a9c-1b3d5f7a9c01", "b2e4d6f8-1a3c-4e7f-9b0d-2c4e6a8b0d02"},
	{"Alex Wilber", "AlexW@contoso.onmicrosoft.com", "8d6f3a7b-1c2e-4f90-ab4d-6e7f8a9b0c12",
		"c3f5e7a9-2b4d-4f8a-8c1e-3d5f7b9d1e03", "d4a6f8b0-3c5e-4a9b-9d2f-4e6a8c0e2f04"},
}

// seedEmbedded seeds an emulator as --emulator's: embeddedUnits seeded
// units and six policies, embeddedDirectory sites and people that no
// policy protects yet (project-site-1 …, person1@contoso.onmicrosoft.com …,
// for onboard and rules), and embeddedPeople.
func seedEmbedded(srv *fake.Server) {
	srv.Seed(embeddedUnits)
	srv.SeedDirectory(embeddedDirectory)
	policy := map[models.PolicyKind]string{}
	for _, p := range srv.Policies() {
		if _, ok := policy[p.Kind]; !ok && p.IsEnabled {
			policy[p.Kind] = p.ID
		}
	}
	for _, p := range embeddedPeople {
		for _, u := range []fake.Unit{
			{ID: p.driveID, Kind: models.KindDrive, Status: models.StatusProtected, PolicyID: policy[models.PolicyKindOneDrive],
				DirectoryObjectID: p.objectID, DisplayName: p.name, Email: p.email},
			{ID: p.mailboxID, Kind: models.KindMailbox, Status: models.StatusProtected, PolicyID: policy[models.PolicyKindExchange],
				DirectoryObjectID: p.objectID, DisplayName: p.name, Email: p.email},
		} {
			if err := srv.AddUnit(u); err != nil {
				panic("backuprestore: the embedded emulator's people: " + err.Error())
			}
		}
	}
}

// emulatorToken is the opaque bearer token sent to a standalone emulator,
// which counts it as delegated BackupRestore-Configuration.ReadWrite.All
// and BackupRestore-Control.Read.All (unless it runs with -strict-auth).
const emulatorToken = "backuprestore-cli-emulator-token"

// connect returns a client for the endpoint.
func (a *app) connect(ctx context.Context, ep endpoint) (*backuprestore.Client, error) {
	opts := &backuprestore.Options{Logger: a.log}
	var cred azcore.TokenCredential
	switch ep.Mode {
	case modeEmbedded:
		newSrv := a.embedded
		if newSrv == nil {
			newSrv = newEmbeddedEmulator
		}
		srv := newSrv()
		opts.BaseURL, opts.HTTPClient = fake.DefaultBaseURL, srv.Client()
		if a.wrapTransport != nil {
			opts.HTTPClient = &http.Client{Transport: a.wrapTransport(srv.Transport())}
		}
		cred = a.embeddedCred
		if cred == nil {
			cred = fake.NewDelegatedCredential()
		}
		// The operator, for a run's audit; a failing credential fails
		// later, on the first request, as it would against Graph.
		if tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeDefault}}); err == nil {
			a.noteOperator(tok.Token)
		}
	case modeURL:
		if err := checkEmulatorURL(ep.URL); err != nil {
			return nil, err
		}
		opts.BaseURL = strings.TrimSuffix(ep.URL, "/")
		cred = fake.NewOpaqueCredential(emulatorToken)
		if ep.CAFile != "" {
			// An emulator playing Entra ID (-tls -identity): its sign-in.
			var err error
			if cred, opts.HTTPClient, opts.Scopes, err = a.savedCredential(ctx, ep, opts.BaseURL); err != nil {
				return nil, err
			}
		}
	case modeGraph:
		var err error
		if ep.Auth == authProfile {
			if cred, opts.HTTPClient, opts.Scopes, err = a.savedCredential(ctx, ep, graphBaseURL); err != nil {
				return nil, err
			}
			break
		}
		if cred, err = a.credential(ctx, ep); err != nil {
			return nil, err
		}
		scopes := []string{backuprestore.ScopeDefault}
		if ep.Auth != "azurecli" {
			scopes = a.scopesFor()
			opts.Scopes = scopes
		}
		if err := a.checkCredential(ctx, cred, ep, scopes); err != nil {
			return nil, err
		}
	}
	c, err := backuprestore.NewClient(cred, opts)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	a.log.Debug("connected", "endpoint", ep.String())
	return c, nil
}

// checkEmulatorURL checks --emulator-url: an http(s) URL with a host.
func checkEmulatorURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErrorf("--emulator-url %q is not an http(s) URL (the emulator prints it first, e.g. http://127.0.0.1:8080/v1.0)", s)
	}
	return nil
}

// credential returns the credential --auth names.
func (a *app) credential(_ context.Context, ep endpoint) (azcore.TokenCredential, error) {
	var cred azcore.TokenCredential
	var err error
	switch ep.Auth {
	case "devicecode":
		cred, err = azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			TenantID: ep.Tenant, ClientID: orEnv(ep.ClientID, defaultClientID),
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(a.err, m.Message)
				return err
			},
		})
	case "browser":
		cred, err = azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			TenantID: ep.Tenant, ClientID: orEnv(ep.ClientID, defaultClientID),
		})
	default:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: ep.Tenant})
	}
	if err != nil {
		return nil, withCode(exitAuth, fmt.Errorf("--auth %s: %w", ep.Auth, err))
	}
	return cred, nil
}
