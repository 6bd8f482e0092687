package backuprestore

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

const seedID = "89014d8c-71fe-4d00-a01a-31850bc5b32c"

// The seed page's example 1, verbatim: request shape and decoded response.
func TestCancelOffboardSeedExample1(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, testdata(t, "cancel_offboard_200.json"))
	}})
	ts, c := rig.ts, rig.c

	unit, err := c.ProtectionUnits().ByID(seedID).CancelOffboard().Post(t.Context(), nil)
	require.NoError(t, err)

	reqs := ts.seen()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/"+seedID+"/cancelOffboard", r.Path)
	require.Empty(t, r.Body, "no request body")
	require.Equal(t, "application/json", r.Header.Get("Accept"))
	require.Equal(t, "include-unknown-enum-members", r.Header.Get("Prefer"))
	require.Equal(t, "Bearer "+delegatedToken, r.Header.Get("Authorization"))
	require.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "backuprestore-go/"+Version), r.Header.Get("User-Agent"))
	require.Empty(t, r.Header.Get("Content-Type"))

	require.Equal(t, seedID, unit.ID)
	require.Equal(t, models.KindSite, unit.Kind())
	require.Equal(t, models.StatusCancelOffboardRequested, unit.Status)
	require.Equal(t, "contoso-jpn.sharepoint.com,da60e844-ba1d-49bc-b4d4-d5e36bae9019,0271110f-634f-4300-a841-3a8a2e900900", unit.SiteID)
	require.Equal(t, "845457dc-4bb2-4815-bef3-8628ebd1952e", unit.PolicyID)
	require.Equal(t, models.ProtectionSources{models.SourceManual}, unit.ProtectionSources)
	require.Equal(t, "Ryan", unit.LastModifiedBy.User.DisplayName)
	require.Equal(t, "ryan@contoso.com", unit.LastModifiedBy.User.Email)
	require.Equal(t, "Microsoft Enhanced Restore", unit.CreatedBy.Application.DisplayName)
	require.Equal(t, time.Date(2015, 7, 19, 12, 1, 3, 450e6, time.UTC), unit.LastModifiedDateTime)
	require.Equal(t, time.Date(2015, 6, 19, 12, 1, 3, 450e6, time.UTC), unit.CreatedDateTime)
	require.Equal(t, time.Date(2015, 7, 19, 12, 1, 3, 450e6, time.UTC), unit.OffboardRequestedDateTime)
}

// The seed page's example 2, verbatim: 403 OperationNotAllowed.
func TestCancelOffboardSeedExample2(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusForbidden, testdata(t, "cancel_offboard_403.json"))
	}})
	ts, c := rig.ts, rig.c

	unit, err := c.ProtectionUnits().ByID(seedID).CancelOffboard().Post(t.Context(), nil)
	require.Nil(t, unit)
	require.ErrorIs(t, err, ErrOperationNotAllowed)
	require.ErrorIs(t, err, ErrForbidden)
	require.NotErrorIs(t, err, ErrNotFound)
	e, ok := errors.AsType[*Error](err)
	require.True(t, ok)
	require.Equal(t, http.StatusForbidden, e.StatusCode)
	require.Equal(t, "OperationNotAllowed", e.Code)
	require.Equal(t, "Offboarding cannot be cancelled as it is not in a valid state.", e.Message)
	require.Equal(t, []models.PublicErrorDetail{}, e.Details)
	require.Equal(t, "req-123", e.RequestID)
	require.Equal(t, "client-456", e.ClientRequestID)
	require.Contains(t, e.Error(), "403")
	require.Contains(t, e.Error(), "OperationNotAllowed")
	require.Len(t, ts.seen(), 1, "a 403 is not retried")
}

func TestBuildersShareOneRequestShape(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"id":"x","status":"offboardRequested"}`)
	}})
	ts, c := rig.ts, rig.c
	item := c.ProtectionUnits().ByID("x")
	cases := []struct {
		name, method, path string
		call               func() (*models.ProtectionUnit, error)
	}{
		{"get", http.MethodGet, "/v1.0/solutions/backupRestore/protectionUnits/x", func() (*models.ProtectionUnit, error) { return item.Get(t.Context(), nil) }},
		{"offboard", http.MethodPost, "/v1.0/solutions/backupRestore/protectionUnits/x/offboard", func() (*models.ProtectionUnit, error) { return item.Offboard().Post(t.Context(), nil) }},
		{"cancel", http.MethodPost, "/v1.0/solutions/backupRestore/protectionUnits/x/cancelOffboard", func() (*models.ProtectionUnit, error) {
			return item.CancelOffboard().Post(t.Context(), nil)
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.call()
			require.NoError(t, err)
			require.Equal(t, models.StatusOffboardRequested, u.Status)
			r := ts.seen()[i]
			require.Equal(t, tc.method, r.Method)
			require.Equal(t, tc.path, r.Path)
			require.Empty(t, r.Body)
			require.Equal(t, []string{"include-unknown-enum-members"}, r.Header.Values("Prefer"))
		})
	}
}

func TestRequestConfigurationHeadersAreMerged(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"id":"x"}`)
	}})
	ts, c := rig.ts, rig.c
	h := abs.NewRequestHeaders()
	h.Add("client-request-id", "my-correlation-id")
	h.Add("Prefer", "return=representation")
	_, err := c.ProtectionUnits().ByID("x").Get(t.Context(), &RequestConfiguration{Headers: h})
	require.NoError(t, err)
	r := ts.seen()[0]
	require.Equal(t, "my-correlation-id", r.Header.Get("client-request-id"))
	require.ElementsMatch(t, []string{"include-unknown-enum-members", "return=representation"}, r.Header.Values("Prefer"))
}

func TestIDValidationAndEscaping(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"id":"x"}`)
	}})
	ts, c := rig.ts, rig.c

	invalid := map[string]string{
		"empty":      "",
		"blank":      "   \t ",
		"dot":        ".",
		"dotdot":     "..",
		"nul":        "a\x00b",
		"newline":    "a\nb",
		"del":        "a\x7fb",
		"c1 control": "a\u0085b",
		"too long":   strings.Repeat("a", 1025),
		"bad utf8":   "a\xffb",
	}
	for name, id := range invalid {
		t.Run("invalid "+name, func(t *testing.T) {
			_, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(t.Context(), nil)
			require.ErrorIs(t, err, ErrInvalidProtectionUnitID)
			_, err = c.ProtectionUnits().ByID(id).Offboard().Post(t.Context(), nil)
			require.ErrorIs(t, err, ErrInvalidProtectionUnitID)
			_, err = c.ProtectionUnits().ByID(id).Get(t.Context(), nil)
			require.ErrorIs(t, err, ErrInvalidProtectionUnitID)
			_, err = c.ProtectionUnits().ByID(id).CancelOffboard().ToPostRequestInformation(t.Context(), nil)
			require.ErrorIs(t, err, ErrInvalidProtectionUnitID)
			_, isResponse := errors.AsType[*Error](err)
			require.False(t, isResponse, "caught before any request")
		})
	}
	require.Empty(t, ts.seen(), "nothing was sent for a malformed ID")

	escaped := map[string]string{
		"a/b?c#d":                     "a%2Fb%3Fc%23d",
		"MjUyXzM=":                    "MjUyXzM%3D",
		"with space":                  "with%20space",
		"100%":                        "100%25",
		"..a":                         "..a",
		"é":                           "%C3%A9",
		strings.Repeat("b", 1024):     strings.Repeat("b", 1024),
		"guid_3":                      "guid_3",
		"a+b&c=d;e,f:g@h!i$j'k(l)m*n": "a%2Bb%26c%3Dd%3Be%2Cf%3Ag%40h%21i%24j%27k%28l%29m%2An",
	}
	for id, want := range escaped {
		before := len(ts.seen())
		_, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(t.Context(), nil)
		require.NoError(t, err, id)
		r := ts.seen()[before]
		escapedPath := r.RawPath
		if escapedPath == "" {
			escapedPath = r.Path
		}
		require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/"+want+"/cancelOffboard", escapedPath, id)
		require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/"+id+"/cancelOffboard", r.Path, "the server sees the ID as one segment")

		// The template form (for batching and other adapters) expands to the same URL.
		ri, err := c.ProtectionUnits().ByID(id).CancelOffboard().ToPostRequestInformation(t.Context(), nil)
		require.NoError(t, err)
		u, err := ri.GetUri()
		require.NoError(t, err)
		require.Equal(t, ts.URL+"/v1.0/solutions/backupRestore/protectionUnits/"+want+"/cancelOffboard", u.String())
	}
}

func TestToPostRequestInformation(t *testing.T) {
	t.Parallel()
	c, err := NewClient(delegatedCred(), nil)
	require.NoError(t, err)
	ri, err := c.ProtectionUnits().ByID(seedID).CancelOffboard().ToPostRequestInformation(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, abs.POST, ri.Method)
	require.Equal(t, "{+baseurl}/solutions/backupRestore/protectionUnits/{protectionUnitBase%2Did}/cancelOffboard", ri.UrlTemplate)
	require.Equal(t, seedID, ri.PathParameters["protectionUnitBase%2Did"])
	require.Empty(t, ri.Content)
	require.Equal(t, []string{"application/json"}, ri.Headers.Get("Accept"))
	require.Equal(t, []string{"include-unknown-enum-members"}, ri.Headers.Get("Prefer"))
	u, err := ri.GetUri()
	require.NoError(t, err)
	require.Equal(t, "https://graph.microsoft.com/v1.0/solutions/backupRestore/protectionUnits/"+seedID+"/cancelOffboard", u.String())

	ri, err = c.ProtectionUnits().ByID(seedID).Offboard().ToPostRequestInformation(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, "{+baseurl}/solutions/backupRestore/protectionUnits/{protectionUnitBase%2Did}/offboard", ri.UrlTemplate)
	ri, err = c.ProtectionUnits().ByID(seedID).ToGetRequestInformation(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, abs.GET, ri.Method)
}
