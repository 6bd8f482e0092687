package journalproc

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// Traffic is the journal traffic of an offboarding run of Units units, as
// the run makes it (issue 20.4's workload):
//
//   - read: every unit read through $batch (Batch per request, InFlight
//     requests at a time), each request's reads recorded in one call;
//   - remove: per policy, PATCHes of Patch units one after another, the
//     intents recorded before each and the outcomes in one call after it;
//   - wait: the removals polled through $batch, one outcome per unit,
//     recorded per request;
//   - offboard: POST offboard through $batch, InFlight at a time, each
//     request's intents recorded before it and its outcomes after it; and,
//     on the run's goroutine, one entry at a time, an outcome for every
//     SingleEvery-th unit (a 403 sent back to waiting, say);
//   - Finish.
//
// Every request takes Latency between its intent and its outcome (its
// round trip), so group commit coalesces what a real run's concurrent
// requests give it, not a tight loop's.
type Traffic struct {
	Units       int
	Batch       int
	Patch       int
	InFlight    int
	SingleEvery int
	Latency     time.Duration
}

// DefaultTraffic is the workload of the benchmark for units units.
func DefaultTraffic(units int) Traffic {
	return Traffic{Units: units, Batch: 20, Patch: 50, InFlight: 16, SingleEvery: 50, Latency: 20 * time.Millisecond}
}

// Counts is what a replay recorded.
type Counts struct {
	Entries, Calls int
}

// unit is one unit of the replayed run, as its entries describe it.
type unit struct {
	id, name, policyID, policyName string
	kind                           models.UnitKind
}

var policyNames = []string{"SharePoint — all sites", "SharePoint — project sites", "OneDrive — all staff",
	"OneDrive — leavers", "Exchange — all staff", "Exchange — shared mailboxes"}

// guid makes a GUID-shaped ID from two numbers.
func guid(a, b int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a*2654435761%(1<<32), b&0xffff, a&0xfff, b&0xfff, a*40503+b)
}

func units(n int) []unit {
	out := make([]unit, n)
	for i := range out {
		p := i % len(policyNames)
		u := unit{id: guid(i, 7), policyID: guid(p, 1), policyName: policyNames[p]}
		switch p / 2 {
		case 0:
			u.kind, u.name = models.KindSite, fmt.Sprintf("https://contoso.sharepoint.com/sites/project-%d", i)
		case 1:
			u.kind, u.name = models.KindDrive, fmt.Sprintf("Person %d <person.%d@contoso.com>", i, i)
		default:
			u.kind, u.name = models.KindMailbox, fmt.Sprintf("Person %d <person.%d@contoso.com>", i, i)
		}
		out[i] = u
	}
	return out
}

// entry is an entry about u.
func (u *unit) entry(stage offboarding.Stage, intent bool, o offboarding.Outcome, status models.ProtectionUnitStatus) offboarding.Entry {
	e := offboarding.Entry{UnitID: u.id, Stage: stage, Intent: intent, Status: status, Kind: u.kind,
		PolicyID: u.policyID, PolicyName: u.policyName, Name: u.name, At: time.Now()}
	if !intent {
		e.Outcome = o
	}
	return e
}

// answered marks an outcome entry as the answer to a write sent at sent.
func answered(e offboarding.Entry, sent time.Time, req int) offboarding.Entry {
	e.Applied, e.Sent, e.RequestID = true, sent, guid(req, 3)
	return e
}

// Replay records tr's traffic into j: Start, the stages, Finish. It fails
// as j does.
func Replay(ctx context.Context, j offboarding.Journal, tr Traffic) (Counts, error) {
	us := units(tr.Units)
	ids := make([]string, len(us))
	for i := range us {
		ids[i] = us[i].id
	}
	var mu sync.Mutex
	var c Counts
	var firstErr error
	record := func(entries ...offboarding.Entry) {
		err := j.Record(ctx, entries...)
		mu.Lock()
		defer mu.Unlock()
		c.Entries += len(entries)
		c.Calls++
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return firstErr
	}
	// batches runs fn on every group of size units, InFlight at a time.
	batches := func(size int, fn func(req int, group []unit)) {
		work := make(chan int)
		var wg sync.WaitGroup
		for range tr.InFlight {
			wg.Go(func() {
				for start := range work {
					fn(start, us[start:min(start+size, len(us))])
				}
			})
		}
		for start := 0; start < len(us); start += size {
			work <- start
		}
		close(work)
		wg.Wait()
	}

	if err := j.Start(ctx, offboarding.RunInfo{Action: offboarding.ActionOffboard, IDs: ids, Started: time.Now(),
		Operator: "admin@contoso.com", Host: "laptop", CommandLine: "backuprestore offboard --from leavers.csv --yes",
		Source: "leavers.csv", Endpoint: "https://graph.microsoft.com/v1.0"}); err != nil {
		return c, err
	}
	c.Calls++

	// read
	batches(tr.Batch, func(_ int, group []unit) {
		time.Sleep(tr.Latency)
		out := make([]offboarding.Entry, len(group))
		for i := range group {
			out[i] = group[i].entry(offboarding.StageRead, false, offboarding.OutcomePending, models.StatusProtected)
		}
		record(out...)
	})
	// remove: PATCHes one after another.
	for start := 0; start < len(us) && failed() == nil; start += tr.Patch {
		group := us[start:min(start+tr.Patch, len(us))]
		out := make([]offboarding.Entry, len(group))
		for i := range group {
			out[i] = group[i].entry(offboarding.StageRemove, true, 0, models.StatusProtected)
		}
		record(out...)
		sent := time.Now()
		time.Sleep(tr.Latency)
		for i := range group {
			e := group[i].entry(offboarding.StageRemove, false, offboarding.OutcomePending, models.StatusRemoveRequested)
			e.Reason = offboarding.ReasonWouldWaitRemoved
			out[i] = answered(e, sent, start)
		}
		record(out...)
	}
	// wait
	batches(tr.Batch, func(_ int, group []unit) {
		time.Sleep(tr.Latency)
		out := make([]offboarding.Entry, len(group))
		for i := range group {
			out[i] = group[i].entry(offboarding.StageWaitRemoved, false, offboarding.OutcomePending, models.StatusUnprotected)
		}
		record(out...)
	})
	// offboard, with the run goroutine's single outcomes beside it
	singles := make(chan unit, tr.Units)
	var single sync.WaitGroup
	single.Go(func() {
		for u := range singles {
			e := u.entry(offboarding.StageOffboard, false, offboarding.OutcomePending, models.StatusUnprotected)
			e.Detail = "offboard refused (403): the removal has not settled; waiting again"
			record(e)
		}
	})
	batches(tr.Batch, func(req int, group []unit) {
		out := make([]offboarding.Entry, len(group))
		for i := range group {
			out[i] = group[i].entry(offboarding.StageOffboard, true, 0, models.StatusUnprotected)
		}
		record(out...)
		sent := time.Now()
		time.Sleep(tr.Latency)
		for i := range group {
			out[i] = answered(group[i].entry(offboarding.StageOffboard, false, offboarding.OutcomeDone, models.StatusOffboardRequested), sent, req)
		}
		record(out...)
		if tr.SingleEvery > 0 {
			for i := range group {
				if (req+i)%tr.SingleEvery == 0 {
					singles <- group[i]
				}
			}
		}
	})
	close(singles)
	single.Wait()
	if err := failed(); err != nil {
		return c, err
	}
	c.Calls++
	return c, j.Finish(ctx, offboarding.RunEnd{Finished: time.Now(), Counts: map[offboarding.Outcome]int{offboarding.OutcomeDone: tr.Units}})
}
