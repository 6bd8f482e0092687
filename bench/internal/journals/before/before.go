// Package before is the command-line tool's journal store as it was
// before offboarding/filejournal (cmd/backuprestore/journalstore.go at
// commit b3007c2), copied for the journal benchmark's "before" column: a
// bbolt file, one db.Update (two fdatasyncs) per Start and per Record,
// every entry under its own NextSequence key. Only the store's logic is
// kept; it is wrapped as an offboarding.Journal with the offboarding
// package's entry encoding (the CLI's own JSON had the same fields).
package before

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/m365kit/backuprestore/offboarding"
)

// Bucket and key names of the journal file.
var (
	bucketMeta     = []byte("meta")
	bucketRuns     = []byte("runs")
	bucketEntries  = []byte("entries")
	keyCurrent     = []byte("current")
	keyFormat      = []byte("format")
	keyInfo        = []byte("info")
	keyArchived    = []byte("archived")
	journalFormat1 = []byte("backuprestore-journal-1")
)

// errNoStoredRun: the journal holds no current run.
var errNoStoredRun = errors.New("the journal holds no run")

// Journal is the old store as an offboarding.Journal.
type Journal struct {
	db   *bolt.DB
	path string
}

// Open opens (creating) the journal at path for writing, as the CLI's
// openJournal did.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketRuns); err != nil {
			return err
		}
		return meta.Put(keyFormat, journalFormat1)
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Journal{db: db, path: path}, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

func currentRun(tx *bolt.Tx) *bolt.Bucket {
	cur := tx.Bucket(bucketMeta).Get(keyCurrent)
	if len(cur) != 8 {
		return nil
	}
	return tx.Bucket(bucketRuns).Bucket(cur)
}

// Start archives the current run (the CLI did so before a new run) and
// makes a new one current: one transaction.
func (j *Journal) Start(_ context.Context, info offboarding.RunInfo) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		if b := currentRun(tx); b != nil {
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
		if err := b.Put(keyInfo, offboarding.MarshalRunInfo(info)); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyCurrent, seqKey(n))
	})
}

// Record appends entries to the current run in one transaction, as the
// CLI's appendEntries did.
func (j *Journal) Record(_ context.Context, entries ...offboarding.Entry) error {
	raw := make([][]byte, len(entries))
	for i, e := range entries {
		b, err := offboarding.AppendEntry(nil, e)
		if err != nil {
			return err
		}
		raw[i] = b
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		b := currentRun(tx)
		if b == nil {
			return offboarding.ErrNoRun
		}
		eb := b.Bucket(bucketEntries)
		for _, e := range raw {
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

// Load reads the current run, as the CLI's loadRun did.
func (j *Journal) Load(context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	var info offboarding.RunInfo
	var out []offboarding.Entry
	err := j.db.View(func(tx *bolt.Tx) error {
		b := currentRun(tx)
		if b == nil {
			return errNoStoredRun
		}
		var err error
		if info, err = offboarding.UnmarshalRunInfo(b.Get(keyInfo)); err != nil {
			return err
		}
		return b.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
			e, err := offboarding.DecodeEntry(v)
			if err != nil {
				return fmt.Errorf("entry: %w", err)
			}
			out = append(out, e)
			return nil
		})
	})
	if errors.Is(err, errNoStoredRun) {
		return info, nil, offboarding.ErrNoRun
	}
	return info, out, err
}

// Finish does nothing: the old store had no finish (the next run's start
// archived the run).
func (j *Journal) Finish(context.Context, offboarding.RunEnd) error { return nil }
