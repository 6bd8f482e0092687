package identity_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/identity"
)

// tokenPath and devicePath are the endpoints under the env's tenant.
func (e *env) path(endpoint string) string {
	return "/" + e.p.TenantID() + "/oauth2/v2.0/" + endpoint
}

// deviceCode asks for a device code and returns it (the test fails
// otherwise).
func (e *env) deviceCode(t *testing.T, scope string) (deviceCode, userCode string) {
	t.Helper()
	status, m := e.post(t, e.path("devicecode"), url.Values{"client_id": {e.p.PublicClientID()}, "scope": {scope}})
	require.Equal(t, 200, status, "%v", m)
	require.IsType(t, float64(0), m["expires_in"], "a JSON number, as MSAL decodes it")
	require.IsType(t, float64(0), m["interval"])
	return m["device_code"].(string), m["user_code"].(string)
}

// pollDevice redeems a device code.
func (e *env) pollDevice(t *testing.T, dc, scope string) (int, map[string]any) {
	t.Helper()
	return e.post(t, e.path("token"), url.Values{"grant_type": {"device_code"}, "client_id": {e.p.PublicClientID()}, "device_code": {dc}, "scope": {scope}, "client_info": {"1"}})
}

// Every error path of the protocol answers as Entra ID does: the HTTP
// status, the OAuth error, the AADSTS code at the start of the
// description (and in error_codes), suberror consent_required for a
// missing consent.
func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	rw, read := graphScope(identity.ScopeConfigurationReadWrite), graphScope(identity.ScopeConfigurationRead)
	tests := []struct {
		name   string
		opts   *identity.Options
		do     func(t *testing.T, e *env) (int, map[string]any)
		status int
		err    string
		code   string
	}{
		{"unknown tenant", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, "/fabrikam.onmicrosoft.com/oauth2/v2.0/devicecode", url.Values{"client_id": {e.p.PublicClientID()}, "scope": {read}})
		}, 400, "invalid_tenant", "AADSTS90002"},
		{"unknown client", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("devicecode"), url.Values{"client_id": {"11111111-2222-3333-4444-555555555555"}, "scope": {read}})
		}, 400, "unauthorized_client", "AADSTS700016"},
		{"confidential client", &identity.Options{Clients: []identity.Client{{ID: "conf", DisplayName: "web app", Confidential: true}}}, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("devicecode"), url.Values{"client_id": {"conf"}, "scope": {read}})
		}, 401, "invalid_client", "AADSTS7000218"},
		{"another resource", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("devicecode"), url.Values{"client_id": {e.p.PublicClientID()}, "scope": {"https://management.azure.com/.default"}})
		}, 400, "invalid_resource", "AADSTS500011"},
		{"unknown Graph scope", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("devicecode"), url.Values{"client_id": {e.p.PublicClientID()}, "scope": {graphScope("Sites.FullControl.Everything")}})
		}, 400, "invalid_client", "AADSTS650053"},
		{".default with a named scope", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("devicecode"), url.Values{"client_id": {e.p.PublicClientID()}, "scope": {graphScope(".default") + " " + read}})
		}, 400, "invalid_scope", "AADSTS70011"},
		{"scope not consented", nil, func(t *testing.T, e *env) (int, map[string]any) {
			_, err := e.p.SetConsent(e.p.PublicClientID(), []string{rw}, false)
			require.NoError(t, err)
			dc, _ := e.deviceCode(t, rw+" openid offline_access profile")
			return e.pollDevice(t, dc, rw+" openid offline_access profile")
		}, 400, "invalid_grant", "AADSTS65001"},
		{".default with nothing consented", &identity.Options{Clients: []identity.Client{{ID: "bare", DisplayName: "bare"}}}, func(t *testing.T, e *env) (int, map[string]any) {
			status, m := e.post(t, e.path("devicecode"), url.Values{"client_id": {"bare"}, "scope": {graphScope(".default")}})
			require.Equal(t, 200, status)
			return e.post(t, e.path("token"), url.Values{"grant_type": {"device_code"}, "client_id": {"bare"}, "device_code": {m["device_code"].(string)}, "scope": {graphScope(".default")}})
		}, 400, "invalid_grant", "AADSTS65001"},
		{"pending", &identity.Options{ManualApprove: true}, func(t *testing.T, e *env) (int, map[string]any) {
			dc, _ := e.deviceCode(t, read)
			return e.pollDevice(t, dc, read)
		}, 400, "authorization_pending", "AADSTS70016"},
		{"declined", &identity.Options{ManualApprove: true}, func(t *testing.T, e *env) (int, map[string]any) {
			dc, uc := e.deviceCode(t, read)
			require.NoError(t, e.p.ApproveDevice(uc, false))
			return e.pollDevice(t, dc, read)
		}, 400, "authorization_declined", "AADSTS70000"},
		{"expired device code", &identity.Options{ManualApprove: true}, func(t *testing.T, e *env) (int, map[string]any) {
			dc, _ := e.deviceCode(t, read)
			e.clock.Advance(identity.DefaultDeviceCodeLifetime + time.Second)
			return e.pollDevice(t, dc, read)
		}, 400, "expired_token", "AADSTS70019"},
		{"bad device code", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.pollDevice(t, "not-a-device-code", read)
		}, 400, "bad_verification_code", "AADSTS70000"},
		{"device code redeemed twice", nil, func(t *testing.T, e *env) (int, map[string]any) {
			dc, _ := e.deviceCode(t, read)
			status, _ := e.pollDevice(t, dc, read)
			require.Equal(t, 200, status)
			return e.pollDevice(t, dc, read)
		}, 400, "invalid_grant", "AADSTS54005"},
		{"PKCE verifier mismatch", nil, func(t *testing.T, e *env) (int, map[string]any) {
			code, redirect := e.authCode(t, read, "the-verifier-the-verifier-the-verifier-123")
			return e.redeem(t, code, redirect, "another-verifier-another-verifier-another-1")
		}, 400, "invalid_grant", "AADSTS501481"},
		{"code redeemed twice", nil, func(t *testing.T, e *env) (int, map[string]any) {
			v := "the-verifier-the-verifier-the-verifier-123"
			code, redirect := e.authCode(t, read, v)
			status, _ := e.redeem(t, code, redirect, v)
			require.Equal(t, 200, status)
			return e.redeem(t, code, redirect, v)
		}, 400, "invalid_grant", "AADSTS54005"},
		{"code expired", nil, func(t *testing.T, e *env) (int, map[string]any) {
			v := "the-verifier-the-verifier-the-verifier-123"
			code, redirect := e.authCode(t, read, v)
			e.clock.Advance(identity.DefaultAuthCodeLifetime + time.Second)
			return e.redeem(t, code, redirect, v)
		}, 400, "invalid_grant", "AADSTS70008"},
		{"redirect URI differs", nil, func(t *testing.T, e *env) (int, map[string]any) {
			v := "the-verifier-the-verifier-the-verifier-123"
			code, _ := e.authCode(t, read, v)
			return e.redeem(t, code, "http://localhost:1/other", v)
		}, 400, "invalid_grant", "AADSTS70000"},
		{"unsupported grant", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("token"), url.Values{"grant_type": {"password"}, "client_id": {e.p.PublicClientID()}})
		}, 400, "unsupported_grant_type", "AADSTS70003"},
		{"no client_id", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("token"), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}})
		}, 400, "invalid_request", "AADSTS900144"},
		{"unknown refresh token", nil, func(t *testing.T, e *env) (int, map[string]any) {
			return e.post(t, e.path("token"), url.Values{"grant_type": {"refresh_token"}, "client_id": {e.p.PublicClientID()}, "refresh_token": {"nope"}, "scope": {read}})
		}, 400, "invalid_grant", "AADSTS9002313"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.opts)
			status, m := tt.do(t, e)
			require.Equal(t, tt.status, status, "%v", m)
			require.Equal(t, tt.err, m["error"], "%v", m)
			require.Equal(t, tt.code, aadsts(m))
			n, err := strconv.Atoi(strings.TrimPrefix(tt.code, "AADSTS"))
			require.NoError(t, err)
			require.Equal(t, []any{float64(n)}, m["error_codes"])
			for _, k := range []string{"trace_id", "correlation_id", "timestamp"} {
				require.NotEmpty(t, m[k], k)
			}
			if tt.code == "AADSTS65001" {
				require.Equal(t, "consent_required", m["suberror"])
			}
		})
	}
}

// authCode runs the authorize step with a PKCE challenge and returns the
// code and the redirect URI, as a browser with response_mode=query would
// see them.
func (e *env) authCode(t *testing.T, scope, verifier string) (code, redirect string) {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	redirect = "http://localhost:8400"
	q := url.Values{"client_id": {e.p.PublicClientID()}, "response_type": {"code"}, "redirect_uri": {redirect}, "scope": {scope},
		"state": {"st"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "response_mode": {"query"}}
	c := *e.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(e.srv.URL + e.path("authorize") + "?" + q.Encode())
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "st", loc.Query().Get("state"))
	return loc.Query().Get("code"), redirect
}

// redeem redeems an authorization code.
func (e *env) redeem(t *testing.T, code, redirect, verifier string) (int, map[string]any) {
	t.Helper()
	return e.post(t, e.path("token"), url.Values{"grant_type": {"authorization_code"}, "client_id": {e.p.PublicClientID()}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}, "scope": {"openid offline_access profile " + graphScope(identity.ScopeConfigurationRead)}, "client_info": {"1"}})
}

// azidentity reports each failure with the provider's error, so the
// AADSTS code reaches the caller: a wrong tenant, an unknown client, a
// scope not consented, a declined device code, an expired one.
func TestCredentialErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     *identity.Options
		tenant   string
		client   string
		scope    string
		prepare  func(e *env)
		onPrompt func(e *env, m azidentity.DeviceCodeMessage)
		want     string
	}{
		{name: "wrong tenant", tenant: "fabrikam.onmicrosoft.com", want: "AADSTS90002"},
		{name: "unknown client", client: "11111111-2222-3333-4444-555555555555", want: "AADSTS700016"},
		{name: "consent revoked", scope: backuprestore.ScopeConfigurationReadWrite, prepare: func(e *env) {
			_, _ = e.p.SetConsent(e.p.PublicClientID(), []string{identity.ScopeConfigurationReadWrite}, false)
		}, want: "AADSTS65001"},
		{name: "declined", opts: &identity.Options{ManualApprove: true}, onPrompt: func(e *env, m azidentity.DeviceCodeMessage) {
			_ = e.p.ApproveDevice(m.UserCode, false)
		}, want: "authorization_declined"},
		{name: "expired", opts: &identity.Options{ManualApprove: true}, onPrompt: func(e *env, _ azidentity.DeviceCodeMessage) {
			e.clock.Advance(identity.DefaultDeviceCodeLifetime + time.Minute)
		}, want: "expired_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.opts)
			tenant, client, scope := orDefault(tt.tenant, e.p.TenantID()), orDefault(tt.client, e.p.PublicClientID()), orDefault(tt.scope, backuprestore.ScopeConfigurationRead)
			if tt.prepare != nil {
				tt.prepare(e)
			}
			cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
				ClientOptions: e.clientOptions(), TenantID: tenant, ClientID: client, DisableInstanceDiscovery: true,
				UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
					if tt.onPrompt != nil {
						tt.onPrompt(e, m)
					}
					return nil
				},
			})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
			require.Error(t, err)
			// azidentity hides a failed poll's body ("Response contained
			// no body"); the provider's log holds the answer.
			msg := err.Error()
			for _, r := range e.p.Requests() {
				msg += " " + r.Error + " AADSTS" + itoa(r.AADSTS)
			}
			require.Contains(t, msg, tt.want)
			require.Equal(t, 0, countGrants(e.p, "device_code"), "no token was issued")
		})
	}
}

// The OpenID configuration has what MSAL validates (issuer on the
// authority's host, the endpoints under the tenant as sent); the keys
// verify the tokens; Verify refuses what Graph would.
func TestOpenIDConfigurationAndVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tenant := range []string{e.p.TenantID(), strings.ToUpper(identity.DefaultTenantDomain), "organizations"} {
		var cfg map[string]any
		require.Equal(t, 200, e.get(t, "/"+tenant+"/v2.0/.well-known/openid-configuration", &cfg))
		require.Equal(t, e.host+tenant+"/oauth2/v2.0/token", cfg["token_endpoint"])
		require.Equal(t, e.host+tenant+"/oauth2/v2.0/authorize", cfg["authorization_endpoint"])
		require.True(t, strings.HasPrefix(cfg["issuer"].(string), e.host), cfg["issuer"])
	}
	var keys struct {
		Keys []map[string]string `json:"keys"`
	}
	require.Equal(t, 200, e.get(t, "/"+e.p.TenantID()+"/discovery/v2.0/keys", &keys))
	require.Len(t, keys.Keys, 1)
	require.Equal(t, "RS256", keys.Keys[0]["alg"])

	dc, _ := e.deviceCode(t, graphScope(identity.ScopeConfigurationRead)+" openid")
	status, m := e.pollDevice(t, dc, graphScope(identity.ScopeConfigurationRead)+" openid")
	require.Equal(t, 200, status)
	at := m["access_token"].(string)
	require.NoError(t, e.p.Verify(at))
	require.Equal(t, keys.Keys[0]["kid"], decodeHeader(t, at)["kid"])
	idt := decodeClaims(t, m["id_token"].(string))
	require.Equal(t, e.p.PublicClientID(), idt["aud"])
	require.Equal(t, e.p.User().UserPrincipalName, idt["preferred_username"])
	ci, err := base64.RawURLEncoding.DecodeString(m["client_info"].(string))
	require.NoError(t, err, "client_info is base64url without padding")
	require.JSONEq(t, `{"uid":"`+e.p.User().ObjectID+`","utid":"`+e.p.TenantID()+`"}`, string(ci))
	require.Equal(t, graphScope(identity.ScopeConfigurationRead)+" openid", m["scope"], "the requested form echoed")
	_, hasRT := m["refresh_token"]
	require.False(t, hasRT, "no offline_access, no refresh token")

	other, err := identity.New(nil)
	require.NoError(t, err)
	require.ErrorIs(t, other.Verify(at), identity.ErrTokenSignature, "another provider's key")
	require.ErrorIs(t, e.p.Verify(fake.NewDelegatedCredential().Token()), identity.ErrTokenSignature, "an unsigned test token")
	require.ErrorIs(t, e.p.Verify("opaque"), identity.ErrTokenMalformed)
	e.clock.Advance(identity.DefaultTokenLifetime + time.Second)
	require.ErrorIs(t, e.p.Verify(at), identity.ErrTokenExpired)
}

// .default gives every consented scope, and no more once consent is
// revoked.
func TestDefaultScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	scope := graphScope(".default") + " offline_access"
	token := func() map[string]any {
		dc, _ := e.deviceCode(t, scope)
		status, m := e.pollDevice(t, dc, scope)
		require.Equal(t, 200, status, "%v", m)
		return m
	}
	m := token()
	require.Equal(t, "BackupRestore-Configuration.Read.All BackupRestore-Configuration.ReadWrite.All BackupRestore-Control.Read.All User.Read", decodeClaims(t, m["access_token"].(string))["scp"])
	require.Contains(t, m["scope"], graphScope(".default"), "MSAL needs the literal .default echoed")
	_, err := e.p.SetConsent(e.p.PublicClientID(), []string{"BackupRestore-Configuration.ReadWrite.All"}, false)
	require.NoError(t, err)
	m = token()
	require.NotContains(t, decodeClaims(t, m["access_token"].(string))["scp"], "ReadWrite")
}

// The stand-in browser reports the error page of an unknown client.
func TestBrowseErrorPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	u := e.srv.URL + e.path("authorize") + "?" + url.Values{"client_id": {"nobody"}, "response_type": {"code"},
		"redirect_uri": {"http://localhost:1"}, "scope": {"openid"}}.Encode()
	err := identity.Browse(t.Context(), e.client, u)
	require.ErrorContains(t, err, "AADSTS700016")
	resp, err := e.client.Get(e.srv.URL + e.path("authorize") + "?" + url.Values{"client_id": {e.p.PublicClientID()}, "response_type": {"code"},
		"redirect_uri": {"https://evil.example/cb"}, "scope": {"openid"}}.Encode())
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, 400, resp.StatusCode)
	require.Contains(t, string(b), "AADSTS50011", "no redirect to a URI that is not a loopback one")
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
