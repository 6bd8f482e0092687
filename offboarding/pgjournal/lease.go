package pgjournal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
)

// Lease is a run's lease as the database holds it.
type Lease struct {
	// Journal and Run name the run (its RunInfo.ID).
	Journal, Run string
	// Owner is the worker that took the lease last (Options.Owner).
	Owner string
	// Epoch is the fencing token: 1 for the run's Start, raised by every
	// Acquire and by Abandon. A write carrying an older epoch is refused.
	Epoch int64
	// Expires is when the lease ends unless renewed (the database's
	// clock); Expired says it has ended (by the database's clock when it
	// was read).
	Expires time.Time
	Expired bool
}

// lease is the lease this Journal holds (or held).
type lease struct {
	runID int64  // the run's row
	run   string // its RunInfo.ID
	epoch int64
	// deadline is when this side stops writing unless a renewal
	// succeeded meanwhile (local clock): 3/4 LeaseTTL after the start of
	// the last successful renewal, so before the database's expiry.
	deadline time.Time
	// err is set once the lease is lost, released or its run ended; the
	// renewer then stops. Guarded by Journal.mu.
	err  error
	stop chan struct{}
}

// errFinished is the state of a lease whose run this Journal finished.
var errFinished = fmt.Errorf("%w: the run is finished", ErrNotLeased)

// errNoOpenRun: the journal's latest run is finished or abandoned (or
// there is none: then it is also offboarding.ErrNoRun).
var errNoOpenRun = errors.New("pgjournal: no unfinished run")

// localTTL is how long after a renewal began this side keeps writing.
func (j *Journal) localTTL() time.Duration { return j.s.ttl - j.s.ttl/4 }

// hold installs l as the lease this Journal holds, giving up the one it
// held before, and starts renewing it. After Close it releases l instead
// and fails with ErrClosed.
func (j *Journal) hold(l *lease) error {
	l.stop = make(chan struct{})
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = j.db.ExecContext(ctx, j.q.release, l.runID, l.epoch)
		return fmt.Errorf("pgjournal: journal %q: %w", j.name, ErrClosed)
	}
	if old := j.lease; old != nil && old.err == nil {
		old.err = fmt.Errorf("pgjournal: journal %q, run %q: %w: replaced by a lease on run %q", j.name, old.run, ErrNotLeased, l.run)
		close(old.stop)
	}
	j.lease = l
	j.bg.Add(1)
	j.mu.Unlock()
	go j.renew(l)
	return nil
}

// held returns the lease this Journal holds, or why it holds none:
// ErrClosed, ErrNotLeased, or ErrLeaseLost (also when the local deadline
// passed without a renewal).
func (j *Journal) held() (*lease, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil, fmt.Errorf("pgjournal: journal %q: %w", j.name, ErrClosed)
	}
	l := j.lease
	if l == nil {
		return nil, fmt.Errorf("pgjournal: journal %q: %w", j.name, ErrNotLeased)
	}
	if l.err == nil && !j.now().Before(l.deadline) {
		l.err = fmt.Errorf("pgjournal: journal %q, run %q: %w: not renewed in time (by this process's clock)", j.name, l.run, ErrLeaseLost)
		close(l.stop)
	}
	if l.err != nil {
		return nil, l.err
	}
	return l, nil
}

// drop ends l with err (if it is not ended already) and stops its renewer.
func (j *Journal) drop(l *lease, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if l.err == nil {
		l.err = err
		close(l.stop)
	}
}

// renew keeps l alive every LeaseTTL/4 until it ends. A renewal that
// fails for want of the database is tried again at the next tick; one the
// database refuses (the lease expired or was taken) ends l.
func (j *Journal) renew(l *lease) {
	defer j.bg.Done()
	every := j.s.ttl / 4
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		if j.noRenew.Load() {
			t.Reset(every)
			continue
		}
		t0 := j.now()
		ctx, cancel := context.WithTimeout(context.Background(), every)
		res, err := j.db.ExecContext(ctx, j.q.renew, l.runID, l.epoch, j.s.ttl.Microseconds())
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err == nil && n == 0 {
			row, rerr := j.leaseRow(ctx, l.runID)
			if rerr == nil {
				j.drop(l, leaseLost(j.name, l.run, l.epoch, row))
			}
			err = rerr
		}
		cancel()
		if err != nil {
			j.s.log.Warn("pgjournal: renewing a lease failed; retrying", "journal", j.name, "run", l.run, "epoch", l.epoch, "err", err)
		} else if n == 1 {
			j.mu.Lock()
			if l.err == nil {
				l.deadline = t0.Add(j.localTTL())
			}
			j.mu.Unlock()
		}
		t.Reset(every)
	}
}

// Acquire takes the lease of the journal's unfinished run, so that this
// Journal may Resume it: when its owner's lease expired (the owner died,
// or released it), or when this Journal holds it or was its last holder
// (it is then taken anew: call Acquire before a Resume, not while a run
// of this Journal is recording). It raises the run's epoch, so the previous
// owner's late writes fail with ErrLeaseLost, and of workers racing for
// one run exactly one wins. It fails with ErrLeaseHeld while another
// worker's lease is live, offboarding.ErrNoRun when the journal holds no
// unfinished run, ErrClosed after Close, and with the database's error.
func (j *Journal) Acquire(ctx context.Context) (Lease, error) {
	if err := j.open(); err != nil {
		return Lease{}, err
	}
	mineRun, mineEpoch := int64(-1), int64(-1)
	j.mu.Lock()
	if l := j.lease; l != nil {
		// Also a lease this side gave up for want of renewals: if the
		// database still holds its epoch, nobody else has taken the run.
		mineRun, mineEpoch = l.runID, l.epoch
	}
	j.mu.Unlock()
	for attempt := 0; ; attempt++ {
		t0 := j.now()
		var runID int64
		got := Lease{Journal: j.name, Owner: j.s.owner}
		err := j.db.QueryRowContext(ctx, j.q.acquire, j.name, j.s.owner, j.s.ttl.Microseconds(), mineRun, mineEpoch).
			Scan(&runID, &got.Run, &got.Epoch, &got.Expires)
		if err == nil {
			if err := j.hold(&lease{runID: runID, run: got.Run, epoch: got.Epoch, deadline: t0.Add(j.localTTL())}); err != nil {
				return Lease{}, err
			}
			return got, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Lease{}, j.dbErr("acquire", err)
		}
		h, err := j.holder(ctx)
		switch {
		case errors.Is(err, errNoOpenRun):
			return Lease{}, fmt.Errorf("pgjournal: journal %q holds no unfinished run: %w", j.name, offboarding.ErrNoRun)
		case err != nil:
			return Lease{}, err
		case h.Expired && attempt == 0:
			continue // it expired between the two statements: try once more
		default:
			return h, fmt.Errorf("pgjournal: journal %q, run %q: %w: %q until %s", j.name, h.Run, ErrLeaseHeld, h.Owner, h.Expires.UTC().Format(time.RFC3339Nano))
		}
	}
}

// Release gives up the lease this Journal holds, at once, so that another
// worker can Acquire the run without waiting for it to expire; the run
// stays unfinished. Call it once the run has stopped (its Offboard or
// Resume returned). Later writes fail with ErrNotLeased until Start or
// Acquire. It does nothing when the Journal holds no lease (or lost it),
// and fails with the database's error (the lease then expires by itself).
func (j *Journal) Release(ctx context.Context) error {
	j.mu.Lock()
	l := j.lease
	j.mu.Unlock()
	return j.release(ctx, l)
}

func (j *Journal) release(ctx context.Context, l *lease) error {
	if l == nil {
		return nil
	}
	j.mu.Lock()
	live := l.err == nil
	j.mu.Unlock()
	if !live {
		return nil
	}
	j.drop(l, fmt.Errorf("pgjournal: journal %q, run %q: %w: the lease was released", j.name, l.run, ErrNotLeased))
	if _, err := j.db.ExecContext(ctx, j.q.release, l.runID, l.epoch); err != nil {
		return j.dbErr("release", err)
	}
	return nil
}

// Holder returns the lease of the journal's unfinished run, whoever holds
// it (Expired says whether it can be taken). It fails with
// offboarding.ErrNoRun when the journal holds no unfinished run, ErrClosed
// after Close, and with the database's error.
func (j *Journal) Holder(ctx context.Context) (Lease, error) {
	if err := j.open(); err != nil {
		return Lease{}, err
	}
	h, err := j.holder(ctx)
	if errors.Is(err, errNoOpenRun) {
		return Lease{}, fmt.Errorf("pgjournal: journal %q holds no unfinished run: %w", j.name, offboarding.ErrNoRun)
	}
	return h, err
}

// holder reads the lease of the journal's latest run; errNoOpenRun when it
// is finished or abandoned, or there is none.
func (j *Journal) holder(ctx context.Context) (Lease, error) {
	h := Lease{Journal: j.name}
	err := j.db.QueryRowContext(ctx, j.q.holder, j.name).Scan(&h.Run, &h.Owner, &h.Epoch, &h.Expires, &h.Expired)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, errNoOpenRun
	}
	if err != nil {
		return Lease{}, j.dbErr("read the lease", err)
	}
	return h, nil
}

// leaseRow is a run's row as a fenced write that failed finds it.
type leaseRow struct {
	owner               string
	epoch               int64
	expires             time.Time
	finished, abandoned bool
}

// leaseRow reads the run's row; nil when it is gone.
func (j *Journal) leaseRow(ctx context.Context, runID int64) (*leaseRow, error) {
	var r leaseRow
	err := j.db.QueryRowContext(ctx, j.q.leaseRow, runID).Scan(&r.owner, &r.epoch, &r.expires, &r.finished, &r.abandoned)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}
