package schedule

import "math"

// cubicK returns K, in seconds, of the curve W_max·(1 + c·(t−K)³) that
// starts at rate at t = 0: K = ∛((W_max−rate)/(c·W_max)). It is 0 when rate
// is already at or above W_max.
func cubicK(wmax, rate, c float64) float64 {
	if wmax <= 0 || rate >= wmax {
		return 0
	}
	return math.Cbrt((wmax - rate) / (c * wmax))
}

// cubicRate returns the curve's rate t seconds into the epoch.
func cubicRate(wmax, k, c, t float64) float64 {
	d := t - k
	return wmax * (1 + c*d*d*d)
}
