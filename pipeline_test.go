package backuprestore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

// captureHandler is a slog.Handler that keeps every record, with the
// attributes and groups of handlers derived from it (Logger.With), so a
// token logged through either way is caught.
type captureHandler struct {
	mu      sync.Mutex
	records []slog.Record

	root  *captureHandler // the handler holding records; nil for the root itself
	attrs []slog.Attr     // from WithAttrs, outermost first
	group string          // from WithGroup: the record's own attributes go under it
}

func (h *captureHandler) sink() *captureHandler {
	if h.root != nil {
		return h.root
	}
	return h
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(h.attrs...)
	var own []any
	r.Attrs(func(a slog.Attr) bool {
		own = append(own, a)
		return true
	})
	if h.group != "" {
		out.AddAttrs(slog.Group(h.group, own...))
	} else {
		r.Attrs(func(a slog.Attr) bool {
			out.AddAttrs(a)
			return true
		})
	}
	s := h.sink()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, out)
	return nil
}
func (h *captureHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &captureHandler{root: h.sink(), attrs: append(slices.Clone(h.attrs), attrs...), group: h.group}
}
func (h *captureHandler) WithGroup(name string) slog.Handler {
	return &captureHandler{root: h.sink(), attrs: slices.Clone(h.attrs), group: name}
}

// The capture handler sees attributes added through Logger.With and
// WithGroup, so TestTokenSafety would catch a token logged that way.
func TestCaptureHandlerKeepsDerivedAttributes(t *testing.T) {
	t.Parallel()
	h := &captureHandler{}
	slog.New(h).With("auth", "tok-1").WithGroup("g").Info("m", "k", "tok-2")
	require.Len(t, h.records, 1)
	attrs := recordAttrs(h.records[0])
	require.Equal(t, "tok-1", attrs["auth"])
	require.Contains(t, attrs["g"], "tok-2")
}

func recordAttrs(r slog.Record) map[string]string {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

func TestLoggingOneRecordPerAttemptWithoutSecrets(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := &captureHandler{}
		rig := newRig(t, rigOptions{respond: script(
			step{status: 429, headers: map[string]string{"Retry-After": "1.5", "request-id": "first"}},
			step{status: 200, body: okUnit, headers: map[string]string{"request-id": "second"}},
		), client: &Options{Logger: slog.New(h)}})
		c := rig.c
		_, err := c.ProtectionUnits().ByID("u1").CancelOffboard().Post(t.Context(), nil)
		require.NoError(t, err)

		require.Len(t, h.records, 2, "one debug record per attempt")
		first, second := recordAttrs(h.records[0]), recordAttrs(h.records[1])
		require.Equal(t, slog.LevelDebug, h.records[0].Level)
		require.Equal(t, "POST", first["method"])
		require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/u1/cancelOffboard", first["path"])
		require.Equal(t, "429", first["status"])
		require.Equal(t, "1", first["attempt"])
		require.Equal(t, "1.5s", first["retry_after"])
		require.Equal(t, "first", first["request_id"])
		require.Equal(t, "200", second["status"])
		require.Equal(t, "2", second["attempt"])
		require.Equal(t, "second", second["request_id"])
		require.NotContains(t, second, "retry_after")
		for _, r := range h.records {
			for k, v := range recordAttrs(r) {
				require.NotContains(t, v, delegatedToken, k)
				require.NotContains(t, strings.ToLower(k), "authorization")
			}
		}
	})
}

func TestResponseSizeCap(t *testing.T) {
	t.Parallel()
	big := `{"id":"u1","siteName":"` + strings.Repeat("x", 4096) + `"}`
	t.Run("content-length over the cap", func(t *testing.T) {
		t.Parallel()
		rig := newRig(t, rigOptions{respond: script(step{status: 200, body: big}), client: &Options{MaxResponseBytes: 1024}})
		tr, c := rig.tr, rig.c
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.ErrorIs(t, err, ErrResponseTooLarge)
		require.ErrorIs(t, err, ErrUnexpectedResponse)
		e, ok := errors.AsType[*Error](err)
		require.True(t, ok)
		require.Equal(t, 200, e.StatusCode)
		require.Equal(t, "req-1", e.RequestID, "status and headers survive")
		tr.allClosed(t)
	})
	t.Run("chunked body over the cap is not buffered", func(t *testing.T) {
		t.Parallel()
		var served atomic.Int64
		rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			chunk := bytes.Repeat([]byte("x"), 1024)
			_, _ = w.Write([]byte(`{"id":"u1","siteName":"`))
			for range 10 << 10 { // 10 MiB
				if _, err := w.Write(chunk); err != nil {
					return
				}
				served.Add(int64(len(chunk)))
			}
		}, client: &Options{MaxResponseBytes: 64 << 10}})
		c := rig.c
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.ErrorIs(t, err, ErrResponseTooLarge)
		require.Less(t, served.Load(), int64(5<<20), "the client stopped reading long before the end")
	})
	t.Run("error body over the cap keeps the status", func(t *testing.T) {
		t.Parallel()
		rig := newRig(t, rigOptions{respond: script(step{status: 500, body: big}), client: &Options{MaxResponseBytes: 1024, Retry: RetryOptions{MaxRetries: -1}}})
		c := rig.c
		_, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.ErrorIs(t, err, ErrServer)
		require.ErrorIs(t, err, ErrResponseTooLarge)
	})
	t.Run("a body of exactly the cap is fine", func(t *testing.T) {
		t.Parallel()
		rig := newRig(t, rigOptions{respond: script(step{status: 200, body: big}), client: &Options{MaxResponseBytes: int64(len(big))}})
		c := rig.c
		u, err := c.ProtectionUnits().ByID("u1").Get(t.Context(), nil)
		require.NoError(t, err)
		require.Len(t, u.SiteName, 4096)
	})
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Kiota's adapter wraps a deadline-less context in WithTimeout and drops the
// cancel whenever http.Client.Timeout is set, retaining a timer and context
// per call until the timeout fires. With the client's handling of Timeout,
// the heap stays flat.
//
// Not parallel: it measures the heap, which other tests would grow.
func TestHeapStaysFlatWithHTTPClientTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 calls")
	}
	c, err := NewClient(delegatedCred(), &Options{HTTPClient: &http.Client{
		// Answers the same unit, recording nothing, so that memory
		// measurements see only the client.
		Transport: &faultTransport{respond: always(step{status: 200, body: testdata(t, "cancel_offboard_200.json")})},
		Timeout:   100 * time.Second,
	}})
	require.NoError(t, err)
	ctx := context.Background() // deliberately deadline-less
	call := func() {
		_, err := c.ProtectionUnits().ByID(seedID).CancelOffboard().Post(ctx, nil)
		require.NoError(t, err)
	}
	for range 1000 {
		call()
	}
	base := heapAfterGC()
	for range 20000 {
		call()
	}
	after := heapAfterGC()
	growth := int64(after) - int64(base)
	t.Logf("heap after 1,000 calls: %d KiB; after 21,000: %d KiB", base>>10, after>>10)
	require.Less(t, growth, int64(1<<20), "heap grew by %d bytes over 20,000 calls", growth)
}

// noHandlerAdapter stands for a RequestAdapter that ignores Kiota response
// handlers, so the client's Kiota parse-node fallback path runs.
type noHandlerAdapter struct{ abs.RequestAdapter }

func (a noHandlerAdapter) Send(ctx context.Context, ri *abs.RequestInformation, f serializationFactory, m abs.ErrorMappings) (parsable, error) {
	// An option with a nil handler replaces the client's (same key).
	ri.AddRequestOptions([]abs.RequestOption{abs.NewRequestHandlerOption()})
	return a.RequestAdapter.Send(ctx, ri, f, m)
}

func TestNewClientWithAdapter(t *testing.T) {
	t.Parallel()
	status := 200
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch status {
		case 200:
			reply(w, 200, testdata(t, "cancel_offboard_200.json"))
		case 403:
			reply(w, 403, testdata(t, "cancel_offboard_403.json"))
		default:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		}
	})
	// A plain Kiota adapter, as msgraph-sdk-go's GraphRequestAdapter is.
	adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		&absauth.AnonymousAuthenticationProvider{}, nil, nil, ts.Server.Client())
	require.NoError(t, err)
	adapter.SetBaseUrl(ts.URL + "/v1.0")
	registerJSON()

	for name, a := range map[string]abs.RequestAdapter{"kiota adapter": adapter, "adapter ignoring response handlers": noHandlerAdapter{adapter}} {
		t.Run(name, func(t *testing.T) {
			c, err := NewClientWithAdapter(a)
			require.NoError(t, err)
			status = 200
			u, err := c.ProtectionUnits().ByID(seedID).CancelOffboard().Post(t.Context(), nil)
			require.NoError(t, err)
			require.Equal(t, models.StatusCancelOffboardRequested, u.Status)
			require.Equal(t, "Ryan", u.LastModifiedBy.User.DisplayName)
			last := ts.seen()[len(ts.seen())-1]
			require.Equal(t, "/v1.0/solutions/backupRestore/protectionUnits/"+seedID+"/cancelOffboard", last.Path)
			require.Equal(t, "include-unknown-enum-members", last.Header.Get("Prefer"))

			status = 403
			_, err = c.ProtectionUnits().ByID(seedID).CancelOffboard().Post(t.Context(), nil)
			require.ErrorIs(t, err, ErrOperationNotAllowed)
			e, ok := errors.AsType[*Error](err)
			require.True(t, ok)
			require.Equal(t, "req-123", e.RequestID)

			status = 502
			_, err = c.ProtectionUnits().ByID(seedID).Get(t.Context(), nil)
			if _, ignoresHandlers := a.(noHandlerAdapter); ignoresHandlers {
				// Kiota's own error path cannot parse an HTML body and drops
				// the status; only the response handler can keep it.
				require.ErrorContains(t, err, "text/html")
			} else {
				e, ok = errors.AsType[*Error](err)
				require.True(t, ok, "%T %v", err, err)
				require.Equal(t, 502, e.StatusCode)
				require.Contains(t, string(e.RawBody), "bad gateway")
			}

			_, err = c.ProtectionUnits().ByID("").Get(t.Context(), nil)
			require.ErrorIs(t, err, ErrInvalidProtectionUnitID)
		})
	}

	c, err := NewClientWithAdapter(nil)
	require.Nil(t, c)
	require.ErrorContains(t, err, "adapter is nil")
	var typedNil *khttp.NetHttpRequestAdapter
	_, err = NewClientWithAdapter(typedNil)
	require.ErrorContains(t, err, "adapter is nil")
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{handler: func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, testdata(t, "cancel_offboard_200.json"))
	}, client: &Options{Logger: slog.New(&captureHandler{})}})
	ts, c := rig.ts, rig.c
	var wg sync.WaitGroup
	errs := make(chan error, 64*20)
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				var err error
				switch (g + i) % 3 {
				case 0:
					_, err = c.ProtectionUnits().ByID(seedID).CancelOffboard().Post(t.Context(), nil)
				case 1:
					_, err = c.ProtectionUnits().ByID(seedID).Offboard().Post(t.Context(), nil)
				default:
					_, err = c.ProtectionUnits().ByID(seedID).Get(t.Context(), nil)
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, ts.seen(), 64*20)
}
