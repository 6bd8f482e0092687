package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
)

// identityFlags are the flags of HTTPS and the emulated Entra ID.
type identityFlags struct {
	tls           bool
	certOut       string
	identity      bool
	manualApprove bool
	tokenLifetime time.Duration
	codeLifetime  time.Duration
	// provider is the emulated Entra ID, once built (-identity).
	provider *identity.Provider
}

// addIdentityFlags defines -tls, -tls-cert-out and the -identity flags on fs.
func addIdentityFlags(fs *flag.FlagSet) *identityFlags {
	f := &identityFlags{}
	fs.BoolVar(&f.tls, "tls", false, "serve HTTPS with a self-signed certificate (127.0.0.1, ::1, localhost and the -listen host)")
	fs.StringVar(&f.certOut, "tls-cert-out", "", "write the self-signed certificate (PEM) to `FILE`, for clients to trust (-tls)")
	fs.BoolVar(&f.identity, "identity", false, "also play Microsoft Entra ID on the same port (needs -tls): device code, auth code + PKCE, token grants; GET /_emulator/identity says how to sign in")
	fs.BoolVar(&f.manualApprove, "identity-manual-approve", false, "leave device codes pending until POST /_emulator/identity/device?user_code=…&approve=true|false (-identity)")
	fs.DurationVar(&f.codeLifetime, "identity-device-code-lifetime", identity.DefaultDeviceCodeLifetime, "how long a device code can be approved (-identity)")
	fs.DurationVar(&f.tokenLifetime, "identity-token-lifetime", identity.DefaultTokenLifetime, "lifetime of the access tokens (-identity); under 5m, MSAL redeems the refresh token on every request")
	return f
}

// check validates the flags' combination (a usage error otherwise).
func (f *identityFlags) check(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	switch {
	case f.certOut != "" && !f.tls:
		return errors.New("-tls-cert-out needs -tls")
	case f.identity && !f.tls:
		return errors.New("-identity needs -tls: MSAL and azidentity accept only an https authority")
	case (set["identity-manual-approve"] || set["identity-token-lifetime"] || set["identity-device-code-lifetime"]) && !f.identity:
		return errors.New("-identity-manual-approve, -identity-token-lifetime and -identity-device-code-lifetime need -identity")
	case f.tokenLifetime <= 0 || f.codeLifetime <= 0:
		return errors.New("-identity-token-lifetime and -identity-device-code-lifetime must be positive")
	}
	return nil
}

// configure builds the emulated Entra ID (-identity) and, with -strict-auth,
// makes the Graph emulator accept only the tokens it signs.
func (f *identityFlags) configure(opts *fake.Options) error {
	if !f.identity {
		return nil
	}
	p, err := identity.New(&identity.Options{ManualApprove: f.manualApprove, TokenLifetime: f.tokenLifetime, DeviceCodeLifetime: f.codeLifetime})
	if err != nil {
		return err
	}
	f.provider = p
	if opts.StrictAuth {
		opts.TokenVerifier = p.Verify
	}
	return nil
}

// wrap returns the handler and listener to serve: the Graph emulator, with
// the emulated Entra ID in front of it (-identity), over TLS (-tls), and
// the URL scheme. It writes the certificate to -tls-cert-out.
func (f *identityFlags) wrap(graph http.Handler, ln net.Listener) (http.Handler, net.Listener, string, error) {
	h := graph
	if f.provider != nil {
		h = identity.Mount(graph, f.provider)
	}
	if !f.tls {
		return h, ln, "http", nil
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	cert, pemBytes, err := identity.NewCertificate(host)
	if err != nil {
		return nil, nil, "", fmt.Errorf("-tls: %w", err)
	}
	if f.certOut != "" {
		if err := os.WriteFile(f.certOut, pemBytes, 0o644); err != nil {
			return nil, nil, "", fmt.Errorf("-tls-cert-out: %w", err)
		}
	}
	return h, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), "https", nil
}

// describe prints how to sign in to the emulated Entra ID.
func (f *identityFlags) describe(w io.Writer, origin string) {
	if f.provider == nil {
		return
	}
	p := f.provider
	fmt.Fprintf(w, "Entra ID emulated: authority host %s/, tenant %s, public client %s, user %s; GET %s%s\n",
		origin, p.TenantID(), p.PublicClientID(), p.User().UserPrincipalName, origin, identity.ControlPath)
}

// identityUsage prints the control API of the emulated Entra ID.
func identityUsage(w io.Writer) {
	fmt.Fprint(w, "\nEmulated Entra ID control API (-identity):\n")
	for _, ep := range identity.ControlEndpoints() {
		fmt.Fprintf(w, "  %-6s %-31s %s\n", ep.Method, ep.Path, ep.Description)
		if ep.Query != "" {
			fmt.Fprintf(w, "  %-6s %-31s   query: %s\n", "", "", ep.Query)
		}
		if ep.Body != "" {
			fmt.Fprintf(w, "  %-6s %-31s   body: %s\n", "", "", ep.Body)
		}
	}
}
