package middleware

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/errs"
)

// funcPipeline ends the middleware chain in a function.
type funcPipeline func(*http.Request) (*http.Response, error)

func (f funcPipeline) Next(req *http.Request, _ int) (*http.Response, error) { return f(req) }

func TestRetryResendsTheFullBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bodies []string
		p := funcPipeline(func(r *http.Request) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			status := 429
			if len(bodies) == 2 {
				status = 200
			}
			return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"1"}}, Body: io.NopCloser(strings.NewReader("{}"))}, nil
		})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://graph.microsoft.com/v1.0/$batch", nil)
		// As Kiota builds it: Body set, GetBody not.
		req.Body = io.NopCloser(bytes.NewReader([]byte(`{"requests":[]}`)))
		m := &Retry{Policy: RetryPolicy{MaxRetries: 3, MaxRetryDelay: time.Minute, BaseDelay: time.Second}}
		resp, err := m.Intercept(p, 0, req)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, []string{`{"requests":[]}`, `{"requests":[]}`}, bodies, "a retried POST is never sent empty")
	})
}

func TestBodyLimit(t *testing.T) {
	serve := func(body string, contentLength int64) funcPipeline {
		return func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, ContentLength: contentLength, Body: io.NopCloser(strings.NewReader(body))}, nil
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/x", nil)
	m := &BodyLimit{Max: 10}

	resp, err := m.Intercept(serve("0123456789", -1), 0, req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "exactly the limit is fine")
	require.Equal(t, "0123456789", string(b))

	resp, err = m.Intercept(serve("0123456789A", -1), 0, req)
	require.NoError(t, err)
	b, err = io.ReadAll(resp.Body)
	require.ErrorIs(t, err, errs.ResponseTooLarge)
	require.Len(t, b, 10)

	resp, err = m.Intercept(serve("0123456789ABC", 13), 0, req)
	require.NoError(t, err, "status and headers still reach the caller")
	_, err = resp.Body.Read(make([]byte, 4))
	require.ErrorIs(t, err, errs.ResponseTooLarge)
}

func TestGuard(t *testing.T) {
	base, _ := url.Parse("https://graph.microsoft.com/v1.0")
	g := NewGuard(base, true)
	ok := funcPipeline(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 200}, nil })
	cases := map[string]error{
		"https://graph.microsoft.com/v1.0/x":     nil,
		"https://GRAPH.microsoft.com:443/v1.0/x": nil,
		"https://graph.microsoft.com:8443/v1.0/": errs.ForeignHost,
		"http://graph.microsoft.com/v1.0/x":      errs.ForeignHost,
		"https://evil.example/v1.0/x":            errs.ForeignHost,
	}
	for raw, want := range cases {
		req, _ := http.NewRequest(http.MethodGet, raw, nil)
		req.Header.Set("Authorization", "Bearer t")
		_, err := g.Intercept(ok, 0, req)
		if want == nil {
			require.NoError(t, err, raw)
		} else {
			require.True(t, errors.Is(err, want), "%s: %v", raw, err)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/x", nil)
	_, err := g.Intercept(ok, 0, req)
	require.ErrorIs(t, err, errs.NoToken)
}

func TestWire(t *testing.T) {
	ok := funcPipeline(func(r *http.Request) (*http.Response, error) { return &http.Response{StatusCode: 200, Request: r}, nil })
	m := &Wire{UserAgent: "backuprestore-go/1.0"}
	req, _ := http.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/x?%24top=5&%24filter=a%20eq%20%2724%27&name=%24x", nil)
	resp, err := m.Intercept(ok, 0, req)
	require.NoError(t, err)
	require.Equal(t, "$top=5&$filter=a%20eq%20%2724%27&name=%24x", resp.Request.URL.RawQuery, "names only, not values")
	require.Equal(t, "backuprestore-go/1.0", resp.Request.Header.Get("User-Agent"))

	req, _ = http.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/x", nil)
	req.Header.Set("User-Agent", "my-tool/2")
	resp, _ = m.Intercept(ok, 0, req)
	require.Equal(t, "my-tool/2 backuprestore-go/1.0", resp.Request.Header.Get("User-Agent"))
}
