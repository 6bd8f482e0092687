package backuprestore

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
)

// Cloud is a Microsoft Graph deployment.
type Cloud int

// The Graph deployments. Only CloudGlobal hosts the Backup Storage API;
// NewClient fails with ErrUnsupportedCloud for the others.
const (
	// CloudGlobal is the global service, https://graph.microsoft.com (the default).
	CloudGlobal Cloud = iota
	// CloudUSGovL4 is US Government L4 (GCC High), https://graph.microsoft.us.
	CloudUSGovL4
	// CloudUSGovL5 is US Government L5 (DoD), https://dod-graph.microsoft.us.
	CloudUSGovL5
	// CloudChina is Microsoft Graph China operated by 21Vianet.
	CloudChina
)

// String names the cloud.
func (c Cloud) String() string {
	switch c {
	case CloudGlobal:
		return "global"
	case CloudUSGovL4:
		return "US Government L4"
	case CloudUSGovL5:
		return "US Government L5 (DoD)"
	case CloudChina:
		return "China (21Vianet)"
	}
	return fmt.Sprintf("Cloud(%d)", int(c))
}

// nationalGraphHosts are the Graph hosts of the national clouds, where the
// Backup Storage API does not exist.
var nationalGraphHosts = map[string]Cloud{
	"graph.microsoft.us":              CloudUSGovL4,
	"dod-graph.microsoft.us":          CloudUSGovL5,
	"microsoftgraph.chinacloudapi.cn": CloudChina,
}

const (
	defaultBaseURL = "https://graph.microsoft.com/v1.0"
	defaultScope   = "https://graph.microsoft.com/.default"
	// permissionReadWrite is the only permission offboard and cancelOffboard accept.
	permissionReadWrite = "BackupRestore-Configuration.ReadWrite.All"
)

// checkCloud fails with ErrUnsupportedCloud for a national cloud, whether
// named by Options.Cloud or by a national Graph host in the base URL.
func checkCloud(c Cloud, base *url.URL) error {
	if c != CloudGlobal {
		return fmt.Errorf("%w: %s (the API is available only in the global service)", ErrUnsupportedCloud, c)
	}
	if nc, ok := nationalGraphHosts[strings.ToLower(base.Hostname())]; ok {
		return fmt.Errorf("%w: base URL %s is in %s", ErrUnsupportedCloud, base.Host, nc)
	}
	return nil
}

// parseBaseURL validates Options.BaseURL: absolute, https, or plain http
// only to a loopback host (for emulators and tests), no query or fragment,
// no user info.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("backuprestore: invalid BaseURL: %w", err)
	}
	switch {
	case u.Host == "" || u.Scheme == "":
		return nil, fmt.Errorf("backuprestore: BaseURL %q must be absolute", raw)
	case u.User != nil:
		return nil, errors.New("backuprestore: BaseURL must not carry user info")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("backuprestore: BaseURL %q must not have a query or fragment", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("backuprestore: BaseURL %q: plain http is allowed only to a loopback host; the bearer token must not cross the network unencrypted", raw)
		}
	default:
		return nil, fmt.Errorf("backuprestore: BaseURL %q: scheme must be https", raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newAuthProvider wires kiota-authentication-azure-go with explicit scopes
// (Kiota would otherwise derive "<scheme>://<host>/.default" from whatever
// host it is calling) and an explicit allowed-hosts list holding only the
// base URL's host, so the token goes nowhere else. Kiota's host check
// ignores the port and silently sends no token to other hosts; the client's
// guard middleware adds the port check and fails loudly.
func newAuthProvider(cred azcore.TokenCredential, scopes []string, base *url.URL) (absauth.AuthenticationProvider, error) {
	provider, err := kauth.NewAzureIdentityAccessTokenProviderWithScopesAndValidHosts(&credentialGuard{cred: cred}, scopes, []string{base.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("backuprestore: configuring authentication: %w", err)
	}
	return absauth.NewBaseBearerTokenAuthenticationProvider(provider), nil
}
