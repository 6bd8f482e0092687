package pgjournal

import (
	"errors"
	"fmt"
	"time"
)

// ErrLeaseLost matches a write (Record, Finish, Abandon through the lease)
// refused because this Journal no longer holds its run's lease: it expired
// (the database's clock passed its expiry, or this process could not renew
// it in time), another worker took the run over (a higher epoch), or the
// run was finished or abandoned meanwhile. Nothing of the refused write was
// stored. The run that gets it stops with nothing more sent; Acquire takes
// the run again if no one else has it.
var ErrLeaseLost = errors.New("pgjournal: the run's lease was lost")

// ErrLeaseHeld matches Acquire (and Abandon) while another worker's lease
// on the run is live: wait until it expires (Orphans lists runs whose
// lease did), or let its owner finish.
var ErrLeaseHeld = errors.New("pgjournal: another worker holds the run's lease")

// ErrNotLeased matches a write (Record, Finish) by a Journal that never
// took its run's lease: Start the run, or Acquire it before a Resume.
var ErrNotLeased = errors.New("pgjournal: this journal holds no lease (Start or Acquire first)")

// ErrInvalidName matches Open with a journal name, or Start with a run ID,
// that is empty (a run ID may be: Start assigns one), longer than 256
// bytes, not UTF-8, or holds a NUL.
var ErrInvalidName = errors.New("pgjournal: invalid journal name or run ID")

// ErrInvalidOptions matches Open, Migrate or Orphans with a nil database or
// an invalid option (see Options).
var ErrInvalidOptions = errors.New("pgjournal: invalid options")

// ErrSchemaTooNew matches Open, Migrate or Orphans on a database whose
// tables a later version of this package migrated to a layout this one
// cannot use.
var ErrSchemaTooNew = errors.New("pgjournal: the database's journal tables are newer than this version")

// ErrRunExists matches Start with a RunInfo.ID the journal already holds.
var ErrRunExists = errors.New("pgjournal: the journal already holds a run with that ID")

// ErrClosed matches any method of a Journal after Close.
var ErrClosed = errors.New("pgjournal: the journal is closed")

// leaseLost builds the ErrLeaseLost that says why: the run's row as the
// database holds it now (nil when the run is gone).
func leaseLost(name, run string, mine int64, row *leaseRow) error {
	var why string
	switch {
	case row == nil:
		why = "the run is gone"
	case row.finished:
		why = "the run was finished"
	case row.abandoned:
		why = "the run was abandoned"
	case row.epoch != mine:
		why = fmt.Sprintf("it was taken over by %q (epoch %d, ours %d)", row.owner, row.epoch, mine)
	default:
		why = fmt.Sprintf("it expired at %s", row.expires.UTC().Format(time.RFC3339Nano))
	}
	return fmt.Errorf("pgjournal: journal %q, run %q: %w: %s", name, run, ErrLeaseLost, why)
}
