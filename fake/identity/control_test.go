package identity_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake/identity"
)

// controlDo sends a control API request and decodes the JSON answer.
func (e *env) controlDo(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := e.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

// GET /_emulator/identity describes the tenant; consent, approval and
// revocation go through the control API; mistakes get 400, 404 or 405.
func TestControlAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &identity.Options{ManualApprove: true})
	var info identity.Info
	require.Equal(t, 200, e.get(t, identity.ControlPath, &info))
	require.Equal(t, e.host, info.AuthorityHost)
	require.Equal(t, identity.DefaultTenantID, info.TenantID)
	require.Equal(t, identity.DefaultPublicClientID, info.PublicClientID)
	require.Equal(t, e.p.User(), info.User)
	require.Contains(t, info.ConsentedScopes[identity.DefaultPublicClientID], identity.ScopeConfigurationReadWrite)
	require.True(t, info.ManualApprove)

	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"revoke consent", "POST", "/consent", `{"clientId":"` + identity.DefaultPublicClientID + `","scopes":["https://graph.microsoft.com/BackupRestore-Configuration.ReadWrite.All"],"granted":false}`, 200},
		{"unknown client", "POST", "/consent", `{"clientId":"nobody","scopes":["User.Read"],"granted":true}`, 404},
		{"unknown scope", "POST", "/consent", `{"clientId":"` + identity.DefaultPublicClientID + `","scopes":["Mail.Send.Everything"],"granted":true}`, 400},
		{"no granted", "POST", "/consent", `{"clientId":"` + identity.DefaultPublicClientID + `","scopes":["User.Read"]}`, 400},
		{"unknown user code", "POST", "/device?user_code=NOPE&approve=true", "", 404},
		{"bad approve", "POST", "/device?user_code=NOPE&approve=maybe", "", 400},
		{"wrong method", "GET", "/consent", "", 405},
		{"no such endpoint", "GET", "/nope", "", 404},
		{"revoke sessions", "POST", "/revoke", "", 200},
	}
	for _, tt := range tests {
		status, m := e.controlDo(t, tt.method, identity.ControlPath+tt.path, tt.body)
		require.Equal(t, tt.status, status, "%s: %v", tt.name, m)
		if status >= 400 {
			require.NotEmpty(t, m["error"], tt.name)
		}
	}
	require.Equal(t, 200, e.get(t, identity.ControlPath, &info))
	require.NotContains(t, info.ConsentedScopes[identity.DefaultPublicClientID], identity.ScopeConfigurationReadWrite)

	// Manual approval: the credential polls until the control API approves.
	approved := make(chan int, 1)
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions: e.clientOptions(), TenantID: e.p.TenantID(), ClientID: e.p.PublicClientID(), DisableInstanceDiscovery: true,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			go func() {
				for !slices.ContainsFunc(e.p.Requests(), func(r identity.Request) bool { return r.Error == "authorization_pending" }) {
					time.Sleep(10 * time.Millisecond)
				}
				resp, err := e.client.Post(e.srv.URL+identity.ControlPath+"/device?"+url.Values{"user_code": {m.UserCode}, "approve": {"true"}}.Encode(), "", nil)
				if err != nil {
					approved <- 0
					return
				}
				_ = resp.Body.Close()
				approved <- resp.StatusCode
			}()
			return nil
		},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{backuprestore.ScopeConfigurationRead}})
	require.NoError(t, err)
	require.Equal(t, 200, <-approved)
	var reqs []identity.Request
	require.Equal(t, 200, e.get(t, identity.ControlPath+"/requests", &reqs))
	pending := 0
	for _, r := range reqs {
		if r.Error == "authorization_pending" {
			pending++
		}
	}
	require.Positive(t, pending, "the credential polled while the code was pending")
	require.Equal(t, 200, e.get(t, identity.ControlPath, &info))
	require.Equal(t, 1, info.TokenRequests["device_code"])
}
