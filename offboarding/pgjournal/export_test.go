package pgjournal

import "time"

// SuspendRenewal stops (or restarts) j's background renewals, as if its
// process were paused: its lease then expires by the database's clock
// while j still believes it holds it.
func SuspendRenewal(j *Journal, on bool) { j.noRenew.Store(on) }

// SetClock replaces j's local clock; call it before j is used.
func SetClock(j *Journal, now func() time.Time) { j.now = now }

// Groups returns how many statements j's group writer has sent.
func Groups(j *Journal) int64 { return j.groups.Load() }
