package offboarding_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
)

func TestCompact(t *testing.T) {
	t.Parallel()
	read := func(u string, o offboarding.Outcome) offboarding.Entry {
		return offboarding.Entry{UnitID: u, Stage: offboarding.StageRead, Outcome: o}
	}
	intent := func(u string, s offboarding.Stage) offboarding.Entry {
		return offboarding.Entry{UnitID: u, Stage: s, Intent: true}
	}
	outcome := func(u string, s offboarding.Stage, o offboarding.Outcome, applied bool) offboarding.Entry {
		return offboarding.Entry{UnitID: u, Stage: s, Outcome: o, Applied: applied}
	}
	for name, tc := range map[string]struct {
		in   []offboarding.Entry
		keep []int
	}{
		"empty": {},
		"a whole offboarding": {
			in: []offboarding.Entry{
				read("a", offboarding.OutcomePending),                                   // 0 first read
				intent("a", offboarding.StageRemove),                                    // 1 settled by 2
				outcome("a", offboarding.StageRemove, offboarding.OutcomePending, true), // 2 applied
				intent("a", offboarding.StageOffboard),                                  // 3 settled by 4
				outcome("a", offboarding.StageOffboard, offboarding.OutcomeDone, true),  // 4 applied, last
			},
			keep: []int{0, 2, 4},
		},
		"a write in doubt keeps its intent": {
			in: []offboarding.Entry{
				read("a", offboarding.OutcomePending),
				intent("a", offboarding.StageOffboard),
				outcome("a", offboarding.StageOffboard, offboarding.OutcomeUnknown, false),
			},
			keep: []int{0, 1, 2},
		},
		"a read again sets nothing": {
			in: []offboarding.Entry{
				read("a", offboarding.OutcomePending),
				outcome("a", offboarding.StageRemove, offboarding.OutcomeFailed, false),
				read("a", offboarding.OutcomePending),
			},
			keep: []int{0, 1, 2},
		},
		"units apart": {
			in: []offboarding.Entry{
				read("a", offboarding.OutcomePending),
				read("b", offboarding.OutcomePending),
				outcome("a", offboarding.StageRemove, offboarding.OutcomePending, false),
				outcome("a", offboarding.StageRemove, offboarding.OutcomeSkipped, false),
				intent("b", offboarding.StageRemove),
			},
			keep: []int{0, 1, 3, 4},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var c offboarding.Compactor
			for _, e := range tc.in {
				c.Add(e)
			}
			assert.Equal(t, len(tc.in), c.Len())
			assert.Equal(t, tc.keep, nilIfEmpty(c.Keep()))
			want := make([]offboarding.Entry, len(tc.keep))
			for k, i := range tc.keep {
				want[k] = tc.in[i]
			}
			assert.Equal(t, want, offboarding.Compact(tc.in))
		})
	}
}

func nilIfEmpty(s []int) []int {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Compact of a compacted run keeps it whole, whatever the run.
func TestCompactIdempotent(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	stages := []offboarding.Stage{offboarding.StageRead, offboarding.StageRemove, offboarding.StageWaitRemoved, offboarding.StageOffboard}
	for round := range 50 {
		var in []offboarding.Entry
		for range 200 {
			in = append(in, offboarding.Entry{UnitID: fmt.Sprint("u", rng.IntN(20)), Stage: stages[rng.IntN(len(stages))],
				Intent: rng.IntN(3) == 0, Outcome: offboarding.Outcome(rng.IntN(6)), Applied: rng.IntN(2) == 0})
		}
		once := offboarding.Compact(in)
		require.Equal(t, once, offboarding.Compact(once), "round %d", round)
	}
}
