package faultproxy_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/faultproxy"
	"github.com/m365kit/backuprestore/models"
)

// TestEmulatorCancelOffboard posts cancelOffboard to the emulator through
// the proxy. With ResetAfterResponse the emulator applied it although the
// client only got "connection reset by peer"; with ResetBeforeForward it
// did not. A retry then tells the two apart: 403 (already cancelled)
// versus 200.
func TestEmulatorCancelOffboard(t *testing.T) {
	tests := []struct {
		kind        faultproxy.Kind
		applied     bool
		retryStatus int
	}{
		{faultproxy.ResetAfterResponse, true, http.StatusForbidden},
		{faultproxy.ResetBeforeForward, false, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			emu := fake.NewServer(nil)
			const id = "89014d8c"
			require.NoError(t, emu.AddUnit(fake.Unit{Kind: models.KindSite, ID: id, Status: models.StatusOffboardRequested,
				SiteID: "contoso.sharepoint.com,da60e844-ba1d-49bc-b4d4-d5e36bae9019,712a596e-6e25-44fb-8a4b-7e4b2c5e4c1d"}))
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			p := startProxy(t, strings.TrimPrefix(srv.URL, "http://"), nil)
			rule, err := p.AddRule(faultproxy.Rule{
				Match: faultproxy.And(faultproxy.MatchMethod(http.MethodPost), faultproxy.MatchPath("/cancelOffboard")),
				Kind:  tt.kind,
				Count: 1,
			})
			require.NoError(t, err)

			c := newClient(t)
			url := p.URL() + "/v1.0/solutions/backupRestore/protectionUnits/" + id + "/cancelOffboard"
			post := func() result {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer test")
				req.Header.Set("Prefer", "include-unknown-enum-members")
				resp, err := c.Do(req)
				if err != nil {
					return result{err: err}
				}
				defer resp.Body.Close()
				var body struct {
					Status string `json:"status"`
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
				return result{status: resp.StatusCode, body: []byte(body.Status)}
			}

			r := post()
			require.ErrorIs(t, r.err, syscall.ECONNRESET)
			require.Contains(t, r.err.Error(), "connection reset by peer")

			n := 0
			for _, tr := range emu.Transitions(id) {
				if tr.Cause == fake.CauseCancelOffboard {
					n++
				}
			}
			u, ok := emu.Unit(id)
			require.True(t, ok)
			ev := eventsNow(t, p, 1)[0]
			require.Equal(t, rule, ev.Rule)
			if tt.applied {
				require.Equal(t, 1, n, "the emulator applied the cancel the client never heard of")
				require.Equal(t, models.StatusCancelOffboardRequested, u.Status)
				require.True(t, ev.Forwarded)
				require.Equal(t, http.StatusOK, ev.Status)
			} else {
				require.Zero(t, n)
				require.Equal(t, models.StatusOffboardRequested, u.Status)
				require.False(t, ev.Forwarded)
				require.Zero(t, ev.Status)
			}
			require.False(t, ev.ClientGotResponse)

			r = post() // the rule is used up
			require.NoError(t, r.err)
			require.Equal(t, tt.retryStatus, r.status)
			if tt.retryStatus == http.StatusOK {
				require.Equal(t, string(models.StatusCancelOffboardRequested), string(r.body))
			}
		})
	}
}
