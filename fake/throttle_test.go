package fake_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// throttled returns an env whose emulator throttles with o. Call it inside
// the synctest bubble: the buckets run on time.Now.
func throttled(t *testing.T, o *fake.ThrottleOptions) *env {
	t.Helper()
	return newEnv(t, &fake.Options{Throttle: o})
}

// list sends one list request and returns its status and Retry-After.
func (e *env) list(opts ...reqOpt) (int, string) {
	e.t.Helper()
	r := e.do("GET", unitsPath, opts...)
	require.NoError(e.t, r.err)
	return r.status, r.header.Get("Retry-After")
}

// burst sends n list requests at once and counts the statuses.
func (e *env) burst(n int, opts ...reqOpt) (admitted, throttled int) {
	e.t.Helper()
	for range n {
		switch st, _ := e.list(opts...); st {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			throttled++
		default:
			e.t.Fatalf("status %d", st)
		}
	}
	return admitted, throttled
}

// bucketOf returns the stats of one bucket.
func bucketOf(t *testing.T, st fake.ThrottleStats, sc fake.ThrottleScope, app, tenant string) fake.ThrottleScopeStats {
	t.Helper()
	for _, b := range st.Scopes {
		if b.Scope == sc && b.App == app && b.Tenant == tenant {
			return b
		}
	}
	t.Fatalf("no %v bucket for app %q tenant %q in %+v", sc, app, tenant, st.Scopes)
	return fake.ThrottleScopeStats{}
}

func TestThrottleRateAndBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 10, Burst: 5}})
		a, th := e.burst(8)
		require.Equal(t, [2]int{5, 3}, [2]int{a, th}, "a full bucket of 5 admits 5 at once")

		// One second refills 10 tokens, capped at the burst: 5 again.
		time.Sleep(time.Second)
		a, th = e.burst(8)
		require.Equal(t, [2]int{5, 3}, [2]int{a, th})

		// A client below the rate is never throttled.
		time.Sleep(time.Second)
		for range 50 {
			st, _ := e.list()
			require.Equal(t, http.StatusOK, st)
			time.Sleep(200 * time.Millisecond) // 5/s against 10/s
		}
		st := e.srv.ThrottleStats()
		require.EqualValues(t, 60, st.Admitted)
		require.EqualValues(t, 6, st.Throttled)
		b := bucketOf(t, st, fake.ThrottleScopeAppTenant, fake.TestAppID, fake.TestTenantID)
		require.EqualValues(t, 60, b.Admitted)
		require.EqualValues(t, 6, b.Throttled)
		require.Len(t, st.Scopes, 1, "only the limited scope has buckets")
	})
}

// Retry-After says when every bucket holds a token again, rounded up to
// the millisecond, and a client that waits exactly that long is admitted.
func TestThrottleRetryAfterArithmetic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 2, Burst: 4}})
		a, _ := e.burst(4)
		require.Equal(t, 4, a)
		tokens := func() float64 {
			return bucketOf(t, e.srv.ThrottleStats(), fake.ThrottleScopeAppTenant, fake.TestAppID, fake.TestTenantID).Tokens
		}
		require.InDelta(t, 0, tokens(), 1e-9)

		for _, tt := range []struct {
			sleep      time.Duration
			retryAfter string
			tokens     float64 // after the throttled request's own charge
		}{
			{0, "1", -1},                          // (1 - -1) / 2
			{0, "1.5", -2},                        // (1 - -2) / 2
			{100 * time.Millisecond, "1.9", -2.8}, // -2 + 0.2, charged: -2.8
			{0, "2.4", -3.8},
			{0, "2.5", -4},                      // the debt bound: -Burst
			{0, "2.5", -4},                      // stays there
			{333 * time.Millisecond, "2.5", -4}, // -4 + 0.666, charged: -4.334 → -4
		} {
			time.Sleep(tt.sleep)
			st, ra := e.list()
			require.Equal(t, http.StatusTooManyRequests, st)
			require.Equal(t, tt.retryAfter, ra, "tokens before: %v", tokens())
			require.InDelta(t, tt.tokens, tokens(), 1e-9)
		}
		d, err := strconv.ParseFloat("2.5", 64)
		require.NoError(t, err)
		time.Sleep(time.Duration(d * float64(time.Second)))
		st, ra := e.list()
		require.Equal(t, http.StatusOK, st, "waiting Retry-After is enough")
		require.Empty(t, ra)
		require.InDelta(t, 0, tokens(), 1e-9)

		// A fractional rate: (1 - -1) / 3 = 0.6666… s, rounded up.
		e2 := throttled(t, &fake.ThrottleOptions{App: fake.ThrottleLimit{Rate: 3, Burst: 1}})
		st, _ = e2.list()
		require.Equal(t, http.StatusOK, st)
		st, ra = e2.list()
		require.Equal(t, http.StatusTooManyRequests, st)
		require.Equal(t, "0.667", ra)
		time.Sleep(667 * time.Millisecond)
		st, _ = e2.list()
		require.Equal(t, http.StatusOK, st)

		// A very fast bucket still answers at least MinRetryAfter.
		e3 := throttled(t, &fake.ThrottleOptions{Tenant: fake.ThrottleLimit{Rate: 1e6, Burst: 1}})
		e3.list()
		st, ra = e3.list()
		require.Equal(t, http.StatusTooManyRequests, st)
		require.Equal(t, "0.005", ra)
	})
}

// The 429 is Graph's documented throttling answer, and it changes nothing.
func TestThrottledAnswerAndNoStateChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1, Burst: 1}})
		e.add(mailbox("m1", models.StatusUnprotected, ""), mailbox("m2", models.StatusUnprotected, ""))
		r := e.do("POST", unitPath("m1", "offboard"))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.do("POST", unitPath("m2", "offboard"), header("client-request-id", "c-1"))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		require.Equal(t, "2", r.header.Get("Retry-After"))
		require.NotEmpty(t, r.header.Get("request-id"))
		var body struct {
			Error struct {
				Code       string            `json:"code"`
				Message    string            `json:"message"`
				InnerError map[string]string `json:"innerError"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(r.body, &body), "%s", r.body)
		require.Equal(t, "TooManyRequests", body.Error.Code)
		require.Equal(t, "Please retry again later.", body.Error.Message)
		in := body.Error.InnerError
		require.Equal(t, "429", in["code"])
		require.Equal(t, "429", in["status"])
		require.Equal(t, "Please retry after", in["message"])
		require.Equal(t, r.header.Get("request-id"), in["request-id"])
		require.Equal(t, "c-1", in["client-request-id"])
		require.NotEmpty(t, in["date"])
		require.Equal(t, models.StatusUnprotected, e.status("m2"), "a throttled offboard is not applied")
		require.Empty(t, e.srv.Transitions("m2"))
		recs := e.srv.Requests()
		require.Equal(t, http.StatusTooManyRequests, recs[len(recs)-1].Status, "recorded with its status")
	})
}

// A $batch costs one token per item and nothing for its envelope; the
// throttled items answer 429 with their own Retry-After and are not run.
func TestThrottleBatchPerItem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1, Burst: 5}})
		var items []map[string]any
		for i := range fake.MaxBatchRequests {
			id := "u" + strconv.Itoa(i)
			e.add(mailbox(id, models.StatusUnprotected, ""))
			items = append(items, item(strconv.Itoa(i), "POST", unitPath(id, "offboard")))
		}
		r := e.do("POST", "/$batch", contentType("application/json"), body(batchBody(t, items...)))
		got, _ := batchResponses(t, r)
		require.Len(t, got, 20)
		for i := range fake.MaxBatchRequests {
			it := got[strconv.Itoa(i)]
			hdr := it["headers"].(map[string]any)
			if i < 5 {
				require.EqualValues(t, 200, it["status"], "item %d", i)
				require.Nil(t, hdr["Retry-After"])
				continue
			}
			require.EqualValues(t, 429, it["status"], "item %d", i)
			// Item 5 leaves the bucket at -1 (2 s to a token), item 6 at -2
			// (3 s), … down to the debt bound -5 (6 s).
			require.Equal(t, strconv.Itoa(min(i-3, 6)), hdr["Retry-After"], "item %d", i)
			require.Equal(t, "TooManyRequests", it["body"].(map[string]any)["error"].(map[string]any)["code"])
		}
		n := 0
		for _, tr := range e.srv.AllTransitions() {
			require.Equal(t, fake.CauseOffboard, tr.Cause)
			n++
		}
		require.Equal(t, 5, n, "only the admitted items were applied")
		st := e.srv.ThrottleStats()
		require.EqualValues(t, 5, st.Admitted)
		require.EqualValues(t, 15, st.Throttled, "the envelope is not counted")

		// The envelope is free: one token left admits a one-item batch.
		e2 := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1, Burst: 1}})
		r = e2.do("POST", "/$batch", contentType("application/json"), body(batchBody(t, item("1", "GET", unitsPath))))
		got, _ = batchResponses(t, r)
		require.EqualValues(t, 200, got["1"]["status"])
		st2, _ := e2.list()
		require.Equal(t, http.StatusTooManyRequests, st2, "the item took the only token")
	})
}

// Throttled calls still cost a token: a client that ignores Retry-After
// stays throttled for as long as it keeps going, while one that honours it
// gets through.
func TestThrottledCallsStillCost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 10, Burst: 5}})
		a, _ := e.burst(5)
		require.Equal(t, 5, a)
		// 20 requests a second against 10 tokens a second, for 5 s: each
		// refill is spent by the next throttled call.
		admitted := 0
		for range 100 {
			time.Sleep(50 * time.Millisecond)
			if st, _ := e.list(); st == http.StatusOK {
				admitted++
			}
		}
		require.Zero(t, admitted, "ignoring Retry-After never gets through")
		b := bucketOf(t, e.srv.ThrottleStats(), fake.ThrottleScopeAppTenant, fake.TestAppID, fake.TestTenantID)
		require.GreaterOrEqual(t, b.Tokens, -5.0, "the debt is bounded by -Burst")
		require.Less(t, b.Tokens, 0.0)

		// Honouring Retry-After: every retry is admitted.
		for range 10 {
			st, ra := e.list()
			if st == http.StatusOK {
				continue
			}
			d, err := strconv.ParseFloat(ra, 64)
			require.NoError(t, err)
			time.Sleep(time.Duration(d * float64(time.Second)))
			st, _ = e.list()
			require.Equal(t, http.StatusOK, st)
		}
	})
}

// Scopes are independent: one app exhausting its own bucket does not
// throttle another app in the same tenant, until the tenant's bucket runs
// out.
func TestThrottleScopesIndependent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{
			App:    fake.ThrottleLimit{Rate: 1, Burst: 2},
			Tenant: fake.ThrottleLimit{Rate: 1, Burst: 4},
		})
		credA, credB := fake.NewDelegatedCredential(), fake.NewDelegatedCredential()
		credB.SetClaim("appid", "app-b")
		a, th := e.burst(3, token(credA.Token()))
		require.Equal(t, [2]int{2, 1}, [2]int{a, th}, "app A: its own burst of 2")
		st, _ := e.list(token(credB.Token()))
		require.Equal(t, http.StatusOK, st, "app B has its own app bucket")
		st, _ = e.list(token(credB.Token()))
		require.Equal(t, http.StatusTooManyRequests, st, "but the tenant's 4 tokens are spent (A's throttled call cost one too)")

		stats := e.srv.ThrottleStats()
		ba := bucketOf(t, stats, fake.ThrottleScopeApp, fake.TestAppID, "")
		bb := bucketOf(t, stats, fake.ThrottleScopeApp, "app-b", "")
		bt := bucketOf(t, stats, fake.ThrottleScopeTenant, "", fake.TestTenantID)
		require.Equal(t, [2]int64{2, 1}, [2]int64{ba.Admitted, ba.Throttled})
		require.Equal(t, [2]int64{1, 0}, [2]int64{bb.Admitted, bb.Throttled}, "B's app bucket had tokens")
		require.Equal(t, [2]int64{3, 1}, [2]int64{bt.Admitted, bt.Throttled}, "the tenant throttled B")
		require.Len(t, stats.Scopes, 3)

		// Another tenant is untouched by the first one's debt.
		credC := fake.NewDelegatedCredential()
		credC.SetClaim("tid", "tenant-c")
		credC.SetClaim("appid", "app-c")
		st, _ = e.list(token(credC.Token()))
		require.Equal(t, http.StatusOK, st)

		// Opaque tokens count as TestAppID in TestTenantID.
		st, _ = e.list(token("opaque"))
		require.Equal(t, http.StatusTooManyRequests, st)
		// Unauthenticated requests are not charged: nobody to charge.
		before := e.srv.ThrottleStats()
		r := e.do("GET", unitsPath, noAuth())
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Equal(t, before.Admitted+before.Throttled, e.srv.ThrottleStats().Admitted+e.srv.ThrottleStats().Throttled)
	})
}

func TestSetThrottleLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, nil)
		a, _ := e.burst(20)
		require.Equal(t, 20, a, "off by default")
		require.Nil(t, e.srv.ThrottleStats().Config)
		require.Zero(t, e.srv.ThrottleStats().Admitted, "nothing counted while off")

		require.NoError(t, e.srv.SetThrottle(&fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 10, Burst: 10}}))
		a, th := e.burst(12)
		require.Equal(t, [2]int{10, 2}, [2]int{a, th})

		// Lowering the limit mid-run bites at once (the debt is clamped
		// to the new -Burst) and sets the new Retry-After.
		require.NoError(t, e.srv.SetThrottle(&fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1, Burst: 1}}))
		st, ra := e.list()
		require.Equal(t, http.StatusTooManyRequests, st)
		require.Equal(t, "2", ra, "-1 → (1 - -1) / 1")
		time.Sleep(2 * time.Second)
		a, th = e.burst(3)
		require.Equal(t, [2]int{1, 2}, [2]int{a, th})

		// Raising it lets the waiting client through as soon as the bucket
		// refills at the new rate (Burst 100, from -1: 1 s at 100/s → 99).
		require.NoError(t, e.srv.SetThrottle(&fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 100, Burst: 100}}))
		time.Sleep(time.Second)
		a, th = e.burst(100)
		require.Equal(t, [2]int{99, 1}, [2]int{a, th})
		cfg := e.srv.ThrottleStats().Config
		require.Equal(t, fake.ThrottleLimit{Rate: 100, Burst: 100}, cfg.AppTenant)
		require.Equal(t, fake.DefaultThrottleStatsInterval, cfg.StatsInterval)

		// An invalid configuration is refused and changes nothing.
		err := e.srv.SetThrottle(&fake.ThrottleOptions{App: fake.ThrottleLimit{Rate: -1}})
		var ce *fake.ThrottleConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, "App.Rate", ce.Field)
		require.Equal(t, cfg, e.srv.ThrottleStats().Config)

		// Off again: everything passes, and the counts stay.
		require.NoError(t, e.srv.SetThrottle(nil))
		a, _ = e.burst(50)
		require.Equal(t, 50, a)
		st2 := e.srv.ThrottleStats()
		require.Nil(t, st2.Config)
		require.EqualValues(t, 10+1+99, st2.Admitted)
		require.EqualValues(t, 2+1+2+1, st2.Throttled)
		require.Empty(t, st2.Scopes, "no buckets while off")

		// Reset goes back to Options.Throttle (off here) with no counts.
		require.NoError(t, e.srv.SetThrottle(&fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1}}))
		e.srv.Reset()
		st2 = e.srv.ThrottleStats()
		require.Nil(t, st2.Config)
		require.Zero(t, st2.Admitted+st2.Throttled)
	})
}

func TestThrottleStatsSeries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 2, Burst: 2}, StatsInterval: 500 * time.Millisecond})
		t0 := time.Now().Truncate(500 * time.Millisecond)
		e.burst(3)                          // 2 admitted, 1 throttled (tokens -1)
		time.Sleep(1500 * time.Millisecond) // tokens 2 (capped)
		e.burst(4)                          // 2 admitted, 2 throttled
		st := e.srv.ThrottleStats()
		require.Equal(t, 500*time.Millisecond, st.Interval)
		require.Equal(t, []fake.ThrottleSample{
			{Start: t0, Admitted: 2, Throttled: 1},
			{Start: t0.Add(500 * time.Millisecond)},
			{Start: t0.Add(1000 * time.Millisecond)},
			{Start: t0.Add(1500 * time.Millisecond), Admitted: 2, Throttled: 2},
		}, st.Series)

		// The series keeps the last MaxThrottleSamples intervals (over
		// hours: an opaque token does not expire).
		e.token = "opaque"
		time.Sleep(time.Duration(fake.MaxThrottleSamples+10) * 500 * time.Millisecond)
		e.list()
		time.Sleep(500 * time.Millisecond)
		e.list()
		st = e.srv.ThrottleStats()
		require.Len(t, st.Series, 2, "a gap longer than the window restarts the series")
		time.Sleep(time.Duration(fake.MaxThrottleSamples-1) * 500 * time.Millisecond)
		e.list()
		st = e.srv.ThrottleStats()
		require.Len(t, st.Series, fake.MaxThrottleSamples)
		require.EqualValues(t, 1, st.Series[len(st.Series)-1].Admitted)
		require.EqualValues(t, 1, st.Series[0].Admitted)
	})
}

func TestThrottleConfigValidation(t *testing.T) {
	for _, tt := range []struct {
		in    string
		want  fake.ThrottleLimit
		field string
	}{
		{"5", fake.ThrottleLimit{Rate: 5, Burst: 5}, ""},
		{"0.5", fake.ThrottleLimit{Rate: 0.5, Burst: 1}, ""},
		{"2.5/10", fake.ThrottleLimit{Rate: 2.5, Burst: 10}, ""},
		{" 20 / 40 ", fake.ThrottleLimit{Rate: 20, Burst: 40}, ""},
		{"", fake.ThrottleLimit{}, `""`},
		{"0", fake.ThrottleLimit{}, `"0"`},
		{"-1", fake.ThrottleLimit{}, `"-1"`},
		{"NaN", fake.ThrottleLimit{}, `"NaN"`},
		{"Inf", fake.ThrottleLimit{}, `"Inf"`},
		{"fast", fake.ThrottleLimit{}, `"fast"`},
		{"5/0", fake.ThrottleLimit{}, `"5/0"`},
		{"5/1.5", fake.ThrottleLimit{}, `"5/1.5"`},
		{"5/", fake.ThrottleLimit{}, `"5/"`},
		{"5/2/3", fake.ThrottleLimit{}, `"5/2/3"`},
	} {
		l, err := fake.ParseThrottleLimit(tt.in)
		if tt.field == "" {
			require.NoError(t, err, tt.in)
			require.Equal(t, tt.want, l, tt.in)
			continue
		}
		var ce *fake.ThrottleConfigError
		require.ErrorAs(t, err, &ce, tt.in)
		require.Equal(t, tt.field, ce.Field)
		require.Contains(t, err.Error(), "RATE[/BURST]")
	}

	for _, tt := range []struct {
		o     *fake.ThrottleOptions
		field string
	}{
		{nil, ""},
		{&fake.ThrottleOptions{}, ""},
		{&fake.ThrottleOptions{Tenant: fake.ThrottleLimit{Rate: 1}}, ""},
		{&fake.ThrottleOptions{App: fake.ThrottleLimit{Burst: 3}}, "App.Rate"},
		{&fake.ThrottleOptions{Tenant: fake.ThrottleLimit{Rate: 1, Burst: -1}}, "Tenant.Burst"},
		{&fake.ThrottleOptions{StatsInterval: -time.Second}, "StatsInterval"},
	} {
		err := tt.o.Validate()
		if tt.field == "" {
			require.NoError(t, err)
			continue
		}
		var ce *fake.ThrottleConfigError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, tt.field, ce.Field)
		require.PanicsWithError(t, err.Error(), func() { fake.NewServer(&fake.Options{Throttle: tt.o}) })
	}
	require.Equal(t, "20/40", fake.ThrottleLimit{Rate: 20, Burst: 40}.String())
	require.Equal(t, "unlimited", fake.ThrottleLimit{}.String())
}

// Concurrent callers share the buckets exactly: with no time passing, a
// bucket of 25 admits 25 of 400 concurrent requests, whoever sends them.
func TestThrottleConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := throttled(t, &fake.ThrottleOptions{AppTenant: fake.ThrottleLimit{Rate: 1, Burst: 25}})
		var wg sync.WaitGroup
		var admitted atomic.Int64
		for range 8 {
			wg.Go(func() {
				for range 50 {
					req, _ := http.NewRequest("GET", base+unitsPath, nil)
					req.Header.Set("Authorization", "Bearer "+e.token)
					resp, err := e.client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						admitted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		require.EqualValues(t, 25, admitted.Load())
		st := e.srv.ThrottleStats()
		require.EqualValues(t, 25, st.Admitted)
		require.EqualValues(t, 375, st.Throttled)
	})
}
