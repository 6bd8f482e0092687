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
