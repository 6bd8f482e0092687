package fake_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// Options.TokenVerifier judges every token first: a rejected one is a 401
// with the verifier's message (never the token), opaque tokens included;
// an accepted one goes on to the permission table.
func TestTokenVerifier(t *testing.T) {
	t.Parallel()
	good := fake.NewDelegatedCredential().Token()
	verifier := func(tok string) error {
		if tok == good {
			return nil
		}
		return errors.New("IDX10511: Signature validation failed")
	}
	tests := []struct {
		name   string
		opts   *fake.Options
		tok    string
		status int
	}{
		{"accepted", &fake.Options{TokenVerifier: verifier}, good, 200},
		{"rejected JWT", &fake.Options{TokenVerifier: verifier}, fake.NewDelegatedCredential(fake.PermissionRead).Token(), 401},
		{"rejected opaque", &fake.Options{TokenVerifier: verifier}, "opaque-token", 401},
		{"no verifier", nil, "opaque-token", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.opts)
			r := e.do("GET", unitsPath, token(tt.tok))
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status == 401 {
				require.Equal(t, "InvalidAuthenticationToken", r.errCode(t))
				require.Contains(t, string(r.body), "IDX10511")
				require.False(t, strings.Contains(string(r.body), tt.tok), "the token is not echoed")
			}
		})
	}
}
