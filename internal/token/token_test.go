package token

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(payload)) + ".sig"
}

func TestParse(t *testing.T) {
	c, ok := Parse(jwt(`{"scp":"BackupRestore-Configuration.ReadWrite.All","roles":["x"]}`))
	require.True(t, ok)
	require.False(t, c.IsAppOnly())
	require.Equal(t, "BackupRestore-Configuration.ReadWrite.All", c.Scp)

	c, ok = Parse(jwt(`{"roles":["BackupRestore-Configuration.ReadWrite.All"],"idtyp":"app"}`))
	require.True(t, ok)
	require.True(t, c.IsAppOnly())

	for _, opaque := range []string{"", "opaque-token", "a.b", "a.b.c.d", "x." + base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".y", "..", jwt(`[1]`)} {
		_, ok := Parse(opaque)
		require.False(t, ok, opaque)
	}
}

func TestFromAuthorization(t *testing.T) {
	require.Equal(t, "abc", FromAuthorization("Bearer abc"))
	require.Equal(t, "abc", FromAuthorization("bearer abc"))
	require.Equal(t, "", FromAuthorization("Basic abc"))
	require.Equal(t, "", FromAuthorization(""))
}

// User names the signed-in user: upn first, then preferred_username,
// unique_name and oid.
func TestUser(t *testing.T) {
	for _, tc := range []struct{ payload, want string }{
		{`{"upn":"a@contoso.com","preferred_username":"b@contoso.com","oid":"o"}`, "a@contoso.com"},
		{`{"preferred_username":"b@contoso.com","unique_name":"c","oid":"o"}`, "b@contoso.com"},
		{`{"unique_name":"live.com#c@outlook.com","oid":"o"}`, "live.com#c@outlook.com"},
		{`{"oid":"4f2c"}`, "4f2c"},
		{`{"roles":["x"]}`, ""},
	} {
		c, ok := Parse(jwt(tc.payload))
		require.True(t, ok)
		require.Equal(t, tc.want, c.User(), tc.payload)
	}
}
