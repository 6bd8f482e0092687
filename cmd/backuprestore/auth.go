package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/m365kit/backuprestore/internal/token"
)

// authProfile is --auth's default: the saved sign-in of --profile.
const authProfile = "profile"

// graphBaseURL is Microsoft Graph's base URL, the one a profile made
// without --emulator-url is for.
const graphBaseURL = "https://graph.microsoft.com/v1.0"

// envProfile names the default of --profile.
const envProfile = "BACKUPRESTORE_PROFILE"

// addAuthFlags defines the sign-in's global flags.
func (a *app) addAuthFlags(f *pflag.FlagSet) {
	f.StringVar(&a.g.profile, "profile", "", "the saved sign-in to use (`NAME`; default $"+envProfile+", else \"default\")")
	f.StringVar(&a.g.emulatorCA, "emulator-ca", "", "trust this certificate `FILE` (the emulator's -tls-cert-out) and sign in to the emulator's Entra ID (-tls -identity)")
	f.BoolVar(&a.g.allowUnencryptedCache, "allow-unencrypted-cache", false, "auth login: where the OS offers no protected storage, keep the tokens in a file (mode 0600) NOT encrypted")
}

// checkAuthFlags checks the sign-in flags.
func (a *app) checkAuthFlags() error {
	if a.g.emulatorCA != "" && a.g.emulatorURL == "" {
		return usageErrorf("--emulator-ca is for an emulator: use it with --emulator-url https://…/v1.0")
	}
	if a.g.emulatorCA != "" && !strings.HasPrefix(a.g.emulatorURL, "https://") {
		return usageErrorf("--emulator-ca needs an https --emulator-url (start the emulator with -tls -identity)")
	}
	if n := a.profileName(); !profileName.MatchString(n) {
		return usageErrorf("--profile %q: use letters, digits, '.', '_' or '-' (at most 64)", n)
	}
	return nil
}

// profileName is --profile, else $BACKUPRESTORE_PROFILE, else "default".
func (a *app) profileName() string {
	return orEnv(a.g.profile, orEnv(a.getenv(envProfile), defaultProfile))
}

// authCommand is "auth login|status|logout".
func (a *app) authCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Sign in once (auth login), see the sign-in (auth status), forget it (auth logout)",
		Long: `Sign in to Microsoft Graph once per profile; later commands sign in silently.

auth login opens the browser (auth code + PKCE on a loopback redirect) or,
with --device-code, prints a code to enter on another device. It saves the
account's AuthenticationRecord, the tenant and the client in the user's
config directory (mode 0600), and the tokens in azidentity's persistent
cache, encrypted by the OS (Windows DPAPI, the macOS keychain, a key in the
Linux kernel keyring). Where the OS offers no protection it refuses, unless
--allow-unencrypted-cache accepts a plain file (mode 0600).

The client is --client-id, $AZURE_CLIENT_ID, or Microsoft Graph Command Line
Tools (` + defaultClientID + `), which an administrator can consent
BackupRestore-* permissions to; your own app registration is better (see
docs/sign-in.md).

` + exitCodesHelp,
	}
	cmd.AddCommand(a.authLoginCommand(), a.authStatusCommand(), a.authLogoutCommand())
	return cmd
}

// authLoginCommand is "auth login".
func (a *app) authLoginCommand() *cobra.Command {
	var device, readOnly bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in (browser, or --device-code) and save the sign-in for later commands",
		Example: `  backuprestore auth login --tenant contoso.onmicrosoft.com
  backuprestore auth login --device-code --profile prod --tenant contoso.onmicrosoft.com --client-id 00000000-…
  backuprestore --emulator-url https://127.0.0.1:8443/v1.0 --emulator-ca emulator.pem auth login --device-code`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.authLogin(cmd.Context(), device, readOnly) },
	}
	cmd.Flags().BoolVar(&device, "device-code", false, "sign in with a code entered on another device (SSH, headless machines)")
	cmd.Flags().BoolVar(&readOnly, "read-only", false, "ask only for the read permissions (no offboarding)")
	return cmd
}

// authLogin signs in and saves the profile.
func (a *app) authLogin(ctx context.Context, device, readOnly bool) error {
	a.need = permRead
	if a.g.emulator {
		return usageErrorf("auth login signs in to Microsoft Graph or an emulator playing Entra ID (--emulator-url https://… --emulator-ca FILE); the embedded emulator needs no sign-in")
	}
	if a.g.emulatorURL != "" && a.g.emulatorCA == "" {
		return usageErrorf("auth login against an emulator needs --emulator-ca (its -tls-cert-out file; start it with -tls -identity)")
	}
	name := a.profileName()
	p := &profile{Name: name, AuthorityHost: defaultAuthorityHost, GraphURL: graphBaseURL, CAFile: a.g.emulatorCA,
		TenantID: orEnv(a.g.tenant, orEnv(a.getenv(envTenant), defaultTenant)), ClientID: orEnv(a.g.clientID, orEnv(a.getenv(envClientID), defaultClientID)),
		Method: "browser", Scopes: loginScopes(readOnly), CacheName: cacheNameFor(name) + "-" + randomSuffix()}
	if device {
		p.Method = "device-code"
	}
	if a.g.emulatorURL != "" {
		hc, err := httpClient(a.g.emulatorCA)
		if err != nil {
			return err
		}
		host, tenant, client, err := emulatorIdentity(ctx, hc, a.g.emulatorURL)
		if err != nil {
			return err
		}
		p.AuthorityHost, p.GraphURL = host, strings.TrimSuffix(a.g.emulatorURL, "/")
		p.TenantID, p.ClientID = orEnv(a.g.tenant, tenant), orEnv(a.g.clientID, client)
	}
	if _, err := a.openPersistentCache(p.CacheName); err != nil {
		if !a.g.allowUnencryptedCache {
			return cacheRefusal(err)
		}
		p.UnencryptedCache = true
		a.notef("Warning: the OS offers no protected storage here (%v); as --allow-unencrypted-cache asks, the tokens are kept in a file readable only by you (mode 0600), NOT encrypted.\n", err)
	}
	s, err := a.newSignIn(p, true, device)
	if err != nil {
		return err
	}
	if !device {
		a.notef("Opening the browser to sign in to %s (tenant %s)… If no browser opens, use auth login --device-code.\n", p.AuthorityHost, p.TenantID)
	}
	lctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	s.tr.reset()
	rec, err := s.cred.Authenticate(lctx, &policy.TokenRequestOptions{Scopes: p.Scopes, EnableCAE: true})
	switch {
	case err != nil && lctx.Err() != nil && ctx.Err() == nil:
		return withCode(exitAuth, fmt.Errorf("the sign-in was not completed within %s; nothing was saved. Run auth login again", loginTimeout))
	case err != nil && device && (errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), context.DeadlineExceeded.Error())):
		// MSAL stops polling when the device code's expires_in passed.
		return withCode(exitAuth, errors.New("the device code expired before the sign-in was approved; nothing was saved. Run auth login --device-code again and enter the code sooner"))
	case err != nil:
		return s.explain(err, p.Scopes, true)
	}
	p.Record, p.SignedInAt = rec, time.Now().UTC()
	old, _, _ := loadProfile(a.getenv, name)
	path, err := p.save(a.getenv)
	if err != nil {
		return withCode(exitAuth, fmt.Errorf("saving the sign-in: %w", err))
	}
	if old != nil && old.CacheName != p.CacheName {
		removeCache(a.getenv, old)
	}
	fmt.Fprintf(a.out, "Signed in as %s (tenant %s) with client %s.\nProfile %q saved in %s; tokens %s.\n",
		rec.Username, rec.TenantID, p.ClientID, name, path, cacheDescription(p, a.getenv))
	return nil
}

// authStatusCommand is "auth status".
func (a *app) authStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the saved sign-in: account, tenant, client, scopes granted, expiry, the commands it allows",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.authStatus(cmd.Context()) },
	}
}

// authStatus prints the profile and what its token allows, getting a
// token silently for each permission.
func (a *app) authStatus(ctx context.Context) error {
	name := a.profileName()
	p, path, err := loadProfile(a.getenv, name)
	if errors.Is(err, errNoProfile) {
		return withCode(exitAuth, fmt.Errorf("not signed in (profile %q): run backuprestore auth login", name))
	}
	if err != nil {
		return withCode(exitAuth, err)
	}
	w := a.out
	fmt.Fprintf(w, "Profile:     %s (%s)\n", p.Name, path)
	fmt.Fprintf(w, "Account:     %s\n", p.Record.Username)
	fmt.Fprintf(w, "Tenant:      %s\n", p.Record.TenantID)
	fmt.Fprintf(w, "Client:      %s\n", p.ClientID)
	fmt.Fprintf(w, "Authority:   %s\n", p.AuthorityHost)
	fmt.Fprintf(w, "Graph:       %s\n", p.GraphURL)
	fmt.Fprintf(w, "Signed in:   %s (%s)\n", p.SignedInAt.Local().Format(time.RFC3339), p.Method)
	fmt.Fprintf(w, "Token cache: %s\n", cacheDescription(p, a.getenv))
	if a.g.emulatorCA != "" {
		p.CAFile = a.g.emulatorCA
	}
	s, err := a.newSignIn(p, false, false)
	if err != nil {
		return err
	}
	var granted []string
	var expires time.Time
	var refused []string
	for _, scope := range loginScopes(false) {
		tok, err := s.token(ctx, []string{scope})
		if err != nil {
			ee, _ := s.tr.lastError()
			if ee == nil || !(ee.has(65001) || ee.Suberror == "consent_required") {
				return s.explain(err, []string{scope}, false)
			}
			refused = append(refused, permissionOf(scope))
			continue
		}
		c, _ := token.Parse(tok.Token)
		for _, g := range strings.Fields(c.Scp) {
			if !containsFold(granted, g) {
				granted = append(granted, g)
			}
		}
		if expires.IsZero() || tok.ExpiresOn.Before(expires) {
			expires = tok.ExpiresOn
		}
	}
	fmt.Fprintf(w, "Scopes:      %s\n", strings.Join(granted, ", "))
	if len(refused) > 0 {
		fmt.Fprintf(w, "Refused:     %s (not consented: %s)\n", strings.Join(refused, ", "), adminConsentURL(p.AuthorityHost, p.TenantID, p.ClientID))
	}
	if !expires.IsZero() {
		fmt.Fprintf(w, "Expires:     %s (in %s; renewed silently)\n", expires.Local().Format(time.RFC3339), time.Until(expires).Round(time.Second))
	}
	allowed, denied := allowedCommands(granted)
	fmt.Fprintf(w, "Allows:      %s\n", strings.Join(allowed, "; "))
	if len(denied) > 0 {
		fmt.Fprintf(w, "Not allowed: %s\n", strings.Join(denied, "; "))
	}
	return nil
}

// containsFold reports whether list holds s, case-insensitively.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// authLogoutCommand is "auth logout".
func (a *app) authLogoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the saved sign-in of --profile and delete its token cache",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			name := a.profileName()
			p, path, err := loadProfile(a.getenv, name)
			if errors.Is(err, errNoProfile) {
				fmt.Fprintf(a.out, "Not signed in (profile %q): nothing to do.\n", name)
				return nil
			}
			if err != nil {
				return withCode(exitAuth, err)
			}
			removeCache(a.getenv, p)
			if err := os.Remove(path); err != nil {
				return withCode(exitAuth, fmt.Errorf("removing %s: %w", path, err))
			}
			fmt.Fprintf(a.out, "Signed out %s (profile %q): removed %s and its token cache.\n", p.Record.Username, name, path)
			return nil
		},
	}
}

// removeCache deletes a profile's token cache files. (On macOS the
// encrypted cache's data is a keychain item the files only lock; it stays,
// unreferenced: every sign-in uses a new cache name.)
func removeCache(getenv func(string) string, p *profile) {
	var files []string
	if p.UnencryptedCache {
		if path, err := unencryptedCachePath(getenv, p.CacheName); err == nil {
			files = append(files, path, path+".lockfile")
		}
	} else {
		files = encryptedCacheFiles(p.CacheName)
	}
	for _, f := range files {
		_ = os.Remove(f)
	}
}
