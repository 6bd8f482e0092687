package offboarding

import "slices"

// Compact returns the entries a replay needs, in their original order: a
// run loaded from Compact(entries) is the run loaded from entries (the
// same results, the same writes in doubt, the same evidence). Per unit it
// keeps the first read (the unit's state before any write), one entry per
// stage that records an applied write, the last entry that set the outcome,
// the last outcome entry of any kind, and the last intent of each stage
// that no later outcome settled. A journal may compact a finished run, or
// a long one as it goes, to bound what Load reads. Compact is idempotent
// and never fails; a journal that cannot hold a run's entries in memory
// uses a Compactor, which decides the same.
func Compact(entries []Entry) []Entry {
	var c Compactor
	for _, e := range entries {
		c.Add(e)
	}
	keep := c.Keep()
	out := make([]Entry, len(keep))
	for k, i := range keep {
		out[k] = entries[i]
	}
	return out
}

// Compactor is Compact for a run streamed entry by entry: Add each entry
// in order, then Keep returns the positions (0 for the first entry added)
// of the entries Compact would keep. It holds a few words per unit, not
// the entries, so a journal can compact a run larger than its memory by
// reading it twice. The zero value is ready to use; a Compactor is not
// safe for concurrent use.
type Compactor struct {
	units map[string]*unitIdx
	n     int
}

// unitIdx is what Compact remembers of one unit: positions of entries.
type unitIdx struct {
	firstRead, lastOutcome, lastSet int
	applied                         map[Stage]int
	intents                         map[Stage]int
}

// Add takes the next entry of the run. It never fails.
func (c *Compactor) Add(e Entry) {
	i := c.n
	c.n++
	if c.units == nil {
		c.units = map[string]*unitIdx{}
	}
	u := c.units[e.UnitID]
	if u == nil {
		u = &unitIdx{firstRead: -1, lastOutcome: -1, lastSet: -1}
		c.units[e.UnitID] = u
	}
	if e.Intent {
		if u.intents == nil {
			u.intents = map[Stage]int{}
		}
		u.intents[e.Stage] = i
		return
	}
	if e.Outcome != OutcomeUnknown {
		delete(u.intents, e.Stage)
	}
	if e.Applied {
		if u.applied == nil {
			u.applied = map[Stage]int{}
		}
		u.applied[e.Stage] = i
	}
	if e.Stage == StageRead && u.firstRead < 0 {
		u.firstRead = i
	}
	u.lastOutcome = i
	if !setsNothing(e) {
		u.lastSet = i
	}
}

// Len is the number of entries added.
func (c *Compactor) Len() int { return c.n }

// Keep returns, in ascending order, the positions of the entries added
// that Compact keeps. It never fails; Add may go on after it.
func (c *Compactor) Keep() []int {
	keep := make([]int, 0, len(c.units)*4)
	for _, u := range c.units {
		for _, i := range []int{u.firstRead, u.lastOutcome, u.lastSet} {
			if i >= 0 {
				keep = append(keep, i)
			}
		}
		for _, i := range u.applied {
			keep = append(keep, i)
		}
		for _, i := range u.intents {
			keep = append(keep, i)
		}
	}
	slices.Sort(keep)
	return slices.Compact(keep)
}

// setsNothing reports whether an outcome entry leaves the unit's outcome as
// it was: a read recording the unit's state (OutcomePending at StageRead).
func setsNothing(e Entry) bool {
	return e.Stage == StageRead && e.Outcome == OutcomePending
}
