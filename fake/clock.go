package fake

import "time"

// clock is the emulator's notion of time: a base instant plus, when it runs
// in real time, the wall time elapsed since the base was set.
type clock struct {
	base     time.Time
	anchor   time.Time // wall time when base was set; zero when frozen
	realTime bool
}

// newClock returns a clock reading start.
func newClock(start time.Time, realTime bool) clock {
	c := clock{base: start.UTC(), realTime: realTime}
	if realTime {
		c.anchor = time.Now()
	}
	return c
}

// now returns the clock's current time, in UTC.
func (c *clock) now() time.Time {
	if c.realTime {
		return c.base.Add(time.Since(c.anchor))
	}
	return c.base
}

// set moves the clock to t.
func (c *clock) set(t time.Time) {
	c.base = t.UTC()
	if c.realTime {
		c.anchor = time.Now()
	}
}

// Now returns the emulator's current time. Timestamps the emulator writes
// (lastModifiedDateTime, offboardRequestedDateTime, transitions) and its
// timers use this clock, not the wall clock.
func (s *Server) Now() time.Time { return s.st.now() }

// Advance moves the emulator's clock forward by d (a negative d moves it
// back) and applies every timer that falls due: Advance(fake.DefaultGracePeriod)
// turns the units in offboardRequested into offboarded units. It returns
// the new time.
func (s *Server) Advance(d time.Duration) time.Time { return s.st.advance(d) }

// SetNow sets the emulator's clock to t and applies every timer due by then.
// Moving the clock back does not undo transitions already made.
func (s *Server) SetNow(t time.Time) { s.st.setNow(t) }
