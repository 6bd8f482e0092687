// Package retryafter parses the Retry-After response header as Graph sends
// it: a decimal number of seconds, possibly fractional ("2.128"), or an HTTP
// date. Kiota's RetryHandler truncates fractions to whole seconds, which
// turns "0.3" into an immediate retry; this parser keeps them.
package retryafter

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max is the longest delay Parse reports; longer values are clamped to it.
const Max = 365 * 24 * time.Hour

// Parse returns the delay the header asks for, relative to now. ok is false
// when the header is absent or malformed (negative, NaN, infinite, or
// neither a number nor an HTTP date). A date in the past is a zero delay.
func Parse(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if c := h[0]; c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') {
		secs, err := strconv.ParseFloat(h, 64)
		if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 {
			return 0, false
		}
		if secs >= Max.Seconds() {
			return Max, true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > Max:
		return Max, true
	}
	return d, true
}
