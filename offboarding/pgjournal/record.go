package pgjournal

import (
	"context"
	"fmt"

	"github.com/m365kit/backuprestore/offboarding"
)

// maxGroupBytes bounds one group's statement: the encoded entries of the
// Record calls it serves (a single call larger than this is one group).
const maxGroupBytes = 4 << 20

// writer coalesces concurrent Record calls: the calls queued while a
// statement runs go out together in the next one (group commit). Its
// fields are guarded by Journal.mu.
type writer struct {
	queue   []*pending
	writing bool
}

// pending is one Record call waiting for its group's statement.
type pending struct {
	payload []byte // the entries' encodings, comma-separated
	count   int
	done    chan error // buffered: the group's outcome
}

// Record implements offboarding.Journal: it appends entries to the run
// this Journal holds the lease of, durably (committed) when it returns
// nil, in order, one call's entries together. Concurrent calls share one
// INSERT, which checks the lease in the same statement: Record fails with
// ErrLeaseLost, nothing stored, when the lease expired or another worker
// took the run (and at once, without asking the database, when this
// process could not renew the lease in time), with ErrNotLeased when this
// Journal holds no lease (Start or Acquire first), ErrClosed after Close,
// an encoding error for an entry with an invalid Stage or Outcome (nothing
// stored), and with the database's error. When ctx ends first, Record
// returns its error at once; the entries may still be stored.
func (j *Journal) Record(ctx context.Context, entries ...offboarding.Entry) error {
	if _, err := j.held(); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	var buf []byte
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = offboarding.AppendEntry(buf, e); err != nil {
			return fmt.Errorf("pgjournal: journal %q: record: %w", j.name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return j.dbErr("record", err)
	}
	p := &pending{payload: buf, count: len(entries), done: make(chan error, 1)}
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return fmt.Errorf("pgjournal: journal %q: %w", j.name, ErrClosed)
	}
	j.w.queue = append(j.w.queue, p)
	if !j.w.writing {
		j.w.writing = true
		j.bg.Add(1)
		go j.write()
	}
	j.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("pgjournal: journal %q: record (the entries may still be stored): %w", j.name, context.Cause(ctx))
	}
}

// write sends the queued calls, a group per statement, until the queue is
// empty.
func (j *Journal) write() {
	defer j.bg.Done()
	for {
		j.mu.Lock()
		n, size := 0, 0
		for n < len(j.w.queue) && (n == 0 || size+len(j.w.queue[n].payload) <= maxGroupBytes) {
			size += len(j.w.queue[n].payload) + 1
			n++
		}
		if n == 0 {
			j.w.writing = false
			j.mu.Unlock()
			return
		}
		group := j.w.queue[:n:n]
		j.w.queue = j.w.queue[n:]
		j.mu.Unlock()
		err := j.insert(group, size)
		for _, p := range group {
			p.done <- err
		}
	}
}

// insert stores a group's entries in one fenced statement.
func (j *Journal) insert(group []*pending, size int) error {
	l, err := j.held()
	if err != nil {
		return err
	}
	payload := make([]byte, 0, size+2)
	payload = append(payload, '[')
	count := 0
	for i, p := range group {
		if i > 0 {
			payload = append(payload, ',')
		}
		payload = append(payload, p.payload...)
		count += p.count
	}
	payload = append(payload, ']')
	// The statement is bounded by the lease's life: past it the write is
	// refused anyway.
	ctx, cancel := context.WithTimeout(context.Background(), j.s.ttl)
	defer cancel()
	j.groups.Add(1)
	res, err := j.db.ExecContext(ctx, j.q.record, l.runID, l.epoch, string(payload))
	if err != nil {
		return j.dbErr("record", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return j.dbErr("record", err)
	}
	if n == int64(count) {
		return nil
	}
	if n != 0 {
		return fmt.Errorf("pgjournal: journal %q: record: %d rows stored for %d entries", j.name, n, count)
	}
	row, err := j.leaseRow(ctx, l.runID)
	if err != nil {
		return j.dbErr("record", err)
	}
	err = leaseLost(j.name, l.run, l.epoch, row)
	j.drop(l, err)
	return err
}
