package identity

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// globalAdminRole is the Global Administrator role template ID (wids).
const globalAdminRole = "62e90394-69f5-4237-9190-012177145e10"

// sign signs claims with the Provider's key (RS256, kid in the header).
func (p *Provider) sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = p.kid
	return t.SignedString(p.key)
}

// pairwiseSub is the user's sub for a client: stable, different per client.
func pairwiseSub(oid, clientID string) string {
	sum := sha256.Sum256([]byte(oid + "\x00" + strings.ToLower(clientID)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// accessToken mints a Microsoft Graph access token (Graph's v1.0 token
// shape: upn, unique_name, appid, scp) for the user and client.
func (p *Provider) accessToken(host string, c *Client, scp []string, now time.Time) (string, time.Time, error) {
	exp := now.Add(p.opts.TokenLifetime)
	u := p.opts.User
	tok, err := p.sign(jwt.MapClaims{
		"aud": GraphResource, "iss": host + p.opts.TenantID + "/",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
		"acr": "1", "amr": []string{"pwd", "mfa"}, "app_displayname": c.DisplayName, "appid": c.ID, "appidacr": "0",
		"idtyp": "user", "name": u.DisplayName, "oid": u.ObjectID, "scp": strings.Join(scp, " "),
		"sub": pairwiseSub(u.ObjectID, GraphResource), "tid": p.opts.TenantID, "unique_name": u.UserPrincipalName,
		"upn": u.UserPrincipalName, "uti": newSecret(16), "ver": "1.0", "wids": []string{globalAdminRole},
	})
	return tok, exp, err
}

// idToken mints the v2.0 ID token MSAL reads the account from.
func (p *Provider) idToken(host string, c *Client, now time.Time) (string, error) {
	u := p.opts.User
	return p.sign(jwt.MapClaims{
		"aud": c.ID, "iss": host + p.opts.TenantID + "/v2.0",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"name": u.DisplayName, "oid": u.ObjectID, "preferred_username": u.UserPrincipalName,
		"sub": pairwiseSub(u.ObjectID, c.ID), "tid": p.opts.TenantID, "ver": "2.0", "uti": newSecret(16),
	})
}

// clientInfo is the client_info MSAL asks for: base64url without padding
// of {"uid","utid"}.
func (p *Provider) clientInfo() string {
	b, _ := json.Marshal(map[string]string{"uid": p.opts.User.ObjectID, "utid": p.opts.TenantID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// Errors of Verify; each is also the message a 401 of Graph would carry.
var (
	// ErrTokenMalformed: not a JWT.
	ErrTokenMalformed = errors.New("IDX14100: JWT is not well formed")
	// ErrTokenSignature: not signed by this Provider's key.
	ErrTokenSignature = errors.New("IDX10511: Signature validation failed: the token was not signed by the emulated Entra ID")
	// ErrTokenExpired: past its exp (or before its nbf) on the Provider's
	// clock.
	ErrTokenExpired = errors.New("lifetime validation failed, the token is expired")
	// ErrTokenAudience: not a Microsoft Graph token.
	ErrTokenAudience = errors.New("invalid audience: not a Microsoft Graph token")
	// ErrTokenTenant: issued for another tenant.
	ErrTokenTenant = errors.New("access token validation failure: the token's tenant is not the emulated tenant")
)

// Verify checks a Graph access token as Microsoft Graph would: a JWT
// signed (RS256) by this Provider's key, for Graph's audience and this
// tenant, within its lifetime on the Provider's clock. It returns nil or
// one of the ErrToken… errors (wrapped with detail); it never includes the
// token in the error. cmd/emulator gives it to fake.Options.TokenVerifier
// under -identity -strict-auth.
func (p *Provider) Verify(token string) error {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != p.kid {
			return nil, ErrTokenSignature
		}
		return &p.key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(p.now), jwt.WithExpirationRequired())
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrTokenMalformed
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return ErrTokenExpired
	case errors.Is(err, ErrTokenSignature), errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return ErrTokenSignature
	default:
		return fmt.Errorf("%w: %s", ErrTokenSignature, strings.TrimPrefix(err.Error(), "token has invalid claims: "))
	}
	aud, _ := claims.GetAudience()
	if !slices.ContainsFunc(aud, func(a string) bool {
		return slices.ContainsFunc(graphResourceIDs, func(g string) bool { return strings.EqualFold(a, g) })
	}) {
		return ErrTokenAudience
	}
	if tid, _ := claims["tid"].(string); !strings.EqualFold(tid, p.opts.TenantID) {
		return ErrTokenTenant
	}
	return nil
}
