package fake

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The emulator models Graph throttling with token buckets, one per app,
// per tenant and per app+tenant (api-facts §8.3: limits apply per app, per
// tenant or per app+tenant, whichever is reached first). Every HTTP request
// costs one token in each limited scope; a $batch costs one per item, its
// envelope nothing (Graph evaluates batched requests individually).
//
// The buckets are written by hand rather than with golang.org/x/time/rate:
// a request must be admitted only when all three of its buckets hold a
// token (checked and charged under one lock), a throttled request is
// charged anyway with a bounded debt, and Retry-After is "when will every
// bucket hold a token again", none of which rate.Limiter's Allow/Reserve
// API expresses without re-deriving its state.

// Defaults and bounds of the throttling model.
const (
	// DefaultThrottleStatsInterval is the width of one sample of
	// ThrottleStats.Series when ThrottleOptions.StatsInterval is zero.
	DefaultThrottleStatsInterval = time.Second
	// MaxThrottleSamples is how many samples ThrottleStats.Series keeps;
	// older ones are dropped first (an hour of one-second samples).
	MaxThrottleSamples = 3600
	// MinRetryAfter is the smallest Retry-After a throttled request gets,
	// however fast its buckets refill.
	MinRetryAfter = 5 * time.Millisecond
)

// maxThrottleBuckets is how many buckets the throttler keeps before it
// forgets the full (idle) ones; see throttler.pruneLocked.
const maxThrottleBuckets = 4096

// tokenEpsilon absorbs float rounding when a client waits exactly the
// Retry-After it was given.
const tokenEpsilon = 1e-9

// ThrottleLimit is the limit of one throttling scope: a token bucket
// holding at most Burst tokens, refilled at Rate tokens per second. The
// zero ThrottleLimit is unlimited.
type ThrottleLimit struct {
	// Rate is the refill rate in tokens (requests, or $batch items) per
	// second. It must be positive unless the limit is the zero value.
	Rate float64
	// Burst is the bucket's capacity: how many requests pass at once after
	// an idle period. Zero with a positive Rate means one second's worth,
	// ceil(Rate) (at least 1). A throttled request still costs a token, so
	// the bucket goes into debt, down to -Burst at most: a client that
	// ignores Retry-After stays throttled, and one that waits Retry-After
	// is admitted.
	Burst int
}

// IsZero reports whether l is the unlimited zero value.
func (l ThrottleLimit) IsZero() bool { return l.Rate == 0 && l.Burst == 0 }

// String formats l as RATE/BURST (the syntax ParseThrottleLimit reads), or
// "unlimited".
func (l ThrottleLimit) String() string {
	if l.IsZero() {
		return "unlimited"
	}
	return strconv.FormatFloat(l.Rate, 'g', -1, 64) + "/" + strconv.Itoa(l.Burst)
}

// withDefaults fills in Burst.
func (l ThrottleLimit) withDefaults() ThrottleLimit {
	if l.Burst == 0 && l.Rate > 0 {
		l.Burst = int(math.Min(math.Ceil(l.Rate), math.MaxInt32))
	}
	return l
}

// validate checks l; scope names it in the error.
func (l ThrottleLimit) validate(scope string) error {
	switch {
	case l.IsZero():
		return nil
	case math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || l.Rate <= 0:
		return &ThrottleConfigError{Field: scope + ".Rate", Reason: "must be a positive, finite number of tokens per second (got " + strconv.FormatFloat(l.Rate, 'g', -1, 64) + ")"}
	case l.Burst < 0:
		return &ThrottleConfigError{Field: scope + ".Burst", Reason: "must not be negative (got " + strconv.Itoa(l.Burst) + ")"}
	}
	return nil
}

// ParseThrottleLimit reads a limit written RATE or RATE/BURST: RATE tokens
// per second (a positive decimal number, e.g. "5" or "0.5"), BURST a
// positive integer (default: ceil(RATE)). It fails with a
// *ThrottleConfigError saying what is wrong.
func ParseThrottleLimit(s string) (ThrottleLimit, error) {
	bad := func(reason string) (ThrottleLimit, error) {
		return ThrottleLimit{}, &ThrottleConfigError{Field: quote(s), Reason: reason}
	}
	rateStr, burstStr, hasBurst := strings.Cut(strings.TrimSpace(s), "/")
	rate, err := strconv.ParseFloat(strings.TrimSpace(rateStr), 64)
	if err != nil || math.IsNaN(rate) || math.IsInf(rate, 0) || rate <= 0 {
		return bad("want RATE[/BURST], RATE a positive number of requests per second (e.g. 5, 0.5 or 20/40)")
	}
	l := ThrottleLimit{Rate: rate}
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(burstStr))
		if err != nil || b < 1 {
			return bad("want RATE[/BURST], BURST a positive whole number of requests (e.g. 20/40)")
		}
		l.Burst = b
	}
	return l.withDefaults(), nil
}

// ThrottleOptions configures the throttling model (Options.Throttle,
// Server.SetThrottle). Each scope has its own limit; a zero limit leaves
// that scope unlimited.
type ThrottleOptions struct {
	// App limits each application (the token's appid or azp claim) across
	// all tenants.
	App ThrottleLimit
	// Tenant limits each tenant (the tid claim) across all applications.
	Tenant ThrottleLimit
	// AppTenant limits each application within each tenant: the scope
	// cmd/emulator's -throttle flag sets.
	AppTenant ThrottleLimit
	// StatsInterval is the width of one sample of ThrottleStats.Series
	// (default DefaultThrottleStatsInterval, one second).
	StatsInterval time.Duration
}

// Validate reports the first inconsistent field of o as a
// *ThrottleConfigError: a limit whose Rate is not positive and finite (and
// that is not the zero, unlimited limit), a negative Burst, or a negative
// StatsInterval. A nil o (throttling off) is valid.
func (o *ThrottleOptions) Validate() error {
	if o == nil {
		return nil
	}
	for _, sc := range []struct {
		name string
		l    ThrottleLimit
	}{{"App", o.App}, {"Tenant", o.Tenant}, {"AppTenant", o.AppTenant}} {
		if err := sc.l.validate(sc.name); err != nil {
			return err
		}
	}
	if o.StatsInterval < 0 {
		return &ThrottleConfigError{Field: "StatsInterval", Reason: "must not be negative (got " + o.StatsInterval.String() + ")"}
	}
	return nil
}

// withDefaults returns a copy of o with the defaults filled in.
func (o *ThrottleOptions) withDefaults() *ThrottleOptions {
	c := *o
	c.App, c.Tenant, c.AppTenant = c.App.withDefaults(), c.Tenant.withDefaults(), c.AppTenant.withDefaults()
	if c.StatsInterval == 0 {
		c.StatsInterval = DefaultThrottleStatsInterval
	}
	return &c
}

// limit returns the limit of a scope.
func (o *ThrottleOptions) limit(sc ThrottleScope) ThrottleLimit {
	switch sc {
	case ThrottleScopeApp:
		return o.App
	case ThrottleScopeTenant:
		return o.Tenant
	}
	return o.AppTenant
}

// ThrottleConfigError is the error of an invalid throttling configuration:
// ThrottleOptions.Validate, SetThrottle, ParseThrottleLimit.
type ThrottleConfigError struct {
	// Field names what is wrong: a ThrottleOptions field ("AppTenant.Rate")
	// or, from ParseThrottleLimit, the quoted text.
	Field string
	// Reason says why.
	Reason string
}

// Error implements error.
func (e *ThrottleConfigError) Error() string { return "fake: throttle " + e.Field + ": " + e.Reason }

// ThrottleScope is one of the scopes Graph throttles by.
type ThrottleScope int

// The throttling scopes.
const (
	// ThrottleScopeApp is one application across all tenants.
	ThrottleScopeApp ThrottleScope = iota + 1
	// ThrottleScopeTenant is one tenant across all applications.
	ThrottleScopeTenant
	// ThrottleScopeAppTenant is one application in one tenant.
	ThrottleScopeAppTenant
)

// throttleScopes are the scopes in the order they are checked and listed.
var throttleScopes = [...]ThrottleScope{ThrottleScopeApp, ThrottleScopeTenant, ThrottleScopeAppTenant}

// String returns the scope's name: app, tenant or appTenant.
func (sc ThrottleScope) String() string {
	switch sc {
	case ThrottleScopeApp:
		return "app"
	case ThrottleScopeTenant:
		return "tenant"
	case ThrottleScopeAppTenant:
		return "appTenant"
	}
	return "ThrottleScope(" + itoa(int(sc)) + ")"
}

// ThrottleStats is what the throttling model has admitted and throttled
// since the server was created or Reset (SetThrottle keeps the counts, so
// a run that lowers then raises the limit reads as one series).
type ThrottleStats struct {
	// Config is the configuration in force, defaults filled in; nil when
	// throttling is off.
	Config *ThrottleOptions
	// Admitted and Throttled count requests and $batch items (not $batch
	// envelopes) while throttling was on.
	Admitted, Throttled int64
	// Scopes holds one entry per bucket: per app, tenant or app+tenant
	// seen, in a limited scope; sorted by scope, app, tenant.
	Scopes []ThrottleScopeStats
	// Interval is the width of each sample of Series.
	Interval time.Duration
	// Series holds the admitted and throttled counts per Interval,
	// oldest first, contiguous (intervals without traffic read zero), the
	// last MaxThrottleSamples of them. Sample times are wall-clock times
	// (time.Now), not the emulator's clock.
	Series []ThrottleSample
}

// ThrottleScopeStats is the state of one bucket.
type ThrottleScopeStats struct {
	// Scope is the bucket's scope.
	Scope ThrottleScope
	// App is the application ID ("" for ThrottleScopeTenant).
	App string
	// Tenant is the tenant ID ("" for ThrottleScopeApp).
	Tenant string
	// Limit is the bucket's limit, defaults filled in.
	Limit ThrottleLimit
	// Admitted counts the admitted requests charged to this bucket.
	Admitted int64
	// Throttled counts the requests throttled because this bucket was
	// empty (a request can be throttled by several buckets at once).
	Throttled int64
	// Tokens is the bucket's level when the stats were taken: at most
	// Limit.Burst, negative while in debt (at least -Limit.Burst).
	Tokens float64
}

// ThrottleSample is one interval of ThrottleStats.Series.
type ThrottleSample struct {
	// Start is when the interval begins (wall clock, truncated to the
	// interval).
	Start time.Time
	// Admitted and Throttled count the requests and $batch items of the
	// interval.
	Admitted, Throttled int64
}

// bucketKey identifies a bucket.
type bucketKey struct {
	scope       ThrottleScope
	app, tenant string
}

// bucket is one token bucket and its counters.
type bucket struct {
	limit               ThrottleLimit
	tokens              float64
	last                time.Time
	admitted, throttled int64
}

// refill brings b up to now.
func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(float64(b.limit.Burst), b.tokens+d.Seconds()*b.limit.Rate)
	}
	b.last = now
}

// wait returns how long until b holds a whole token again, rounded up to
// the millisecond (Retry-After's precision), so a client that waits it is
// admitted. A nanosecond of tolerance keeps float noise from adding a
// millisecond to an exact value (1.9 s, not 1.901 s).
func (b *bucket) wait() time.Duration {
	if b.tokens >= 1-tokenEpsilon {
		return 0
	}
	ms := math.Ceil((1-b.tokens)/b.limit.Rate*1e3 - 1e-6)
	return time.Duration(math.Min(ms, math.MaxInt64/1e6)) * time.Millisecond
}

// throttler is the throttling model of one Server. It runs on the wall
// clock (time.Now), not the emulator's clock, so testing/synctest drives
// it; it has its own lock, apart from the state lock.
type throttler struct {
	// on mirrors cfg != nil, so a server without throttling pays one
	// atomic load per request.
	on atomic.Bool

	mu                  sync.Mutex
	cfg                 *ThrottleOptions // defaults filled in; nil when off
	buckets             map[bucketKey]*bucket
	admitted, throttled int64
	interval            time.Duration
	series              []ThrottleSample
}

// reset forgets every bucket and count and applies cfg (nil: off).
func (t *throttler) reset(cfg *ThrottleOptions) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buckets = make(map[bucketKey]*bucket)
	t.admitted, t.throttled = 0, 0
	t.series = nil
	t.interval = DefaultThrottleStatsInterval
	t.setLocked(cfg, time.Now())
}

// set applies cfg (validated; nil: off), as setLocked does.
func (t *throttler) set(cfg *ThrottleOptions) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.setLocked(cfg, time.Now())
}

// setLocked applies cfg (validated; nil: off), keeping the buckets of the
// scopes that stay limited: refilled at their old rate up to now, then
// clamped to the new limit.
func (t *throttler) setLocked(cfg *ThrottleOptions, now time.Time) {
	if cfg == nil {
		t.cfg = nil
		t.buckets = make(map[bucketKey]*bucket)
		t.on.Store(false)
		return
	}
	cfg = cfg.withDefaults()
	if cfg.StatsInterval != t.interval {
		t.interval, t.series = cfg.StatsInterval, nil
	}
	for k, b := range t.buckets {
		l := cfg.limit(k.scope)
		if l.IsZero() {
			delete(t.buckets, k)
			continue
		}
		b.refill(now)
		b.limit = l
		b.tokens = math.Max(-float64(l.Burst), math.Min(float64(l.Burst), b.tokens))
	}
	t.cfg = cfg
	t.on.Store(true)
}

// charge charges one request of app in tenant. It reports whether the
// request is admitted and, when it is not, how long until it would be.
func (t *throttler) charge(app, tenant string) (time.Duration, bool) {
	if !t.on.Load() {
		return 0, true
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg == nil {
		return 0, true
	}
	var bs [len(throttleScopes)]*bucket
	admit := true
	for i, sc := range throttleScopes {
		l := t.cfg.limit(sc)
		if l.IsZero() {
			continue
		}
		k := bucketKey{scope: sc}
		switch sc {
		case ThrottleScopeApp:
			k.app = app
		case ThrottleScopeTenant:
			k.tenant = tenant
		default:
			k.app, k.tenant = app, tenant
		}
		b := t.buckets[k]
		if b == nil {
			if len(t.buckets) >= maxThrottleBuckets {
				t.pruneLocked(now)
			}
			b = &bucket{limit: l, tokens: float64(l.Burst), last: now}
			t.buckets[k] = b
		}
		b.refill(now)
		if b.tokens < 1-tokenEpsilon {
			admit = false
		}
		bs[i] = b
	}
	var wait time.Duration
	for _, b := range bs {
		if b == nil {
			continue
		}
		switch {
		case admit:
			b.admitted++
		case b.tokens < 1-tokenEpsilon:
			b.throttled++
		}
		// A throttled request costs a token too, down to -Burst.
		b.tokens = math.Max(b.tokens-1, -float64(b.limit.Burst))
		if !admit {
			wait = max(wait, b.wait())
		}
	}
	if admit {
		t.admitted++
	} else {
		t.throttled++
	}
	t.sampleLocked(now, admit)
	return max(wait, MinRetryAfter), admit
}

// pruneLocked forgets the buckets that are full: a new bucket would be in
// the same state, so admission does not change (their per-bucket counts
// leave ThrottleStats.Scopes; the totals stay).
func (t *throttler) pruneLocked(now time.Time) {
	for k, b := range t.buckets {
		b.refill(now)
		if b.tokens >= float64(b.limit.Burst) {
			delete(t.buckets, k)
		}
	}
}

// sampleLocked counts one request in the series.
func (t *throttler) sampleLocked(now time.Time, admitted bool) {
	start := now.Truncate(t.interval)
	n := len(t.series)
	switch {
	case n == 0:
		t.series = append(t.series, ThrottleSample{Start: start})
	case start.After(t.series[n-1].Start):
		gap := int64(start.Sub(t.series[n-1].Start) / t.interval)
		if gap > MaxThrottleSamples {
			t.series = append(t.series[:0], ThrottleSample{Start: start})
			break
		}
		last := t.series[n-1].Start
		for i := int64(1); i <= gap; i++ {
			t.series = append(t.series, ThrottleSample{Start: last.Add(time.Duration(i) * t.interval)})
		}
		if over := len(t.series) - MaxThrottleSamples; over > 0 {
			t.series = append(t.series[:0], t.series[over:]...)
		}
	}
	s := &t.series[len(t.series)-1]
	if admitted {
		s.Admitted++
	} else {
		s.Throttled++
	}
}

// stats returns a snapshot.
func (t *throttler) stats() ThrottleStats {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	st := ThrottleStats{Admitted: t.admitted, Throttled: t.throttled, Interval: t.interval,
		Series: slices.Clone(t.series)}
	if t.cfg != nil {
		c := *t.cfg
		st.Config = &c
	}
	for k, b := range t.buckets {
		b.refill(now)
		st.Scopes = append(st.Scopes, ThrottleScopeStats{Scope: k.scope, App: k.app, Tenant: k.tenant, Limit: b.limit,
			Admitted: b.admitted, Throttled: b.throttled, Tokens: b.tokens})
	}
	slices.SortFunc(st.Scopes, func(a, b ThrottleScopeStats) int {
		if a.Scope != b.Scope {
			return int(a.Scope) - int(b.Scope)
		}
		if c := strings.Compare(a.App, b.App); c != 0 {
			return c
		}
		return strings.Compare(a.Tenant, b.Tenant)
	})
	return st
}

// SetThrottle changes the throttling model while the server runs: nil
// turns it off, anything else replaces the configuration (see
// ThrottleOptions). Buckets of scopes that stay limited keep their level,
// clamped to the new Burst, so lowering a limit mid-run bites at once and
// raising it lets the waiting clients through as the bucket refills at the
// new rate. The counts and the series are kept (the series restarts when
// StatsInterval changes). It fails with a *ThrottleConfigError, changing
// nothing, when o is invalid.
func (s *Server) SetThrottle(o *ThrottleOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	s.throttle.set(o)
	return nil
}

// ThrottleStats returns what the throttling model has admitted and
// throttled, per scope and over time, and the configuration in force.
func (s *Server) ThrottleStats() ThrottleStats { return s.throttle.stats() }

// throttled charges a call to its caller's buckets; it returns nil when
// the call is admitted, else the 429 to answer, with Retry-After (fractional
// seconds) saying when every bucket will hold a token again. A throttled
// call is not handled: it changes nothing.
func (c *call) throttled() *response {
	app, tenant := TestAppID, TestTenantID
	if c.p != nil {
		app, tenant = or(c.p.appID, app), or(c.p.tenantID, tenant)
	}
	wait, ok := c.s.throttle.charge(app, tenant)
	if ok {
		return nil
	}
	r := c.fail(statusError(http.StatusTooManyRequests, "", ""))
	r.header.Set("Retry-After", formatRetryAfter(wait))
	return r
}

// formatRetryAfter writes d as decimal seconds, rounded up to the
// millisecond: "2.128", "1", "0.005".
func formatRetryAfter(d time.Duration) string {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return strconv.FormatFloat(float64(ms)/1e3, 'f', -1, 64)
}
