package backuprestore

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The bearer token never appears in an error's text (Error, %v, %+v, %#v)
// or a log record, and never reaches another host, whatever goes wrong.
func TestTokenSafety(t *testing.T) {
	t.Parallel()
	secret := makeJWT(map[string]any{"scp": "BackupRestore-Configuration.ReadWrite.All", "secret": "s3cr3t-m4rker"})
	other := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, okUnit) })
	logs := &captureHandler{}
	var modeV atomic.Value
	modeV.Store("")
	setMode := func(m string) { modeV.Store(m) }
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		switch modeV.Load().(string) {
		case "401":
			w.Header().Set("WWW-Authenticate", `Bearer realm="", error="invalid_token"`)
			reply(w, 401, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`)
		case "echo":
			// A hostile or buggy server echoing the Authorization header.
			reply(w, 400, `{"error":{"code":"BadRequest","message":"bad header `+r.Header.Get("Authorization")+`"}}`)
		case "redirect":
			http.Redirect(w, r, other.URL+"/v1.0/solutions/backupRestore/protectionUnits/u1", http.StatusTemporaryRedirect)
		case "foreign-next":
			reply(w, 200, `{"value":[{"id":"a"}],"@odata.nextLink":"`+other.URL+`/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=x"}`)
		case "hang":
			<-r.Context().Done()
		case "batch":
			reply(w, 200, `{"responses":[{"id":"0","status":400,"body":{"error":{"code":"BadRequest","message":"`+r.Header.Get("Authorization")+`"}}}]}`)
		default:
			reply(w, 200, okUnit)
		}
	}, cred: &testCred{token: secret}, client: &Options{Logger: slog.New(logs), Retry: RetryOptions{MaxRetries: 1, BaseDelay: time.Millisecond}}})
	c := rig.c
	appOnly := rig.client(t, &testCred{token: appOnlyToken}, nil)

	marker := strings.SplitN(secret, ".", 3)[1] // the claims part is unique to this token
	var errs []error
	collect := func(err error) {
		require.Error(t, err)
		errs = append(errs, err)
	}
	// No call panics; were one to, its value must not hold the token either.
	defer func() {
		if p := recover(); p != nil {
			require.NotContains(t, fmt.Sprint(p), marker, "a panic value holds the token")
			t.Fatalf("a call panicked: %v", p)
		}
	}()
	for _, m := range []string{"401", "echo", "redirect"} {
		setMode(m)
		_, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
		collect(err)
	}
	setMode("foreign-next")
	for _, err := range c.ProtectionUnits().All(t.Context(), nil) {
		if err != nil {
			collect(err)
		}
	}
	setMode("hang")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	_, err := c.ProtectionUnits().ByID("u1").Get(ctx, nil)
	cancel()
	collect(err)
	_, err = appOnly.ProtectionUnits().ByID("u1").Offboard().Post(t.Context(), nil)
	collect(err)
	setMode("batch")
	res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{"u1"}, &BulkOptions{MaxAttempts: 1})
	collect(res.Err())

	require.Empty(t, other.seen(), "nothing, token or not, reached the other host")
	for i, err := range errs {
		for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, marker) {
				// The echo case: the server put the token in its message.
				// The client must not repeat it.
				t.Errorf("error %d (%T) contains the token: %.200s", i, err, text)
			}
		}
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	require.NotEmpty(t, logs.records)
	for _, r := range logs.records {
		for k, v := range recordAttrs(r) {
			require.NotContains(t, v, marker, k)
		}
	}
}
