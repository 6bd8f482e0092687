package fake_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// trackingBody records whether it was read to the end and closed.
type trackingBody struct {
	r      io.Reader
	eof    atomic.Bool
	closed atomic.Bool
}

func (b *trackingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}
func (b *trackingBody) Close() error { b.closed.Store(true); return nil }

func TestTransport(t *testing.T) {
	srv := fake.NewServer(nil)
	require.NoError(t, srv.AddUnit(site("s", models.StatusUnprotected, "")))
	rt := srv.Transport()
	tok := fake.NewDelegatedCredential().Token()

	// The request body is read fully and closed; the answer has a real body.
	b := &trackingBody{r: strings.NewReader(batchBody(t, item("1", "GET", unitPath("s"))))}
	req, err := http.NewRequestWithContext(t.Context(), "POST", base+"/$batch", b)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	require.True(t, b.eof.Load())
	require.True(t, b.closed.Load())
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "200 OK", resp.Status)
	require.Equal(t, "HTTP/1.1", resp.Proto)
	require.Same(t, req, resp.Request)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.EqualValues(t, len(data), resp.ContentLength)
	require.NoError(t, resp.Body.Close())

	// A done context fails before anything happens.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, err = http.NewRequestWithContext(ctx, "POST", base+unitPath("s", "offboard"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err = rt.RoundTrip(req)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, models.StatusUnprotected, mustUnit(t, srv, "s").Status)
	require.Len(t, srv.Requests(), 2, "the item and the $batch; nothing for the cancelled request")

	// Any host is served, http or https.
	for _, u := range []string{"http://localhost:1/v1.0" + unitPath("s"), "https://example.test/v1.0" + unitPath("s")} {
		r := doWith(t, srv.Client(), tok, "GET", u)
		require.Equal(t, 200, r.status, u)
	}
}

func mustUnit(t *testing.T, srv *fake.Server, id string) fake.Unit {
	t.Helper()
	u, ok := srv.Unit(id)
	require.True(t, ok)
	return u
}

func TestServeHTTPBodyLimit(t *testing.T) {
	e := newEnv(t, nil)
	big := `{"requests":[],"pad":"` + strings.Repeat("x", 4<<20) + `"}`
	r := e.do("POST", "/$batch", contentType("application/json"), body(big))
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
}
