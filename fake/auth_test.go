package fake_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestPermissionTable(t *testing.T) {
	const (
		read = fake.PermissionRead
		rw   = fake.PermissionReadWrite
	)
	tests := []struct {
		name                  string
		cred                  *fake.Credential
		list, get, offboard   int
		cancel, batchOffboard int
	}{
		{"delegated ReadWrite", fake.NewDelegatedCredential(), 200, 200, 200, 200, 200},
		{"delegated Read", fake.NewDelegatedCredential(read), 200, 200, 403, 403, 403},
		{"delegated both", fake.NewDelegatedCredential(read, rw), 200, 200, 200, 200, 200},
		{"delegated qualified scope", fake.NewDelegatedCredential("https://graph.microsoft.com/" + rw), 200, 200, 200, 200, 200},
		{"delegated unrelated", fake.NewDelegatedCredential("User.Read", "offline_access"), 403, 403, 403, 403, 403},
		{"delegated Control", fake.NewDelegatedCredential("BackupRestore-Control.ReadWrite.All"), 403, 403, 403, 403, 403},
		{"app ReadWrite", fake.NewAppCredential(), 200, 200, 403, 403, 403},
		{"app Read", fake.NewAppCredential(read), 200, 200, 403, 403, 403},
		{"app unrelated", fake.NewAppCredential("Sites.Read.All"), 403, 403, 403, 403, 403},
		{"opaque", fake.NewOpaqueCredential("opaque-token"), 200, 200, 200, 200, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.add(site("off", models.StatusUnprotected, ""), site("can", models.StatusOffboardRequested, ""), site("b", models.StatusUnprotected, ""))
			tok := token(tt.cred.Token())
			check := func(want int, r *result) {
				t.Helper()
				require.Equal(t, want, r.status, "%s", r.body)
				if want == 403 {
					require.Equal(t, "Forbidden", r.errCode(t))
				}
			}
			check(tt.list, e.do("GET", unitsPath, tok))
			check(tt.get, e.do("GET", unitPath("off"), tok))
			check(tt.offboard, e.do("POST", unitPath("off", "offboard"), tok))
			check(tt.cancel, e.do("POST", unitPath("can", "cancelOffboard"), tok))
			r := e.do("POST", "/$batch", tok, contentType("application/json"), body(batchBody(t, map[string]any{"id": "1", "method": "POST", "url": unitPath("b", "offboard")})))
			items, _ := batchResponses(t, r)
			require.EqualValues(t, tt.batchOffboard, items["1"]["status"])
			wantOff := 0
			if tt.offboard == 200 {
				wantOff = 1
			}
			require.Len(t, e.srv.Transitions("off"), wantOff)
		})
	}
}

func TestAppOnlyBlanksDelegatedFields(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s", models.StatusProtected, "p"), mailbox("m", models.StatusProtected, "p"), drive("d", models.StatusProtected, "p"))
	app := token(fake.NewAppCredential(fake.PermissionRead).Token())
	s := e.do("GET", unitPath("s"), app).json(t)
	require.Nil(t, s["siteName"])
	require.Nil(t, s["siteWebUrl"])
	require.NotEmpty(t, s["siteId"])
	m := e.do("GET", unitPath("m"), app).json(t)
	require.Nil(t, m["displayName"])
	require.Nil(t, m["email"])
	require.NotEmpty(t, m["directoryObjectId"])
	d := e.do("GET", unitPath("d"), app).json(t)
	require.NotNil(t, d["displayName"])
	s = e.do("GET", unitPath("s")).json(t)
	require.Equal(t, "Site s", s["siteName"])
}

// jwt builds a token from raw parts.
func jwt(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + ".c2ln"
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s", models.StatusUnprotected, ""))
	expired := fake.NewDelegatedCredential()
	expired.SetClaim("exp", time.Now().Add(-time.Minute).Unix())
	otherAud := fake.NewDelegatedCredential()
	otherAud.SetClaim("aud", "api://someone-else")
	noAud := fake.NewDelegatedCredential()
	noAud.SetClaim("aud", nil)
	guidAud := fake.NewDelegatedCredential()
	guidAud.SetClaim("aud", "00000003-0000-0000-c000-000000000000")
	tests := []struct {
		name   string
		opt    reqOpt
		status int
	}{
		{"missing", noAuth(), 401},
		{"empty bearer", rawAuth("Bearer "), 401},
		{"basic scheme", rawAuth("Basic dXNlcjpwYXNz"), 401},
		{"two parts", token("abc.def"), 401},
		{"four parts", token("a.b.c.d"), 401},
		{"bad base64", token("!!!.???.sig"), 401},
		{"not json", token(base64.RawURLEncoding.EncodeToString([]byte("x")) + "." + base64.RawURLEncoding.EncodeToString([]byte("y")) + ".z"), 401},
		{"roles not an array", token(jwt(`{"alg":"none"}`, `{"roles":"BackupRestore-Configuration.Read.All"}`)), 401},
		{"no scp nor roles", token(jwt(`{"alg":"none"}`, `{"oid":"x"}`)), 401},
		{"expired", token(expired.Token()), 401},
		{"other audience", token(otherAud.Token()), 401},
		{"no audience", token(noAud.Token()), 200},
		{"graph app id audience", token(guidAud.Token()), 200},
		{"lower-case scheme", rawAuth("bearer " + fake.NewDelegatedCredential().Token()), 200},
		{"opaque", token("just-an-opaque-token"), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{unitPath("s"), unitsPath, "/nowhere"} {
				r := e.do("GET", path, tt.opt)
				if tt.status == 200 && path == "/nowhere" {
					require.Equal(t, 400, r.status)
					continue
				}
				require.Equal(t, tt.status, r.status, "%s %s", path, r.body)
				if tt.status == 401 {
					require.Equal(t, "InvalidAuthenticationToken", r.errCode(t))
					require.Empty(t, r.header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	// The $batch itself needs the token.
	r := e.do("POST", "/$batch", noAuth(), body(batchBody(t, map[string]any{"id": "1", "method": "GET", "url": unitPath("s")})))
	require.Equal(t, 401, r.status)
}

func TestStrictAuth(t *testing.T) {
	e := newEnv(t, &fake.Options{StrictAuth: true})
	e.add(site("s", models.StatusUnprotected, ""))
	r := e.do("GET", unitPath("s"), token("opaque"))
	require.Equal(t, 401, r.status)
	require.Equal(t, "InvalidAuthenticationToken", r.errCode(t))
	require.Equal(t, 200, e.do("GET", unitPath("s")).status, "JWTs still work")
}

func TestOpaqueCallerIdentity(t *testing.T) {
	e := newEnv(t, nil)
	e.add(site("s", models.StatusUnprotected, ""))
	r := e.do("POST", unitPath("s", "offboard"), token("opaque"))
	require.Equal(t, 200, r.status)
	u, _ := e.srv.Unit("s")
	require.Equal(t, "Emulator User", u.LastModifiedBy.User.DisplayName)
	require.Nil(t, u.LastModifiedBy.Application)
}

// claims decodes a minted token's payload.
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	require.JSONEq(t, `{"alg":"none","typ":"JWT"}`, string(hb))
	cb, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(cb, &m))
	return m
}

func TestCredential(t *testing.T) {
	ctx := t.Context()
	d := fake.NewDelegatedCredential()
	tok, err := d.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), tok.ExpiresOn, 2*time.Second)
	c := claims(t, tok.Token)
	require.Equal(t, fake.PermissionReadWrite+" "+fake.PermissionControlRead, c["scp"])
	require.Nil(t, c["roles"])
	for k, v := range map[string]any{"oid": fake.TestUserID, "tid": fake.TestTenantID, "name": fake.TestUserName, "upn": fake.TestUserUPN, "appid": fake.TestAppID, "aud": "https://graph.microsoft.com"} {
		require.Equal(t, v, c[k], k)
	}
	require.EqualValues(t, tok.ExpiresOn.Unix(), c["exp"])
	require.Equal(t, 1, d.Calls())
	require.Equal(t, [][]string{{"https://graph.microsoft.com/.default"}}, d.Scopes())

	scp := claims(t, fake.NewDelegatedCredential("A.Read", "B.Write").Token())["scp"]
	require.Equal(t, "A.Read B.Write", scp)

	a := claims(t, fake.NewAppCredential().Token())
	require.Nil(t, a["scp"])
	require.Equal(t, []any{fake.PermissionReadWrite, fake.PermissionControlRead}, a["roles"])
	require.Equal(t, "app", a["idtyp"])
	require.Equal(t, []any{"X", "Y"}, claims(t, fake.NewAppCredential("X", "Y").Token())["roles"])

	o := fake.NewOpaqueCredential("tok")
	ot, err := o.GetToken(ctx, policy.TokenRequestOptions{})
	require.NoError(t, err)
	require.Equal(t, "tok", ot.Token)
	o.SetClaim("scp", "ignored")
	require.Equal(t, "tok", o.Token())

	boom := errors.New("no token for you")
	d.SetError(boom)
	_, err = d.GetToken(ctx, policy.TokenRequestOptions{})
	require.ErrorIs(t, err, boom)
	d.SetError(nil)
	_, err = d.GetToken(ctx, policy.TokenRequestOptions{})
	require.NoError(t, err)
	require.Equal(t, 3, d.Calls())

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = d.GetToken(cctx, policy.TokenRequestOptions{})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 4, d.Calls())
}
