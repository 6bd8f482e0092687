package middleware

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/m365kit/backuprestore/internal/retryafter"
)

// RetryPolicy configures Retry. Zero fields are not defaults: the client
// fills them in.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// MaxRetryDelay is the longest single wait honoured; a longer
	// Retry-After ends the retries and returns that response.
	MaxRetryDelay time.Duration
	// BaseDelay is the first backoff when the response names no delay;
	// it doubles per retry, with jitter, up to MaxRetryDelay.
	BaseDelay time.Duration
}

// tracerName names the client's OpenTelemetry tracer.
const tracerName = "github.com/m365kit/backuprestore"

// drainLimit is how much of a discarded body is read so the connection can
// be reused; a longer body is closed unread.
const drainLimit = 64 << 10

// Retry retries throttled and unavailable responses. Kiota's RetryHandler
// is not used because it leaves every discarded response body open (leaking
// the connection), truncates a fractional Retry-After ("0.3" becomes an
// immediate retry), and retries POSTs without regard to whether the server
// acted.
//
// Rules: GET (and HEAD) is retried on 429, 503 and 504 and on transport
// errors (a stalled response included); any other method only on 429 and
// 503, the statuses that mean the server did not act, and on a transport
// error that the wire tracker shows happened before the request was
// written. An unknown host or a certificate that does not verify is never
// retried. The delay is Retry-After (seconds, fractional, or an
// HTTP date) or exponential backoff with jitter; a delay over MaxRetryDelay,
// or one that would outlast the context's deadline, ends the retries and
// returns the last response. Every discarded body is drained and closed.
// Each attempt is logged at debug level and recorded as a span event.
type Retry struct {
	Policy RetryPolicy
	Logger *slog.Logger
}

// Intercept implements khttp.Middleware.
func (m *Retry) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// Kiota's adapter ends the span it builds the request under before
	// sending it, so attempts get a span of their own to carry their events
	// (only when tracing is on: a valid span context means a real tracer).
	if trace.SpanFromContext(ctx).SpanContext().IsValid() {
		var span trace.Span
		ctx, span = otel.Tracer(tracerName).Start(ctx, "backuprestore.http "+req.Method, trace.WithSpanKind(trace.SpanKindClient))
		defer span.End()
		req = req.WithContext(ctx)
	}
	if err := makeRewindable(req); err != nil {
		return nil, err
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	_, createOnce := ctx.Value(createOnceKey).(*CreateOnce)
	for attempt := 1; ; attempt++ {
		start := time.Now()
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := p.Next(r, i)
		delay, retry := m.decide(ctx, attempt, idempotent, resp, err)
		if createOnce && err == nil && resp.StatusCode == http.StatusServiceUnavailable {
			retry = false // a 503 may follow a create: the caller reads back first
		}
		m.record(ctx, r, attempt, resp, err, delay, retry, time.Since(start))
		if !retry {
			if se, ok := err.(*SendError); ok {
				se.Attempts = attempt
			}
			return resp, err
		}
		if resp != nil {
			drain(resp.Body)
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			// Nothing is in flight: the attempts so far were answered
			// with "not acted on" (429, 503) or never reached the wire.
			return nil, &SendError{Err: fmt.Errorf("waiting %v to retry: %w", delay, context.Cause(ctx)), State: NotSent, Attempts: attempt}
		case <-timer.C:
		}
	}
}

// decide reports whether to retry and after how long.
func (m *Retry) decide(ctx context.Context, attempt int, idempotent bool, resp *http.Response, err error) (time.Duration, bool) {
	if attempt > m.Policy.MaxRetries || ctx.Err() != nil {
		return 0, false
	}
	var delay time.Duration
	switch {
	case err != nil:
		var se *SendError
		isSend := errors.As(err, &se)
		switch {
		case isSend && se.Permanent:
			return 0, false // an unknown host or a bad certificate stays so
		case isSend && se.State == NotSent:
			// Nothing was written: resending cannot apply anything twice.
		case !idempotent:
			return 0, false // the server may have acted: never resend a POST
		}
		delay = m.backoff(attempt)
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusServiceUnavailable,
		resp.StatusCode == http.StatusGatewayTimeout && idempotent:
		d, ok := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			d = m.backoff(attempt)
		}
		delay = d
	default:
		return 0, false
	}
	if delay > m.Policy.MaxRetryDelay {
		return delay, false
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		return delay, false
	}
	return delay, true
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxRetryDelay, with "equal
// jitter": half fixed, half random, so concurrent clients spread out.
func (m *Retry) backoff(attempt int) time.Duration {
	d := m.Policy.BaseDelay
	for range attempt - 1 {
		d *= 2
		if d >= m.Policy.MaxRetryDelay {
			d = m.Policy.MaxRetryDelay
			break
		}
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(half+1)
}

// record logs the attempt at debug level and adds a span event. Neither
// includes headers, so the Authorization header never reaches a log.
func (m *Retry) record(ctx context.Context, r *http.Request, attempt int, resp *http.Response, err error, delay time.Duration, retry bool, elapsed time.Duration) {
	span := trace.SpanFromContext(ctx)
	logging := m.Logger != nil && m.Logger.Enabled(ctx, slog.LevelDebug)
	if !logging && !span.IsRecording() {
		return
	}
	status, requestID := 0, ""
	if resp != nil {
		status, requestID = resp.StatusCode, resp.Header.Get("request-id")
	}
	if span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.Int("http.request.resend_count", attempt-1),
			attribute.Int("http.response.status_code", status),
			attribute.Bool("backuprestore.will_retry", retry),
		}
		if retry {
			attrs = append(attrs, attribute.String("backuprestore.retry_after", delay.String()))
		}
		span.AddEvent("backuprestore.attempt", trace.WithAttributes(attrs...))
	}
	if logging {
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.EscapedPath()),
			slog.Int("status", status),
			slog.Int("attempt", attempt),
			slog.String("request_id", requestID),
			slog.Duration("elapsed", elapsed),
		}
		if retry {
			attrs = append(attrs, slog.Duration("retry_after", delay))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		m.Logger.LogAttrs(ctx, slog.LevelDebug, "backuprestore: http attempt", attrs...)
	}
}

// makeRewindable makes sure a request body can be sent again. Kiota sets
// Body but not GetBody, so without this a retried POST would go out empty.
func makeRewindable(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return fmt.Errorf("buffering request body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	return nil
}

// drain reads a little of a discarded body, so the connection can be
// reused, and closes it.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}
