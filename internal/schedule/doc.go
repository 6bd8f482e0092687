// Package schedule paces the SDK's bulk requests to what Microsoft Graph
// admits, the way the AWS SDKs' "adaptive" retry mode does (botocore
// retries/adaptive.py, aws-sdk-go-v2 aws/retry adaptive mode): a
// client-side token bucket whose fill rate follows CUBIC (RFC 8312) on
// throttling responses.
//
// Units are items per second: every request inside a JSON $batch counts on
// its own against Graph's limits, so a batch of 20 takes 20 tokens.
//
// The algorithm, in short:
//
//   - Slow start: until the first throttle the rate doubles every
//     Options.SlowStart (or two round trips, if longer) of sending at full
//     rate; it grows per admitted item, so only as fast as it is used.
//   - On a throttled response (429): the rate drops to Beta times the
//     measured send rate (never more than the fill rate), that measured rate
//     becomes W_max, and no tokens are issued until the Retry-After has
//     passed (Graph says the budget refills then; it also says never to retry
//     at once). Responses to requests sent before the decrease took effect
//     are the same congestion event: they can extend the pause but do not
//     decrease again.
//   - Between throttles the rate follows rate(t) = W_max·(1 + C·(t−K)³),
//     t counted from the end of the pause, K chosen so that rate(0) is the
//     decreased rate: concave back up to W_max, flat around it, then convex
//     probing beyond. C is relative to W_max, so a cycle lasts the same time
//     at 50 items/s as at 5,000. Once the curve reaches 1.5 × W_max without
//     a throttle the budget has grown, and slow start resumes.
//   - Growth never takes the rate past twice the measured send rate, so an
//     idle or under-used limiter does not inflate a rate nobody has tried.
//
// Where it departs from botocore's ClientRateLimiter, and why (each was
// measured in simulation_test.go): botocore sends unpaced until the first
// throttle, this starts at Options.InitialRate and slow-starts; its C is
// absolute (requests/s per s³), this one relative, because budgets here
// span 50 to several thousand items/s; the measured rate for W_max is taken
// over one second since the last pause, not a 0.5 s bucket, so a burst the
// service's bucket absorbed is not taken for its rate; responses already in
// flight at a decrease do not decrease again; and RFC 8312's fast
// convergence is left out (it yields to other flows; against one budget it
// only kept W_max under the limit).
//
// Concurrency turns the rate into a number of requests to keep in flight
// (Little's law over the observed round-trip time). A Limiter is shared by
// every bulk call of one client, so concurrent calls split one budget.
package schedule
