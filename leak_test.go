package backuprestore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Every body opened is closed, and no goroutine outlives the calls, across
// retries, error bodies, oversized bodies, a context cancelled mid-body,
// broken iterations and bulk runs.
//
// Not parallel: goleak.VerifyNone would count other tests' goroutines.
func TestBodiesOpenedEqualBodiesClosed(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	var hits atomic.Int64
	bodyStarted := make(chan struct{}, 1)
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		switch {
		case strings.HasSuffix(r.URL.Path, "/throttled"):
			if n%2 == 1 {
				w.Header().Set("Retry-After", "0.01")
				reply(w, 429, `{"error":{"code":"TooManyRequests"}}`)
				return
			}
			reply(w, 200, okUnit)
		case strings.HasSuffix(r.URL.Path, "/html"):
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		case strings.HasSuffix(r.URL.Path, "/huge"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"huge","siteName":"` + strings.Repeat("x", 256<<10) + `"}`))
		case strings.HasSuffix(r.URL.Path, "/slow"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"slow","siteName":"`))
			w.(http.Flusher).Flush()
			bodyStarted <- struct{}{}
			<-r.Context().Done()
		case strings.HasSuffix(r.URL.Path, "/protectionUnits"):
			next := fmt.Sprintf(`,"@odata.nextLink":"%s/v1.0/solutions/backupRestore/protectionUnits?$skiptoken=%d"`, "http://"+r.Host, n)
			reply(w, 200, `{"value":[{"id":"a"},{"id":"b"}]`+next+`}`)
		case r.URL.Path == "/v1.0/$batch":
			reply(w, 200, `{"responses":[{"id":"0","status":200,"body":{"id":"a","status":"cancelOffboardRequested"}}]}`)
		default:
			reply(w, 403, `{"error":{"code":"OperationNotAllowed"}}`)
		}
	}})
	// The bodies are counted by a recording transport over the server's own
	// connections, which the test then closes.
	base := &http.Transport{}
	counter := &faultTransport{next: base, record: true}
	c := rig.client(t, nil, &Options{HTTPClient: &http.Client{Transport: counter}, MaxResponseBytes: 64 << 10})
	ctx := t.Context()
	units := c.ProtectionUnits()

	_, err := units.ByID("throttled").Get(ctx, nil)
	require.NoError(t, err)
	_, err = units.ByID("html").Get(ctx, nil)
	require.ErrorIs(t, err, ErrServer)
	_, err = units.ByID("huge").Get(ctx, nil)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	_, err = units.ByID("forbidden").CancelOffboard().Post(ctx, nil)
	require.ErrorIs(t, err, ErrOperationNotAllowed)

	cctx, cancel := context.WithCancel(ctx)
	go func() { <-bodyStarted; time.Sleep(10 * time.Millisecond); cancel() }()
	_, err = units.ByID("slow").Get(cctx, nil)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)

	for range units.All(ctx, nil) {
		break
	}
	n := 0
	for _, err := range units.All(ctx, nil) {
		require.NoError(t, err)
		if n++; n == 5 {
			break
		}
	}
	res := units.CancelOffboardAll(ctx, []string{"a"}, nil)
	require.NoError(t, res.Err())

	require.Positive(t, counter.allClosed(t), "bodies opened, each closed")
	rig.ts.Close()
	base.CloseIdleConnections()
}
