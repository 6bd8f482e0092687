package backuprestore

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"

	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/internal/schedule"
)

// Options configures a Client. The zero value of every field means its
// documented default; a nil *Options means all defaults. A value out of
// its documented range makes NewClient fail with ErrInvalidOptions; it is
// never silently replaced (one rule for every option of this package). NewClient copies
// the options: changing them afterwards has no effect.
type Options struct {
	// BaseURL is the Graph root including the version, default
	// "https://graph.microsoft.com/v1.0". It must be https, or plain http to
	// a loopback host (for an emulator). The bearer token is sent only to
	// this scheme, host and port.
	BaseURL string
	// Cloud selects the Graph deployment, default CloudGlobal. The Backup
	// Storage API exists only there; other clouds make NewClient fail with
	// ErrUnsupportedCloud.
	Cloud Cloud
	// Scopes are the token scopes requested from the credential, default
	// ["https://graph.microsoft.com/.default"].
	Scopes []string
	// HTTPClient supplies the transport (and cookie jar); default a clone of
	// http.DefaultTransport. Its Transport is wrapped by the client's
	// middleware. Its Timeout, if set, becomes a per-call deadline that the
	// client cancels when the call returns (Kiota's adapter would otherwise
	// create a timer per call and never release it). Redirects are never
	// followed: a 3xx is returned as *Error.
	HTTPClient *http.Client
	// Retry configures retries of throttled and unavailable responses.
	Retry RetryOptions
	// MaxResponseBytes caps every response body, default 16 MiB (not
	// negative). A larger
	// body fails the call with an error matching ErrResponseTooLarge, without
	// reading the excess.
	MaxResponseBytes int64
	// Logger receives one debug record per HTTP attempt (method, path,
	// status, attempt, retry delay, request-id), never a header or token.
	// Default: discard.
	Logger *slog.Logger
}

// RetryOptions configures the retry policy. GETs are retried on 429, 503,
// 504, transport errors, stalls and 2xx bodies cut short; offboard,
// cancelOffboard and $batch (POSTs) only on 429 and 503, which mean the
// service did not act, and on failures before the request was written
// (a refused or unreachable connection). An unknown host or a certificate
// that does not verify is never retried. How an action whose answer was
// lost is settled is described on its Post method.
type RetryOptions struct {
	// MaxRetries is the number of retries after the first attempt, 0 to
	// 100, default 3; NoRetries turns them off.
	MaxRetries int
	// MaxRetryDelay is the longest single wait the client honours, default
	// 60 s (not negative). When Retry-After asks for longer, the client does not sleep: it
	// returns the *Error, whose RetryAfter says how long to wait.
	MaxRetryDelay time.Duration
	// BaseDelay is the first backoff delay when the response carries no
	// Retry-After, default 500 ms (not negative); it doubles per retry,
	// with jitter.
	BaseDelay time.Duration
	// StallTimeout abandons an HTTP attempt when neither its response
	// headers nor any byte of its body arrive for this long, default 30 s;
	// NoStallTimeout turns it off. A stalled GET is sent again; a stalled action
	// is settled by reading the unit back. It guards calls whose context
	// has no deadline against a connection that hangs.
	StallTimeout time.Duration
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxRetryDelay, with "equal
// jitter" (half fixed, half random).
func (r RetryOptions) backoff(attempt int) time.Duration {
	d := r.BaseDelay
	for range max(attempt-1, 0) {
		if d *= 2; d >= r.MaxRetryDelay {
			d = r.MaxRetryDelay
			break
		}
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// The documented defaults.
const (
	DefaultMaxRetries       = 3
	DefaultMaxRetryDelay    = 60 * time.Second
	DefaultBaseDelay        = 500 * time.Millisecond
	DefaultStallTimeout     = 30 * time.Second
	DefaultMaxResponseBytes = 16 << 20
)

// Client calls the Backup Storage protection-unit API. It is safe for
// concurrent use; create one and share it.
type Client struct {
	adapter  abs.RequestAdapter
	maxBytes int64
	// timeout is the per-call deadline taken from Options.HTTPClient.Timeout.
	timeout time.Duration
	// base is set when the client owns its pipeline (NewClient); with
	// NewClientWithAdapter it is read from the adapter on each call.
	base *url.URL
	// retry is the resolved retry policy, also used by the bulk scheduler.
	retry RetryOptions
	// limiter paces every bulk call of this client (and every stage of its
	// runs) to what the service admits; one per client, so concurrent bulk
	// calls share one budget.
	limiter schedule.Pacer
	// lastSubject is the oid of the bearer token the client last sent
	// (the caller, for evidence that a change is its own).
	lastSubject atomic.Pointer[string]
	// gateCache is the service status last read before a policy change.
	gateCache gateCache
}

// NewClient returns a client that authenticates with cred (any
// azcore.TokenCredential: azidentity, fake.Credential, your own) and sends
// requests through Kiota's HTTP adapter with the client's own middleware, in
// this order: guard (origin, token and delegated-token checks), wire
// (user agent "backuprestore-go/<Version>", OData query names), retry
// (with per-attempt logging), response-size cap, wire tracker (whether each
// attempt reached the wire; the stall watchdog). Concurrent token requests
// to cred are coalesced into one, and a failing credential fails the call
// at once with ErrCredential.
//
// It fails if cred is nil (a typed nil pointer included), BaseURL is malformed or not https (plain http is
// allowed to loopback only), and with ErrUnsupportedCloud for a national
// cloud.
func NewClient(cred azcore.TokenCredential, opts *Options) (*Client, error) {
	if isNil(cred) {
		return nil, errors.New("backuprestore: NewClient: credential is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	base, err := parseBaseURL(cmpOr(o.BaseURL, defaultBaseURL))
	if err != nil {
		return nil, err
	}
	if err := checkCloud(o.Cloud, base); err != nil {
		return nil, err
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = []string{defaultScope}
	}
	auth, err := newAuthProvider(cred, scopes, base)
	if err != nil {
		return nil, err
	}
	if o.MaxResponseBytes < 0 {
		return nil, wrapErr("Options.MaxResponseBytes is negative", ErrInvalidOptions)
	}
	if err := o.Retry.check(); err != nil {
		return nil, err
	}
	maxBytes := o.MaxResponseBytes
	if maxBytes == 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	retry := resolveRetry(o.Retry)
	httpClient, timeout := newHTTPClient(o, retry, base, maxBytes)
	adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, jsonserialization.NewJsonParseNodeFactory(), jsonserialization.NewJsonSerializationWriterFactory(), httpClient)
	if err != nil {
		return nil, fmt.Errorf("backuprestore: creating the Kiota adapter: %w", err)
	}
	adapter.SetBaseUrl(base.String())
	return &Client{adapter: adapter, maxBytes: maxBytes, timeout: timeout, base: base, retry: retry, limiter: schedule.ForClient()}, nil
}

// newHTTPClient builds the http.Client the adapter uses: the caller's
// transport wrapped in the explicit middleware list, no client-wide Timeout
// (see Options.HTTPClient) and no redirects.
func newHTTPClient(o Options, retry RetryOptions, base *url.URL, maxBytes int64) (*http.Client, time.Duration) {
	var transport http.RoundTripper
	var jar http.CookieJar
	var timeout time.Duration
	if o.HTTPClient != nil {
		transport, jar, timeout = o.HTTPClient.Transport, o.HTTPClient.Jar, o.HTTPClient.Timeout
	}
	if transport == nil {
		transport = khttp.GetDefaultTransport()
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// Always an explicit, ordered list: an empty list would make Kiota
	// install its defaults (RetryHandler included), in map order.
	chain := []khttp.Middleware{
		middleware.NewGuard(base, true),
		&middleware.Wire{UserAgent: userAgentProduct + "/" + Version},
		&middleware.Retry{Policy: middleware.RetryPolicy{MaxRetries: retry.MaxRetries, MaxRetryDelay: retry.MaxRetryDelay, BaseDelay: retry.BaseDelay}, Logger: logger},
		&middleware.BodyLimit{Max: maxBytes},
		&middleware.WireTracker{Stall: retry.StallTimeout, TraceAware: isHTTPTransport(transport)},
	}
	return &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(transport, chain...),
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, timeout
}

// isHTTPTransport reports whether rt is net/http's own transport, which
// fires httptrace's GetConn before it does anything with a request.
func isHTTPTransport(rt http.RoundTripper) bool {
	_, ok := rt.(*http.Transport)
	return ok
}

// NoRetries, as RetryOptions.MaxRetries, turns retries off.
const NoRetries = -1

// NoStallTimeout, as RetryOptions.StallTimeout, turns the stall watchdog off.
const NoStallTimeout time.Duration = -1

// maxRetriesLimit is the largest RetryOptions.MaxRetries accepted.
const maxRetriesLimit = 100

// check rejects values out of range (see ErrInvalidOptions).
func (r RetryOptions) check() error {
	switch {
	case r.MaxRetries != NoRetries && (r.MaxRetries < 0 || r.MaxRetries > maxRetriesLimit):
		return wrapErr("RetryOptions.MaxRetries is "+strconv.Itoa(r.MaxRetries)+", want 0 to 100 or NoRetries", ErrInvalidOptions)
	case r.MaxRetryDelay < 0:
		return wrapErr("RetryOptions.MaxRetryDelay is negative", ErrInvalidOptions)
	case r.BaseDelay < 0:
		return wrapErr("RetryOptions.BaseDelay is negative", ErrInvalidOptions)
	case r.StallTimeout < 0 && r.StallTimeout != NoStallTimeout:
		return wrapErr("RetryOptions.StallTimeout is negative; use NoStallTimeout to turn it off", ErrInvalidOptions)
	}
	return nil
}

// resolveRetry fills in the documented defaults.
func resolveRetry(r RetryOptions) RetryOptions {
	switch {
	case r.MaxRetries == 0:
		r.MaxRetries = DefaultMaxRetries
	case r.MaxRetries < 0:
		r.MaxRetries = 0
	}
	if r.MaxRetryDelay <= 0 {
		r.MaxRetryDelay = DefaultMaxRetryDelay
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = DefaultBaseDelay
	}
	switch {
	case r.StallTimeout == 0:
		r.StallTimeout = DefaultStallTimeout
	case r.StallTimeout < 0:
		r.StallTimeout = 0
	}
	return r
}

// NewClientWithAdapter returns a client that sends every request through
// adapter, for example msgraph-sdk-go's GraphRequestAdapter, so its
// authentication, middleware and base URL are used as they are. Behaviour
// that lives in this package's own pipeline (the retry policy, the
// origin/token/delegated-token guard, the response-size middleware, the
// wire tracker that tells "not sent" from "maybe applied") is then the
// adapter's business: a transport failure without a known cause counts as
// maybe applied, so actions are read back rather than resent. Decoding,
// errors, ID checks and reconciliation are unchanged.
//
// It fails when adapter is nil (a typed nil included).
func NewClientWithAdapter(adapter abs.RequestAdapter) (*Client, error) {
	if isNil(adapter) {
		return nil, errors.New("backuprestore: NewClientWithAdapter: adapter is nil")
	}
	return &Client{adapter: adapter, maxBytes: DefaultMaxResponseBytes, retry: resolveRetry(RetryOptions{}), limiter: schedule.ForClient()}, nil
}

// subject returns the oid of the token the client last sent, or "".
func (c *Client) subject() string {
	if p := c.lastSubject.Load(); p != nil {
		return *p
	}
	return ""
}

// noteSubject remembers the oid a call's token carried.
func (c *Client) noteSubject(s string) {
	if s != "" && c.subject() != s {
		c.lastSubject.Store(&s)
	}
}

// Adapter returns the Kiota RequestAdapter the client sends requests
// through, for sending RequestInformation built by the To…RequestInformation
// methods yourself.
func (c *Client) Adapter() abs.RequestAdapter { return c.adapter }

// baseURL returns the Graph root the client sends to.
func (c *Client) baseURL() (*url.URL, error) {
	if c.base != nil {
		return c.base, nil
	}
	raw := strings.TrimRight(c.adapter.GetBaseUrl(), "/")
	if raw == "" {
		raw = defaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("backuprestore: adapter base URL: %w", err)
	}
	return u, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
