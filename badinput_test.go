package backuprestore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

// oneResponse is a case's answer to every request: a status, a content
// type ("" for none), a body of unknown length and more headers.
type oneResponse struct {
	status      int
	contentType string
	body        string
	header      map[string]string
}

// step is the answer as the rig's transport gives it.
func (o oneResponse) step() step {
	h := map[string]string{"Content-Type": o.contentType}
	for k, v := range o.header {
		h[k] = v
	}
	return step{status: o.status, headers: h, body: o.body, chunked: true}
}

// A table of malformed server responses and caller inputs, each with the
// exact typed error or the tolerated result.
func TestBadInputTable(t *testing.T) {
	t.Parallel()
	const js = "application/json"
	deep := `{"id":"x","deep":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`
	tenMB := strings.Repeat("é", 5<<20) // 10 MiB of UTF-8
	type check func(t *testing.T, u *models.ProtectionUnit, err error)
	wantErr := func(sentinels ...error) check {
		return func(t *testing.T, u *models.ProtectionUnit, err error) {
			require.Nil(t, u)
			for _, s := range sentinels {
				require.ErrorIs(t, err, s)
			}
			require.NotPanics(t, func() { _ = err.Error() })
		}
	}
	ok := func(f func(t *testing.T, u *models.ProtectionUnit)) check {
		return func(t *testing.T, u *models.ProtectionUnit, err error) {
			require.NoError(t, err)
			f(t, u)
		}
	}
	cases := []struct {
		name  string
		id    string
		resp  oneResponse
		opts  *Options
		check check
	}{
		{"invalid UTF-8 in a string", "x", oneResponse{200, js, "{\"id\":\"x\",\"siteName\":\"bad\xff\xfe\"}", nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "bad\ufffd\ufffd", u.SiteName) })},
		{"lone surrogate escape", "x", oneResponse{200, js, `{"id":"x","siteName":"\ud800"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "\ufffd", u.SiteName) })},
		{"deeply nested JSON", "x", oneResponse{200, js, deep, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"number where a string belongs", "x", oneResponse{200, js, `{"id":"x","policyId":7}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) {
				require.Equal(t, float64(7), u.AdditionalData["policyId"])
			})},
		{"null everywhere", "x", oneResponse{200, js, `{"id":"x","status":null,"createdBy":null,"lastModifiedBy":{"user":null},"error":null,"createdDateTime":null}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) {
				require.Equal(t, "x", u.ID)
				require.Empty(t, u.Status)
				require.Nil(t, u.LastModifiedBy.User)
				require.True(t, u.CreatedDateTime.IsZero())
			})},
		{"null id: not a unit", "x", oneResponse{200, js, `{"id":null,"status":"protected"}`, nil}, nil,
			wantErr(ErrUnexpectedResponse)},
		{"null body: not a unit", "x", oneResponse{200, js, `null`, nil}, nil,
			wantErr(ErrUnexpectedResponse)},
		{"10 MB string", "x", oneResponse{200, js, `{"id":"x","siteName":"` + tenMB + `"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Len(t, u.SiteName, 10<<20) })},
		{"10 MB string over a 1 MiB cap", "x", oneResponse{200, js, `{"id":"x","siteName":"` + tenMB + `"}`, nil}, &Options{MaxResponseBytes: 1 << 20},
			wantErr(ErrResponseTooLarge, ErrUnexpectedResponse)},
		{"negative Retry-After", "x", oneResponse{429, js, `{"error":{"code":"TooManyRequests"}}`, map[string]string{"Retry-After": "-3"}}, &Options{Retry: RetryOptions{MaxRetries: -1}},
			func(t *testing.T, u *models.ProtectionUnit, err error) {
				wantErr(ErrThrottled)(t, u, err)
				e, _ := errors.AsType[*Error](err)
				require.Zero(t, e.RetryAfter)
			}},
		{"huge Retry-After", "x", oneResponse{429, js, `{"error":{"code":"TooManyRequests"}}`, map[string]string{"Retry-After": "99999999999"}}, nil,
			func(t *testing.T, u *models.ProtectionUnit, err error) {
				wantErr(ErrThrottled)(t, u, err)
				e, _ := errors.AsType[*Error](err)
				require.Greater(t, e.RetryAfter, 300*24*time.Hour, "clamped, not overflowed")
			}},
		{"duplicate keys: last wins", "x", oneResponse{200, js, `{"id":"a","id":"b","status":"protected","status":"offboarded"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) {
				require.Equal(t, "b", u.ID)
				require.Equal(t, models.StatusOffboarded, u.Status)
			})},
		{"byte order mark", "x", oneResponse{200, js, "\xEF\xBB\xBF{\"id\":\"x\"}", nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "x", u.ID) })},
		{"wrong content type", "x", oneResponse{200, "text/plain", `{"id":"x"}`, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"json with charset", "x", oneResponse{200, "application/json; charset=utf-8", `{"id":"x"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "x", u.ID) })},
		{"odata content type", "x", oneResponse{200, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8", `{"id":"x"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "x", u.ID) })},
		{"malformed content type", "x", oneResponse{200, "application/json; ===", `{"id":"x"}`, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"no content type, JSON body", "x", oneResponse{200, "", `{"id":"x"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "x", u.ID) })},
		{"empty 200", "x", oneResponse{200, js, ``, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"array instead of object", "x", oneResponse{200, js, `[{"id":"x"}]`, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"truncated JSON", "x", oneResponse{200, js, `{"id":"x","status":"off`, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"trailing garbage", "x", oneResponse{200, js, `{"id":"x"} {"id":"y"}`, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"raw control character", "x", oneResponse{200, js, "{\"id\":\"a\nb\"}", nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"html 200 from a captive proxy", "x", oneResponse{200, "text/html", `<html><body>Sign in</body></html>`, nil}, nil, wantErr(ErrUnexpectedResponse)},
		{"html 502", "x", oneResponse{502, "text/html", `<html>502 Bad Gateway</html>`, nil}, nil, wantErr(ErrServer)},
		{"error: null", "x", oneResponse{403, js, `{"error":null}`, nil}, nil, wantErr(ErrForbidden)},
		{"error code is a number", "x", oneResponse{404, js, `{"error":{"code":123,"message":"gone"}}`, nil}, nil,
			func(t *testing.T, u *models.ProtectionUnit, err error) {
				wantErr(ErrNotFound)(t, u, err)
				e, _ := errors.AsType[*Error](err)
				require.Empty(t, e.Code)
				require.Equal(t, "gone", e.Message)
			}},
		{"1 MB error message", "x", oneResponse{400, js, `{"error":{"code":"BadRequest","message":"` + strings.Repeat("m", 1<<20) + `"}}`, nil}, nil, wantErr(ErrBadRequest)},
		{"status 599", "x", oneResponse{599, js, `{}`, nil}, &Options{Retry: RetryOptions{MaxRetries: -1}}, wantErr(ErrServer)},
		{"status 418", "x", oneResponse{418, js, `{"error":{"code":"Teapot"}}`, nil}, nil,
			func(t *testing.T, u *models.ProtectionUnit, err error) {
				e, ok := errors.AsType[*Error](err)
				require.True(t, ok)
				require.Equal(t, 418, e.StatusCode)
				for _, s := range []error{ErrBadRequest, ErrForbidden, ErrNotFound, ErrServer, ErrUnexpectedResponse} {
					require.NotErrorIs(t, err, s)
				}
			}},
		{"malformed timestamp", "x", oneResponse{200, js, `{"id":"x","lastModifiedDateTime":"yesterday"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) {
				require.True(t, u.LastModifiedDateTime.IsZero())
				require.Equal(t, "yesterday", u.AdditionalData["lastModifiedDateTime"])
			})},
		{"unknown status", "x", oneResponse{200, js, `{"id":"x","status":"quarantined"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) {
				require.Equal(t, models.ProtectionUnitStatus("quarantined"), u.Status)
			})},
		{"unknown @odata.type", "x", oneResponse{200, js, `{"id":"x","@odata.type":"#microsoft.graph.teamsProtectionUnit"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, models.KindUnknown, u.Kind()) })},
		// Caller inputs.
		{"empty ID", "", oneResponse{200, js, `{"id":"x"}`, nil}, nil, wantErr(ErrInvalidProtectionUnitID)},
		{"dot-dot ID", "..", oneResponse{200, js, `{"id":"x"}`, nil}, nil, wantErr(ErrInvalidProtectionUnitID)},
		{"NUL in ID", "a\x00b", oneResponse{200, js, `{"id":"x"}`, nil}, nil, wantErr(ErrInvalidProtectionUnitID)},
		{"ID over 1,024 bytes", strings.Repeat("é", 513), oneResponse{200, js, `{"id":"x"}`, nil}, nil, wantErr(ErrInvalidProtectionUnitID)},
		{"unicode ID", "ünït/ß", oneResponse{200, js, `{"id":"ünït/ß"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "ünït/ß", u.ID) })},
		{"traversal-looking ID stays one segment", "../../me", oneResponse{200, js, `{"id":"../../me"}`, nil}, nil,
			ok(func(t *testing.T, u *models.ProtectionUnit) { require.Equal(t, "../../me", u.ID) })},
	}
	require.GreaterOrEqual(t, len(cases), 30)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A GET whose body cannot be decoded is sent again, with the
			// client's default backoff: in the bubble it takes no real time.
			synctest.Test(t, func(t *testing.T) {
				rig := newRig(t, rigOptions{respond: always(tc.resp.step()), client: tc.opts})
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				u, err := rig.c.ProtectionUnits().ByID(tc.id).Get(ctx, nil)
				tc.check(t, u, err)
				if errors.Is(err, ErrInvalidProtectionUnitID) {
					require.Zero(t, rig.tr.count(), "nothing sent for a malformed ID")
				}
				if strings.Contains(tc.name, "one segment") {
					last := rig.tr.requests[len(rig.tr.requests)-1]
					require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/..%2F..%2Fme", last.URL.EscapedPath())
				}
			})
		})
	}
}
