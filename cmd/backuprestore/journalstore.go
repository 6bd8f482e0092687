package main

// The journal's store is bbolt (go.etcd.io/bbolt), chosen over an
// fsync'd append-only log of our own:
//
//   - Durability is its contract: a read-write transaction is on disk
//     (data pages, then the meta page, each fsync'd) when Update returns,
//     and a crash at any moment (kill -9, power loss) leaves the last
//     committed transaction, never a torn one: the two meta pages carry
//     checksums and the B+tree is copy-on-write. An append-only log would
//     need its own framing, checksums and tail repair to give the same.
//   - One Record call is one transaction, so the entries of a call (the
//     intents of a whole $batch) land together or not at all.
//   - It locks the file (flock, LockFileEx on Windows) for as long as it is
//     open, and Options.Timeout turns a held lock into an error instead of
//     a wait: concurrent runs on one journal are refused without a lock
//     file of our own.
//   - It is the store etcd runs on, kept by the etcd maintainers.
//
// The price is two fsyncs per transaction, against the milliseconds a
// Graph round trip takes, and that a reader (status) waits for a running
// run to close the file; the owner file beside the journal names that run.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket and key names of the journal file.
var (
	bucketMeta     = []byte("meta")
	bucketRuns     = []byte("runs")
	bucketEntries  = []byte("entries")
	keyCurrent     = []byte("current")
	keyFormat      = []byte("format")
	keyInfo        = []byte("info")
	keyEndpoint    = []byte("endpoint")
	keyArchived    = []byte("archived")
	keyFinished    = []byte("finished")
	journalFormat1 = []byte("backuprestore-journal-2")
)

// lockTimeout is how long opening a journal waits for another process's
// lock before failing.
const lockTimeout = 500 * time.Millisecond

// Errors of the journal store.
var (
	// errNoStoredRun: the journal holds no current run.
	errNoStoredRun = errors.New("the journal holds no run")
	// errRunExists: a run is already current (not archived).
	errRunExists = errors.New("the journal already holds a run")
)

// journalFile is an open journal: a bbolt database holding every run
// started in it (each in its own bucket, kept after it is archived) and
// which of them is current.
type journalFile struct {
	db   *bolt.DB
	path string
}

// owner is who holds a journal open, written beside it (path + ".owner")
// so that another process refused the lock can name it.
type owner struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// openJournal opens (creating it and its directory when write is set) the
// journal at path, locking it: exclusively for write, shared otherwise. It
// fails when another process holds it, naming that process; when the file
// is not a journal; and as the file system does.
func openJournal(path string, write bool, command string) (*journalFile, error) {
	if !write {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: !write})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, usageErrorf("journal %s is in use by another backuprestore process%s; wait for it to end, or pass --journal with another file",
			path, describeOwner(path))
	}
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w (is it a backuprestore journal?)", path, err)
	}
	j := &journalFile{db: db, path: path}
	if write {
		err = db.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			if f := meta.Get(keyFormat); f != nil && string(f) != string(journalFormat1) {
				return fmt.Errorf("unknown journal format %q", f)
			}
			if _, err := tx.CreateBucketIfNotExists(bucketRuns); err != nil {
				return err
			}
			return meta.Put(keyFormat, journalFormat1)
		})
		if err == nil {
			err = writeOwner(path, command)
		}
	} else {
		err = db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta) == nil {
				return errNoStoredRun
			}
			if f := tx.Bucket(bucketMeta).Get(keyFormat); string(f) != string(journalFormat1) {
				return fmt.Errorf("unknown journal format %q", f)
			}
			return nil
		})
	}
	if err != nil {
		_ = db.Close()
		if errors.Is(err, errNoStoredRun) {
			return nil, err
		}
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return j, nil
}

// writeOwner records this process as the journal's owner.
func writeOwner(path, command string) error {
	host, _ := os.Hostname()
	b, err := json.Marshal(owner{PID: os.Getpid(), Host: host, Command: command, Since: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	return os.WriteFile(path+".owner", b, 0o600)
}

// describeOwner names the process the owner file records, or "".
func describeOwner(path string) string {
	b, err := os.ReadFile(path + ".owner")
	if err != nil {
		return ""
	}
	var o owner
	if json.Unmarshal(b, &o) != nil || o.PID == 0 {
		return ""
	}
	return fmt.Sprintf(" (process %d on %s, %q, since %s)", o.PID, o.Host, o.Command, o.Since.Local().Format(time.DateTime))
}

// close closes the journal and releases its lock.
func (j *journalFile) close() error {
	if !j.db.IsReadOnly() {
		_ = os.Remove(j.path + ".owner")
	}
	return j.db.Close()
}

// storedRun is the current run as stored.
type storedRun struct {
	id       uint64
	finished time.Time
	info     []byte
	endpoint endpoint
	entries  [][]byte
}

// seqKey is the big-endian key of a sequence number (keys sort in order).
func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// currentRun returns the current run's bucket, or nil.
func currentRun(tx *bolt.Tx) (*bolt.Bucket, uint64) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil, 0
	}
	cur := meta.Get(keyCurrent)
	if len(cur) != 8 {
		return nil, 0
	}
	runs := tx.Bucket(bucketRuns)
	if runs == nil {
		return nil, 0
	}
	return runs.Bucket(cur), binary.BigEndian.Uint64(cur)
}

// startRun makes a new run current, with its info (made by info from the
// run's number) and endpoint; a finished current run is archived first.
// It fails with errRunExists when an unfinished run is current.
func (j *journalFile) startRun(info func(n uint64) []byte, ep endpoint) error {
	epb, err := json.Marshal(ep)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		if b, _ := currentRun(tx); b != nil {
			if b.Get(keyFinished) == nil {
				return errRunExists
			}
			if err := b.Put(keyArchived, []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
				return err
			}
		}
		runs := tx.Bucket(bucketRuns)
		n, err := runs.NextSequence()
		if err != nil {
			return err
		}
		b, err := runs.CreateBucket(seqKey(n))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucket(bucketEntries); err != nil {
			return err
		}
		if err := b.Put(keyInfo, info(n)); err != nil {
			return err
		}
		if err := b.Put(keyEndpoint, epb); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyCurrent, seqKey(n))
	})
}

// finishRun marks the current run finished at t. It fails with
// errNoStoredRun when there is none.
func (j *journalFile) finishRun(t time.Time) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		b, _ := currentRun(tx)
		if b == nil {
			return errNoStoredRun
		}
		return b.Put(keyFinished, []byte(t.UTC().Format(time.RFC3339Nano)))
	})
}

// appendEntries adds entries to the current run in one transaction: on
// disk, fsync'd, when it returns. It fails with errNoStoredRun when no run
// is current.
func (j *journalFile) appendEntries(entries [][]byte) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		b, _ := currentRun(tx)
		if b == nil {
			return errNoStoredRun
		}
		eb := b.Bucket(bucketEntries)
		for _, e := range entries {
			n, err := eb.NextSequence()
			if err != nil {
				return err
			}
			if err := eb.Put(seqKey(n), e); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadRun returns the current run. It fails with errNoStoredRun when
// there is none.
func (j *journalFile) loadRun() (storedRun, error) {
	var r storedRun
	err := j.db.View(func(tx *bolt.Tx) error {
		b, id := currentRun(tx)
		if b == nil {
			return errNoStoredRun
		}
		r.id = id
		r.info = append([]byte(nil), b.Get(keyInfo)...)
		if f := b.Get(keyFinished); f != nil {
			r.finished, _ = time.Parse(time.RFC3339Nano, string(f))
		}
		if err := json.Unmarshal(b.Get(keyEndpoint), &r.endpoint); err != nil {
			return fmt.Errorf("run %d: endpoint: %w", id, err)
		}
		eb := b.Bucket(bucketEntries)
		if eb == nil {
			return fmt.Errorf("run %d has no entries bucket", id)
		}
		return eb.ForEach(func(_, v []byte) error {
			r.entries = append(r.entries, append([]byte(nil), v...))
			return nil
		})
	})
	return r, err
}

// archiveCurrent keeps the current run in the file but makes none
// current, so that a new run can start. Nothing happens when none is.
func (j *journalFile) archiveCurrent() error {
	return j.db.Update(func(tx *bolt.Tx) error {
		b, _ := currentRun(tx)
		if b == nil {
			return nil
		}
		if err := b.Put(keyArchived, []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyCurrent)
	})
}

// defaultJournalPath is the journal's default location: in the user's
// state directory ($XDG_STATE_HOME, else ~/.local/state as the XDG spec
// defines it on Unix-like systems, else os.UserConfigDir: Application
// Support on macOS, %AppData% on Windows), one file for Microsoft Graph,
// one for standalone emulators and one for the embedded emulator, so that
// trying the tool never touches a tenant's run.
func defaultJournalPath(getenv func(string) string, mode string) (string, error) {
	name := "journal.db"
	switch mode {
	case modeURL:
		name = "emulator-journal.db"
	case modeEmbedded:
		name = "embedded-emulator-journal.db"
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "backuprestore", name), nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
	default:
		if home := getenv("HOME"); home != "" && filepath.IsAbs(home) {
			return filepath.Join(home, ".local", "state", "backuprestore", name), nil
		}
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usageErrorf("no state directory for the journal (%v): pass --journal FILE", err)
	}
	return filepath.Join(dir, "backuprestore", name), nil
}

// journalPath is --journal, or the default for the endpoint's mode.
func (a *app) journalPath(mode string) (string, error) {
	if a.g.journal != "" {
		return a.g.journal, nil
	}
	return defaultJournalPath(a.getenv, mode)
}
