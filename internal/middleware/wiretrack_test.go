package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// What the wire tracker concludes from the transport's httptrace hooks and
// its error, for a transport that fires the hooks as net/http's does.
func TestWireTrackerStates(t *testing.T) {
	t.Parallel()
	reset := errors.New("read: connection reset by peer")
	for _, tc := range []struct {
		name       string
		traceAware bool
		hooks      func(*httptrace.ClientTrace)
		err        error
		want       SendState
	}{
		{"written whole, answer lost", true, func(ct *httptrace.ClientTrace) {
			ct.GetConn("h:443")
			ct.WroteRequest(httptrace.WroteRequestInfo{})
		}, reset, MaybeSent},
		{"writing failed midway (broken pipe): not whole", true, func(ct *httptrace.ClientTrace) {
			ct.GetConn("h:443")
			ct.WroteRequest(httptrace.WroteRequestInfo{Err: syscall.EPIPE})
		}, syscall.EPIPE, NotSent},
		{"connection asked for, nothing written", true, func(ct *httptrace.ClientTrace) { ct.GetConn("h:443") }, reset, NotSent},
		{"context ended before the transport asked for a connection", true, func(*httptrace.ClientTrace) {}, context.Canceled, NotSent},
		{"an unknown transport that fires no hook", false, func(*httptrace.ClientTrace) {}, reset, SendUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &AttemptLog{}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://graph.microsoft.com/v1.0/$batch", nil)
			req = req.WithContext(context.WithValue(req.Context(), attemptLogKey, log))
			p := funcPipeline(func(r *http.Request) (*http.Response, error) {
				tc.hooks(httptrace.ContextClientTrace(r.Context()))
				return nil, tc.err
			})
			m := &WireTracker{TraceAware: tc.traceAware}
			_, err := m.Intercept(p, 0, req)
			var se *SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.want, se.State)
			require.Equal(t, tc.want, log.Attempts()[0].State)
		})
	}
}
