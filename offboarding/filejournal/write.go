package filejournal

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
)

// batch is the records queued for the next frame: group commit. Every
// call that queues into it waits for done and returns err.
type batch struct {
	// buf is the frame: frameHeader bytes reserved, then the records.
	buf  []byte
	nrec int
	// calls is the number of calls whose records are in buf.
	calls int
	// starts are the runs whose start record is in buf.
	starts []startMark
	// ended: a run's finish or abandonment is in buf (a compaction may
	// follow).
	ended bool
	done  chan struct{}
	err   error
}

// startMark is a run's start record in a batch: its index in the frame.
type startMark struct {
	run *runState
	rec int
}

// finishJSON is a recFinish record.
type finishJSON struct {
	Finished time.Time                   `json:"finished"`
	Counts   map[offboarding.Outcome]int `json:"counts,omitempty"`
}

// abandonJSON is a recAbandon record.
type abandonJSON struct {
	At time.Time `json:"at"`
}

// queue adds one call's records to the pending batch (creating it, and
// waking the committer) and returns the batch. Called with mu held.
func (j *Journal) queue(typ byte, data []byte, nrec int) *batch {
	b := j.pending
	if b == nil {
		b = &batch{buf: make([]byte, frameHeader, 4096), done: make(chan struct{})}
		j.pending = b
		j.cond.Signal()
	}
	if typ != 0 {
		b.buf = appendRecord(b.buf, typ, data)
	} else {
		b.buf = append(b.buf, data...)
	}
	b.nrec += nrec
	b.calls++
	return b
}

// wait waits until b is durable and returns its error.
func (b *batch) wait() error {
	<-b.done
	return b.err
}

// Start implements offboarding.Journal: it records a new run, durably. It
// fails with offboarding.ErrJournalInUse when the latest run is neither
// finished nor abandoned; with an error when info.ID is already a run's;
// and as Record does. An empty info.ID gets the next of "000001",
// "000002", …, which sort in the order the runs started. The context is
// not consulted (see Record).
func (j *Journal) Start(_ context.Context, info offboarding.RunInfo) error {
	j.mu.Lock()
	if err := j.check(true); err != nil {
		j.mu.Unlock()
		return err
	}
	if l := j.latest(); l != nil && !l.ended() {
		j.mu.Unlock()
		return fmt.Errorf("filejournal: journal %s: run %s: %w", j.path, l.id, offboarding.ErrJournalInUse)
	}
	taken := func(id string) bool {
		return slices.ContainsFunc(j.runs, func(r *runState) bool { return r.id == id })
	}
	if info.ID == "" {
		for n := len(j.runs) + 1; info.ID == "" || taken(info.ID); n++ {
			info.ID = fmt.Sprintf("%06d", n)
		}
	} else if taken(info.ID) {
		j.mu.Unlock()
		return fmt.Errorf("filejournal: journal %s already holds a run %q", j.path, info.ID)
	}
	r := &runState{id: info.ID, frame: -1}
	j.runs = append(j.runs, r)
	rec := 0
	if j.pending != nil {
		rec = j.pending.nrec
	}
	b := j.queue(recStart, offboarding.MarshalRunInfo(info), 1)
	b.starts = append(b.starts, startMark{run: r, rec: rec})
	j.mu.Unlock()
	return b.wait()
}

// Record implements offboarding.Journal: the entries are in the file and
// synced when it returns, together with those of the calls made at the
// same time (group commit: one write and one fdatasync for all of them).
// A call's entries are contiguous and in order. It fails with
// offboarding.ErrNoRun before any Start; with an error naming the unit
// for an entry that cannot be encoded (nothing is written then); and, once
// a write or sync of the file failed, with that failure, for this and
// every later call (the journal cannot say what is on disk any more). The
// context is not consulted: an outcome learnt must be kept even when the
// run is being stopped, and the wait is for the disk alone.
func (j *Journal) Record(_ context.Context, entries ...offboarding.Entry) error {
	var data, tmp []byte
	for _, e := range entries {
		var err error
		if tmp, err = offboarding.AppendEntry(tmp[:0], e); err != nil {
			return fmt.Errorf("filejournal: %w", err)
		}
		data = appendRecord(data, recEntry, tmp)
	}
	j.mu.Lock()
	if err := j.check(true); err != nil {
		j.mu.Unlock()
		return err
	}
	if j.latest() == nil {
		j.mu.Unlock()
		return fmt.Errorf("filejournal: journal %s: %w", j.path, offboarding.ErrNoRun)
	}
	if len(entries) == 0 {
		j.mu.Unlock()
		return nil
	}
	j.latest().entries += len(entries)
	b := j.queue(0, data, len(entries))
	j.mu.Unlock()
	return b.wait()
}

// Finish implements offboarding.Journal: the latest run is finished, with
// end's counts, durably. A zero end.Finished is taken as now (a finished
// run has a finish time). It fails with offboarding.ErrNoRun before any
// Start, and as Record does. When the run's records outweigh the rest of
// the file, the journal is compacted afterwards (see the package doc),
// before any later write; Finish does not wait for that.
func (j *Journal) Finish(_ context.Context, end offboarding.RunEnd) error {
	if end.Finished.IsZero() {
		end.Finished = time.Now()
	}
	data, err := json.Marshal(finishJSON{Finished: end.Finished, Counts: end.Counts})
	if err != nil {
		return fmt.Errorf("filejournal: encode the run's end: %w", err)
	}
	j.mu.Lock()
	if err := j.check(true); err != nil {
		j.mu.Unlock()
		return err
	}
	l := j.latest()
	if l == nil {
		j.mu.Unlock()
		return fmt.Errorf("filejournal: journal %s: %w", j.path, offboarding.ErrNoRun)
	}
	l.finished, l.counts = end.Finished, maps.Clone(end.Counts)
	b := j.queue(recFinish, data, 1)
	b.ended = true
	j.mu.Unlock()
	return b.wait()
}

// Abandon gives up the latest run if it is unfinished (neither finished
// nor abandoned), durably, so that Start may begin another; its units in
// doubt stay so. It does nothing for a run that ended. It fails with
// offboarding.ErrNoRun when the journal holds no run, and as Record does.
func (j *Journal) Abandon(_ context.Context) error {
	j.mu.Lock()
	if err := j.check(true); err != nil {
		j.mu.Unlock()
		return err
	}
	l := j.latest()
	if l == nil {
		j.mu.Unlock()
		return fmt.Errorf("filejournal: journal %s: %w", j.path, offboarding.ErrNoRun)
	}
	if l.ended() {
		j.mu.Unlock()
		return nil
	}
	l.abandoned = time.Now()
	data, _ := json.Marshal(abandonJSON{At: l.abandoned}) // a time: cannot fail
	b := j.queue(recAbandon, data, 1)
	b.ended = true
	j.mu.Unlock()
	return b.wait()
}

// latest returns the latest run, or nil. Called with mu held.
func (j *Journal) latest() *runState {
	if len(j.runs) == 0 {
		return nil
	}
	return j.runs[len(j.runs)-1]
}

// commitLoop is the committer: it writes each pending batch as one frame,
// syncs it, and releases the batch's callers; while it does, the next
// batch fills. It returns once Close was called and nothing is pending.
func (j *Journal) commitLoop() {
	defer close(j.stopped)
	for {
		j.mu.Lock()
		for j.pending == nil && !j.closing {
			j.cond.Wait()
		}
		b := j.pending
		j.pending = nil
		if b == nil {
			j.mu.Unlock()
			return
		}
		off, err := j.end, j.err
		j.mu.Unlock()
		if err == nil {
			err = j.writeFrame(b.buf, off)
		}
		j.mu.Lock()
		if err == nil {
			j.end = off + int64(len(b.buf))
			for _, s := range b.starts {
				s.run.frame, s.run.rec = off, s.rec
			}
			j.stats.commits.Add(1)
			j.stats.records.Add(int64(b.calls))
		} else if j.err == nil {
			j.err = err
		}
		compact := err == nil && b.ended && j.shouldCompact()
		j.mu.Unlock()
		b.err = err
		close(b.done)
		if compact {
			j.compact()
		}
	}
}

// writeFrame seals buf as a frame, writes it at off and syncs the file.
// Only the committer calls it, and only it replaces j.f, so it reads j.f
// without fmu.
func (j *Journal) writeFrame(buf []byte, off int64) error {
	if err := sealFrame(buf); err != nil {
		return err
	}
	n, err := j.f.WriteAt(buf, off)
	j.stats.bytes.Add(int64(n))
	if err == nil {
		err = j.sync(j.f)
	}
	if err != nil {
		return fmt.Errorf("filejournal: write journal %s: %w", j.path, err)
	}
	return nil
}
