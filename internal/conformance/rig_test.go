package conformance_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// rig is an emulator with known policies and units, called in-process.
type rig struct {
	t      *testing.T
	srv    *fake.Server
	client *http.Client
	token  string
}

// The rig's fixed policies and units: one policy per workload, one unit
// in each.
const (
	spPolicy, odPolicy, exPolicy = "sp-1", "od-1", "ex-1"
	siteUnit, driveUnit, mbxUnit = "s1", "d1", "m1"
	otherID                      = "00000000-0000-0000-0000-000000000001"
)

// newRig returns a rig; seed > 0 adds Seed(seed) realistic units and
// policies besides the fixed ones.
func newRig(t *testing.T, seed int) *rig {
	t.Helper()
	srv := fake.NewServer(nil)
	for _, p := range []fake.Policy{{ID: spPolicy, Kind: models.PolicyKindSharePoint, IsEnabled: true},
		{ID: odPolicy, Kind: models.PolicyKindOneDrive, IsEnabled: true}, {ID: exPolicy, Kind: models.PolicyKindExchange, IsEnabled: true}} {
		_, err := srv.AddPolicy(p)
		require.NoError(t, err)
	}
	for _, u := range []fake.Unit{
		{Kind: models.KindSite, ID: siteUnit, PolicyID: spPolicy, Status: models.StatusProtected, SiteID: "contoso.sharepoint.com,1,2",
			SiteName: "Site", SiteWebURL: "https://contoso.sharepoint.com/sites/s1"},
		{Kind: models.KindDrive, ID: driveUnit, PolicyID: odPolicy, Status: models.StatusProtected, DirectoryObjectID: "o-d1", DisplayName: "D", Email: "d@contoso.com"},
		{Kind: models.KindMailbox, ID: mbxUnit, PolicyID: exPolicy, Status: models.StatusProtected, DirectoryObjectID: "o-m1", DisplayName: "M", Email: "m@contoso.com"},
	} {
		require.NoError(t, srv.AddUnit(u))
	}
	if seed > 0 {
		srv.Seed(seed)
	}
	return &rig{t: t, srv: srv, client: srv.Client(), token: fake.NewDelegatedCredential().Token()}
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to fake.DefaultBaseURL+path; body, when not empty,
// goes as JSON; headers are "Name: value" pairs.
func (r *rig) do(method, path, body string, headers ...string) *answer {
	r.t.Helper()
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = fake.DefaultBaseURL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.t.Context(), method, u, rd)
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}
}
