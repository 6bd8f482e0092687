package backuprestore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity/cache"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
	"github.com/m365kit/backuprestore/models"
)

// A Go service that offboards needs a signed-in admin's (delegated) token:
// offboard and cancelOffboard refuse app-only tokens. An admin signs in
// once (device code here; the browser works alike), the service keeps the
// account's AuthenticationRecord and azidentity's persistent, encrypted
// token cache, and from then on gets tokens silently, renewing them from
// the refresh token. It asks for the Backup Storage scopes it needs, not
// .default. This example runs against the emulated Entra ID of package
// fake/identity; against Microsoft Entra ID, leave out ClientOptions and
// DisableInstanceDiscovery and use your tenant and app registration.
//
// What fails, typed: an app-only token (ErrDelegatedAuthRequired, nothing
// sent); a token without ReadWrite.All (the service's 403, ErrForbidden);
// a sign-in that can no longer get a token silently (ErrCredential
// wrapping *azidentity.AuthenticationRequiredError: an admin must sign in
// again).
func Example_signedInService() {
	ctx := context.Background()
	tenant := startEmulatedTenant()
	defer tenant.close()
	scopes := []string{backuprestore.ScopeConfigurationReadWrite, backuprestore.ScopeControlRead}

	// azidentity/cache encrypts the cache (DPAPI, the macOS keychain, the
	// Linux kernel keyring) and fails where the OS cannot: this example
	// then keeps it in memory.
	tokenCache, err := cache.New(&cache.Options{Name: tenant.cacheName})
	if err != nil {
		tokenCache = azidentity.Cache{}
	}

	// Once, by an admin: sign in and keep the record (it holds no token).
	login, _ := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		TenantID: tenant.id, ClientID: tenant.clientID, Cache: tokenCache,
		ClientOptions: tenant.clientOptions, DisableInstanceDiscovery: true,
		UserPrompt:                     func(context.Context, azidentity.DeviceCodeMessage) error { return nil }, // print m.Message to the admin
		DisableAutomaticAuthentication: true,                                                                     // only Authenticate prompts
	})
	// EnableCAE: the SDK asks for tokens with CAE on, and azidentity keeps
	// CAE and non-CAE tokens in separate caches.
	record, err := login.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: scopes, EnableCAE: true})
	if err != nil {
		fmt.Println("sign-in failed:", err)
		return
	}
	saved, _ := json.Marshal(record)
	_ = os.WriteFile(tenant.recordFile, saved, 0o600)
	fmt.Println("signed in:", record.Username)

	// The service, at every start: the record and the cache, silent only.
	var rec azidentity.AuthenticationRecord
	b, _ := os.ReadFile(tenant.recordFile)
	_ = json.Unmarshal(b, &rec)
	cred, _ := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		TenantID: tenant.id, ClientID: tenant.clientID, Cache: tokenCache, AuthenticationRecord: rec,
		DisableAutomaticAuthentication: true, // a service cannot prompt: fail instead
		ClientOptions:                  tenant.clientOptions, DisableInstanceDiscovery: true,
	})
	if tokenCache == (azidentity.Cache{}) {
		cred = login // no persistent cache: the same credential's memory
	}
	c, _ := backuprestore.NewClient(cred, &backuprestore.Options{BaseURL: tenant.graphURL, HTTPClient: tenant.http, Scopes: scopes})
	unit, err := c.ProtectionUnits().ByID("site-1").CancelOffboard().Post(ctx, nil)
	if err != nil {
		fmt.Println("cancel failed:", err)
		return
	}
	fmt.Println("cancelled the offboarding of", unit.ID+":", unit.Status)

	// An app-only token: refused before anything is sent.
	app, _ := backuprestore.NewClient(fake.NewAppCredential(backuprestore.PermissionConfigurationReadWrite),
		&backuprestore.Options{BaseURL: tenant.graphURL, HTTPClient: tenant.http})
	_, err = app.ProtectionUnits().ByID("site-2").Offboard().Post(ctx, nil)
	fmt.Println("app-only token:", errors.Is(err, backuprestore.ErrDelegatedAuthRequired))

	// A signed-in token that lacks ReadWrite.All: the service's 403.
	reader, _ := backuprestore.NewClient(cred, &backuprestore.Options{BaseURL: tenant.graphURL, HTTPClient: tenant.http,
		Scopes: []string{backuprestore.ScopeConfigurationRead}})
	_, err = reader.ProtectionUnits().ByID("site-2").Offboard().Post(ctx, nil)
	fmt.Println("token without ReadWrite.All:", errors.Is(err, backuprestore.ErrForbidden))

	// The admin's sessions revoked: the service can no longer renew its
	// token silently (the emulated tenant's tokens last a minute, so every
	// request renews one), and says an admin must sign in again.
	tenant.provider.RevokeSessions()
	_, err = c.ServiceStatus(ctx)
	var again *azidentity.AuthenticationRequiredError
	signInAgain := errors.Is(err, backuprestore.ErrCredential) && errors.As(err, &again)
	fmt.Println("sessions revoked, sign in again:", signInAgain)
	// Output:
	// signed in: admin@contoso.onmicrosoft.com
	// cancelled the offboarding of site-1: cancelOffboardRequested
	// app-only token: true
	// token without ReadWrite.All: true
	// sessions revoked, sign in again: true
}

// emulatedTenant is a Graph emulator and an emulated Entra ID on one TLS
// origin, as cmd/emulator -tls -identity -strict-auth serves them.
type emulatedTenant struct {
	provider                          *identity.Provider
	srv                               *httptest.Server
	id, clientID, graphURL, cacheName string
	recordFile                        string
	http                              *http.Client
	clientOptions                     azcore.ClientOptions
	dir                               string
}

func startEmulatedTenant() *emulatedTenant {
	p, err := identity.New(&identity.Options{TokenLifetime: time.Minute})
	if err != nil {
		panic(err)
	}
	graph := fake.NewServer(&fake.Options{StrictAuth: true, TokenVerifier: p.Verify})
	for _, id := range []string{"site-1", "site-2"} {
		if err := graph.AddUnit(fake.Unit{ID: id, SiteID: "contoso.sharepoint.com,1," + id, Status: models.StatusOffboardRequested}); err != nil {
			panic(err)
		}
	}
	srv := httptest.NewTLSServer(identity.Mount(graph, p))
	dir, err := os.MkdirTemp("", "signed-in-service-")
	if err != nil {
		panic(err)
	}
	return &emulatedTenant{
		provider: p, srv: srv, id: p.TenantID(), clientID: p.PublicClientID(), graphURL: srv.URL + "/v1.0",
		cacheName: "backuprestore-example-" + filepath.Base(dir), recordFile: filepath.Join(dir, "record.json"),
		http: srv.Client(), dir: dir,
		clientOptions: azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL + "/"}, Transport: srv.Client()},
	}
}

// close stops the servers and removes the record and the cache files.
func (e *emulatedTenant) close() {
	e.srv.Close()
	_ = os.RemoveAll(e.dir)
	if d, err := os.UserCacheDir(); err == nil {
		for _, n := range []string{e.cacheName, e.cacheName + ".cae"} {
			p := filepath.Join(d, ".IdentityService", n)
			_ = os.Remove(p)
			_ = os.Remove(p + ".lockfile")
		}
	}
}
