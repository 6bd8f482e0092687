package backuprestore

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

func TestNewClientValidatesOptions(t *testing.T) {
	t.Parallel()
	cred := delegatedCred()
	cases := []struct {
		name    string
		opts    *Options
		wantErr error
		errText string
	}{
		{"defaults", nil, nil, ""},
		{"explicit global", &Options{Cloud: CloudGlobal}, nil, ""},
		{"us gov l4", &Options{Cloud: CloudUSGovL4}, ErrUnsupportedCloud, "US Government L4"},
		{"us gov l5", &Options{Cloud: CloudUSGovL5}, ErrUnsupportedCloud, "DoD"},
		{"china", &Options{Cloud: CloudChina}, ErrUnsupportedCloud, "China"},
		{"national host in base url", &Options{BaseURL: "https://graph.microsoft.us/v1.0"}, ErrUnsupportedCloud, "graph.microsoft.us"},
		{"plain http to a remote host", &Options{BaseURL: "http://graph.example.com/v1.0"}, nil, "loopback"},
		{"plain http to loopback", &Options{BaseURL: "http://127.0.0.1:8080/v1.0"}, nil, ""},
		{"plain http to localhost", &Options{BaseURL: "http://localhost:8080/v1.0"}, nil, ""},
		{"plain http to ::1", &Options{BaseURL: "http://[::1]:8080/v1.0"}, nil, ""},
		{"relative", &Options{BaseURL: "/v1.0"}, nil, "absolute"},
		{"ftp", &Options{BaseURL: "ftp://graph.microsoft.com/v1.0"}, nil, "https"},
		{"user info", &Options{BaseURL: "https://user:pw@graph.microsoft.com/v1.0"}, nil, "user info"},
		{"query", &Options{BaseURL: "https://graph.microsoft.com/v1.0?x=1"}, nil, "query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(cred, tc.opts)
			switch {
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorContains(t, err, tc.errText)
				require.Nil(t, c)
			case tc.errText != "":
				require.ErrorContains(t, err, tc.errText)
			default:
				require.NoError(t, err)
				require.NotNil(t, c)
			}
		})
	}
	_, err := NewClient(nil, nil)
	require.ErrorContains(t, err, "credential is nil")
}

func TestScopesAreExplicit(t *testing.T) {
	t.Parallel()
	cred := delegatedCred()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) }, cred: cred})
	c := rig.c
	_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"https://graph.microsoft.com/.default"}}, cred.scopes, "not <scheme>://<host>/.default of the test server")

	cred2 := delegatedCred()
	c = rig.client(t, cred2, &Options{Scopes: []string{"https://graph.microsoft.com/BackupRestore-Configuration.ReadWrite.All", "offline_access"}})
	_, err = c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, []string{"https://graph.microsoft.com/BackupRestore-Configuration.ReadWrite.All", "offline_access"}, cred2.scopes[0])
}

func TestDelegatedGuard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		token   string
		refused bool
	}{
		{"app-only JWT (roles, no scp)", appOnlyToken, true},
		{"app-only JWT without roles", makeJWT(map[string]any{"oid": "sp", "sub": "sp"}), true},
		{"delegated JWT", delegatedToken, false},
		{"delegated JWT that also has roles", makeJWT(map[string]any{"scp": "BackupRestore-Configuration.ReadWrite.All", "roles": []string{"Admin"}}), false},
		{"opaque token", "EwBwA8l6BAAUopaque", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) }, cred: &testCred{token: tc.token}})
			c := rig.c
			for _, post := range []func() (*models.ProtectionUnit, error){
				func() (*models.ProtectionUnit, error) {
					return c.ProtectionUnits().ByID("u1").Offboard().Post(t.Context(), nil)
				},
				func() (*models.ProtectionUnit, error) {
					return c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
				},
			} {
				_, err := post()
				if tc.refused {
					require.ErrorIs(t, err, ErrDelegatedAuthRequired)
					require.ErrorContains(t, err, "BackupRestore-Configuration.ReadWrite.All")
					require.NotContains(t, err.Error(), tc.token, "the token never appears in an error")
					_, isResp := errors.AsType[*Error](err)
					require.False(t, isResp)
				} else {
					require.NoError(t, err)
				}
			}
			// Reads are fine with an app-only token.
			_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
			require.NoError(t, err)
			sent := len(rig.ts.seen())
			if tc.refused {
				require.Equal(t, 1, sent, "only the GET was sent")
			} else {
				require.Equal(t, 3, sent)
			}
		})
	}
}

func TestTokenGoesOnlyToTheBaseURL(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) }})
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) })
	ts, c := rig.ts, rig.c

	// A request built for another origin (same host, other port) is refused
	// before it is sent, by the guard: Kiota's own host check ignores ports.
	ri, err := c.ProtectionUnits().ByID("u1").ToGetRequestInformation(t.Context(), nil)
	require.NoError(t, err)
	foreign, err := url.Parse(other.URL + "/v1.0/solutions/backupRestore/protectionUnits/u1")
	require.NoError(t, err)
	ri.SetUri(*foreign)
	_, err = c.Adapter().Send(t.Context(), ri, models.CreateProtectionUnitFromDiscriminatorValue, nil)
	require.Error(t, err)
	require.ErrorIs(t, err, ErrForeignHost)
	require.Empty(t, other.seen(), "nothing reached the other origin")

	// A credential that yields no token fails loudly instead of sending an
	// unauthenticated request.
	c = rig.client(t, &testCred{token: ""}, nil)
	before := len(ts.seen())
	_, err = c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
	require.ErrorContains(t, err, "no bearer token")
	require.Len(t, ts.seen(), before)
}

func TestCredentialErrorIsReturned(t *testing.T) {
	t.Parallel()
	boom := errors.New("AADSTS70043: the refresh token has expired")
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) }, cred: &testCred{err: boom}})
	_, err := rig.c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
	require.ErrorIs(t, err, boom)
	require.Empty(t, rig.ts.seen())
}
