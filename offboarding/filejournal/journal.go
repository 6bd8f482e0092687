package filejournal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
)

// Journal is an offboarding.Journal and offboarding.History in a file. Open
// it for writing with Open (one writer at a time), or for reading with
// OpenReadOnly (any number, also while a writer holds it). It is safe for
// concurrent use; Close releases it.
type Journal struct {
	path     string
	readOnly bool
	lock     *lockFile // the writer's lock; nil when read-only

	// fmu is held shared while f is read, and exclusively by the
	// committer while it replaces f (after a compaction). Lock order: fmu,
	// then mu.
	fmu sync.RWMutex
	f   *os.File // the writer's journal file

	mu   sync.Mutex
	cond sync.Cond // on mu: pending was set, or closing
	// runs are the journal's runs, oldest first, as this writer knows them
	// (a Start, Finish or Abandon is applied here when it is queued).
	runs []*runState
	// end is the offset after the last frame written and synced;
	// compactedEnd the offset after the compacted prefix (headerSize when
	// nothing was compacted).
	end, compactedEnd int64
	pending           *batch // queued for the committer
	err               error  // sticky: a write or sync failed
	closing           bool
	stopped           chan struct{} // closed when the committer has returned

	stats stats
}

// runState is one run as the writer knows it.
type runState struct {
	id string
	// frame is the offset of the frame holding the run's start record
	// (-1 until it is written), rec the record's index in that frame.
	frame int64
	rec   int
	// ended: finished or abandoned (Start may begin another).
	finished, abandoned time.Time
	counts              map[offboarding.Outcome]int
	// entries counts the run's entries (queued ones included), so that
	// Load allocates once.
	entries int
}

func (r *runState) ended() bool { return !r.finished.IsZero() || !r.abandoned.IsZero() }

// Options configure Open. The zero value (or nil) is the default.
type Options struct {
	// Command describes this process in the journal's lock file, for a
	// process refused the lock (a *LockedError's Owner). Default: the
	// process's command line.
	Command string
}

// Open opens the journal at path for writing, creating it (mode 0600) and
// its directory (0700) when missing; an empty file is made a journal. It
// takes the journal's lock (path + ".lock") and fails at once with a
// *LockedError (errors.Is ErrLocked) naming the holder when another
// process, or another Journal of this one, holds it. It fails with
// ErrNotJournal for a file that is not a journal, a *VersionError for one
// of a newer format, a *CorruptError (naming the byte offset) for one
// damaged anywhere but in its last write, and with the file system's
// error, wrapped (errors.Is(err, fs.ErrPermission) holds), when the file
// or directory cannot be created, opened or read. A torn last write (the
// process or machine died while writing it) is dropped, and cut from the
// file; it never returned, so nothing acknowledged is lost.
func Open(path string, opts *Options) (*Journal, error) {
	if opts == nil {
		opts = &Options{}
	}
	command := opts.Command
	if command == "" {
		command = strings.Join(os.Args, " ")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("filejournal: create the journal's directory: %w", err)
	}
	lock, err := acquireLock(path, command)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, lock: lock, stopped: make(chan struct{})}
	j.cond.L = &j.mu
	if err := j.openFile(); err != nil {
		_ = lock.release()
		return nil, err
	}
	go j.commitLoop()
	return j, nil
}

// OpenReadOnly opens the existing journal at path for reading: Load, Runs
// and LoadRun; the writes fail with ErrReadOnly. It takes no lock, so it
// works while another process writes the journal, and each call reads the
// file afresh: it sees every record that writer has synced (and perhaps
// some it is syncing). It fails as Open does, and with fs.ErrNotExist
// (wrapped) when there is no file.
func OpenReadOnly(path string) (*Journal, error) {
	j := &Journal{path: path, readOnly: true}
	f, _, err := j.openRead()
	if err != nil {
		return nil, err
	}
	_ = f.Close() // read-only: nothing to lose
	return j, nil
}

// Path returns the journal's path.
func (j *Journal) Path() string { return j.path }

// Close waits for the queued writes (and a compaction under way), closes
// the file and releases the lock. It returns the first failure of those;
// calling it again does nothing. Every method fails with ErrClosed after
// it.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.readOnly {
		j.closing = true
		j.mu.Unlock()
		return nil
	}
	if j.closing {
		j.mu.Unlock()
		<-j.stopped
		return nil
	}
	j.closing = true
	j.cond.Broadcast()
	j.mu.Unlock()
	<-j.stopped
	j.fmu.Lock()
	defer j.fmu.Unlock()
	return errors.Join(j.f.Close(), j.lock.release())
}

// check returns the error a method must fail with, if any: ErrClosed,
// ErrReadOnly for a write, or the sticky failure of an earlier write.
// Called with mu held.
func (j *Journal) check(write bool) error {
	switch {
	case j.closing:
		return fmt.Errorf("filejournal: journal %s: %w", j.path, ErrClosed)
	case write && j.readOnly:
		return fmt.Errorf("filejournal: journal %s: %w", j.path, ErrReadOnly)
	case j.err != nil:
		return j.err
	}
	return nil
}

// Stats counts what a Journal did since it was opened: its fsync-family
// calls, writes and bytes, for the benchmarks and for a curious caller.
type Stats struct {
	// Syncs is the number of fdatasync (fsync elsewhere) calls, on the
	// journal, a compaction's new file and the directory.
	Syncs int64
	// Commits is the number of frames appended (one write and one sync
	// each), Records the Start, Record, Finish and Abandon calls they
	// carried: Records / Commits is how well group commit coalesced.
	Commits, Records int64
	// BytesWritten is what was handed to write calls, compactions and the
	// header included.
	BytesWritten int64
	// Compactions is the number of completed compactions; CompactErr the
	// last one's failure (a failed compaction leaves the journal as it
	// was, and it is not an error of any call).
	Compactions int64
	CompactErr  error
}

// stats holds Stats' counters.
type stats struct {
	syncs, commits, records, bytes, compactions atomic.Int64
	compactErr                                  atomic.Pointer[error]
}

// Stats returns the counters.
func (j *Journal) Stats() Stats {
	s := Stats{Syncs: j.stats.syncs.Load(), Commits: j.stats.commits.Load(), Records: j.stats.records.Load(),
		BytesWritten: j.stats.bytes.Load(), Compactions: j.stats.compactions.Load()}
	if p := j.stats.compactErr.Load(); p != nil {
		s.CompactErr = *p
	}
	return s
}

// openFile opens (creating or initialising it when missing or empty) the
// writer's journal file, reads its index and cuts a torn tail.
func (j *Journal) openFile() error {
	j.removeTemps()
	f, err := os.OpenFile(j.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = j.create()
	}
	if err != nil {
		return fmt.Errorf("filejournal: open the journal: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("filejournal: open the journal: %w", err)
	}
	if fi.Size() == 0 {
		_ = f.Close()
		if f, err = j.create(); err != nil {
			return fmt.Errorf("filejournal: open the journal: %w", err)
		}
	}
	ix, err := readIndex(f, j.path, false)
	if err != nil {
		_ = f.Close()
		return err
	}
	if ix.torn > 0 {
		err := f.Truncate(ix.end)
		if err == nil {
			err = j.sync(f)
		}
		if err != nil {
			_ = f.Close()
			return fmt.Errorf("filejournal: cut the torn last write of %s: %w", j.path, err)
		}
	}
	j.f, j.end, j.compactedEnd = f, ix.end, ix.compactedEnd
	j.runs = ix.runs
	return nil
}

// openRead opens the journal file for reading and checks its header.
func (j *Journal) openRead() (*os.File, int64, error) {
	f, err := os.Open(j.path)
	if err != nil {
		return nil, 0, fmt.Errorf("filejournal: open the journal: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() > 0 {
		b := make([]byte, min(fi.Size(), int64(headerSize)))
		if _, err = f.ReadAt(b, 0); err == nil {
			err = checkHeader(j.path, b)
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// tempPattern names the temporary files of a journal (its creation and
// compactions): os.CreateTemp's pattern in the journal's directory.
func (j *Journal) tempPattern() string { return filepath.Base(j.path) + ".filejournal-*.tmp" }

// removeTemps removes the temporary files a process that died while
// creating or compacting this journal left behind. The lock is held, so
// none is in use.
func (j *Journal) removeTemps() {
	dir, base := filepath.Dir(j.path), filepath.Base(j.path)+".filejournal-"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, base) && strings.HasSuffix(n, ".tmp") {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}

// create makes a new, empty journal at j.path: a header written to a
// temporary file, synced, renamed into place and the directory synced, so
// that the path never holds a half-written header. It returns the file
// opened for writing.
func (j *Journal) create() (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(j.path), j.tempPattern())
	if err != nil {
		return nil, err
	}
	h := header()
	_, err = f.Write(h)
	j.stats.bytes.Add(int64(len(h)))
	if err == nil {
		err = j.sync(f)
	}
	if err == nil {
		err = os.Rename(f.Name(), j.path)
	}
	if err == nil {
		err = j.syncDir()
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// sync datasyncs f, counting it.
func (j *Journal) sync(f *os.File) error {
	j.stats.syncs.Add(1)
	return datasync(f)
}

// syncDir syncs the journal's directory, counting it.
func (j *Journal) syncDir() error {
	j.stats.syncs.Add(1)
	return syncDir(filepath.Dir(j.path))
}
