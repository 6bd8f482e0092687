package offboarding

import "slices"

// Compact returns the entries a replay needs, in their original order: a
// run loaded from Compact(entries) is the run loaded from entries (the
// same results, the same writes in doubt, the same evidence). Per unit it
// keeps the first read (the unit's state before any write), one entry per
// stage that records an applied write, the last entry that set the outcome,
// the last outcome entry of any kind, and the last intent of each stage
// that no later outcome settled. A journal may compact a finished run, or
// a long one as it goes, to bound what Load reads.
func Compact(entries []Entry) []Entry {
	type unitIdx struct {
		firstRead, lastOutcome, lastSet int
		applied                         map[Stage]int
		intents                         map[Stage]int
	}
	units := map[string]*unitIdx{}
	for i, e := range entries {
		u := units[e.UnitID]
		if u == nil {
			u = &unitIdx{firstRead: -1, lastOutcome: -1, lastSet: -1}
			units[e.UnitID] = u
		}
		if e.Intent {
			if u.intents == nil {
				u.intents = map[Stage]int{}
			}
			u.intents[e.Stage] = i
			continue
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
	keep := make([]int, 0, len(units)*4)
	for _, u := range units {
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
	keep = slices.Compact(keep)
	out := make([]Entry, len(keep))
	for k, i := range keep {
		out[k] = entries[i]
	}
	return out
}

// setsNothing reports whether an outcome entry leaves the unit's outcome as
// it was: a read recording the unit's state (OutcomePending at StageRead).
func setsNothing(e Entry) bool {
	return e.Stage == StageRead && e.Outcome == OutcomePending
}
