package schedule

import "time"

// sendRate measures the rate at which tokens were really taken, so a
// decrease starts from what was being sent rather than from a fill rate
// that was never reached (botocore's RateClocker plays this part).
//
// Batches make the traffic lumpy (at 50 items/s a batch of 20 goes every
// 0.4 s), so a count over a fixed window swings by a whole batch. Instead
// it keeps the last admissions and divides the items sent after the oldest
// one used by the time since it: exact for evenly spaced batches, and
// decaying towards zero once sending stops.
type sendRate struct {
	ring [sendRateRing]admission
	next int // index of the slot the next record goes to
	size int // records held, ≤ len(ring)
}

// admission is one successful Wait.
type admission struct {
	at time.Time
	n  int
}

const (
	sendRateRing = 256
	// sendRateMinGaps: the estimate spans at least this many gaps between
	// admissions (so a slow, lumpy stream is averaged over a few batches)
	// besides the window asked for.
	sendRateMinGaps = 3
)

func (s *sendRate) record(at time.Time, n int) {
	s.ring[s.next] = admission{at, n}
	s.next = (s.next + 1) % len(s.ring)
	if s.size < len(s.ring) {
		s.size++
	}
}

// rate returns the measured send rate in items per second at now over
// about window (longer if the last few admissions span more, shorter if
// the ring holds less), from admissions at or after since (the end of the last pause: time the
// Limiter itself held sending back is not a slow sender); ok is false
// until two such admissions have been recorded.
func (s *sendRate) rate(now, since time.Time, window time.Duration) (r float64, ok bool) {
	if s.size < 2 {
		return 0, false
	}
	at := func(back int) admission { // back 0 is the newest
		return s.ring[(s.next-1-back+2*len(s.ring))%len(s.ring)]
	}
	newest := at(0)
	items := 0
	gaps := 0
	var oldest admission
	if newest.at.Before(since) {
		return 0, false
	}
	for back := 1; back < s.size; back++ {
		if at(back).at.Before(since) {
			break
		}
		items += at(back - 1).n
		gaps++
		oldest = at(back)
		if gaps >= sendRateMinGaps && now.Sub(oldest.at) >= window {
			break
		}
	}
	if gaps == 0 {
		return 0, false
	}
	spanned := newest.at.Sub(oldest.at)
	// Once the next admission is overdue (more than one mean gap after the
	// newest), count the open gap too, so the estimate falls when sending
	// slows or stops.
	if open := now.Sub(oldest.at) - spanned/time.Duration(gaps); open > spanned {
		spanned = open
	}
	if spanned <= 0 {
		// Several admissions at one instant: the rate is not measurable
		// yet; report nothing rather than infinity.
		return 0, false
	}
	return float64(items) / spanned.Seconds(), true
}
