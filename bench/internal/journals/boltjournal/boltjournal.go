// Package boltjournal is the alternative offboarding/filejournal was
// measured against (issue 20.4: "bbolt tuned for it"): an
// offboarding.Journal and offboarding.History on bbolt, with concurrent
// Record calls coalesced into one transaction (db.Batch), the freelist not
// synced (NoFreelistSync, rebuilt on open), a map freelist, entry buckets
// filled to 100% (keys only ever grow), and each finished run compacted in
// place (offboarding.Compactor; the freed pages are reused, the file does
// not shrink).
//
// Each run's entries are a top-level bucket of their own, and its
// description (every unit ID) is in another bucket: bbolt's copy-on-write
// rewrites, at every commit, the leaf pages on the path to the pages
// changed, and a description beside the entries' bucket (as the CLI's
// store had it, bench/internal/journals/before) is rewritten with every
// Record: ~4 MB per commit at 100,000 units, the cause of that store's
// bytes growing with the square of the units. It lives in the benchmarks,
// not the product: see filejournal's package doc for why it was not
// chosen.
package boltjournal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/m365kit/backuprestore/offboarding"
)

// The top-level buckets: the runs' descriptions, ends and abandonments by
// sequence number; each run's entries are bucket entriesPrefix + its
// sequence number.
var (
	bucketRuns      = []byte("runs")
	bucketEnds      = []byte("ends")
	bucketAbandoned = []byte("abandoned")
	entriesPrefix   = "entries-"
)

// Journal is a bbolt journal file.
type Journal struct {
	db *bolt.DB
}

type endJSON struct {
	Finished time.Time                   `json:"finished"`
	Counts   map[offboarding.Outcome]int `json:"counts,omitempty"`
}

// Open opens the journal at path, creating it for writing. bbolt locks the
// file: exclusively for a writer, shared for a reader, so a reader waits
// for a writer to close (up to a second here, then fails).
func Open(path string, readOnly bool) (*Journal, error) {
	if !readOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	if !readOnly {
		if err := db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{bucketRuns, bucketEnds, bucketAbandoned} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return &Journal{db: db}, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// latest returns the latest run's sequence key, or nil.
func latest(tx *bolt.Tx) []byte {
	runs := tx.Bucket(bucketRuns)
	if runs == nil {
		return nil
	}
	k, _ := runs.Cursor().Last()
	return k
}

func ended(tx *bolt.Tx, seq []byte) bool {
	return tx.Bucket(bucketEnds).Get(seq) != nil || tx.Bucket(bucketAbandoned).Get(seq) != nil
}

func entries(tx *bolt.Tx, seq []byte) *bolt.Bucket {
	return tx.Bucket(append([]byte(entriesPrefix), seq...))
}

// Start implements offboarding.Journal.
func (j *Journal) Start(_ context.Context, info offboarding.RunInfo) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		if l := latest(tx); l != nil && !ended(tx, l) {
			return offboarding.ErrJournalInUse
		}
		runs := tx.Bucket(bucketRuns)
		n, err := runs.NextSequence()
		if err != nil {
			return err
		}
		if info.ID == "" {
			info.ID = fmt.Sprintf("%06d", n)
		}
		if _, err := tx.CreateBucket(append([]byte(entriesPrefix), seqKey(n)...)); err != nil {
			return err
		}
		return runs.Put(seqKey(n), offboarding.MarshalRunInfo(info))
	})
}

// Record implements offboarding.Journal: concurrent calls share one
// transaction (db.Batch; one call's entries are contiguous).
func (j *Journal) Record(_ context.Context, es ...offboarding.Entry) error {
	raw := make([][]byte, len(es))
	for i, e := range es {
		b, err := offboarding.AppendEntry(nil, e)
		if err != nil {
			return err
		}
		raw[i] = b
	}
	return j.db.Batch(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		eb := entries(tx, l)
		eb.FillPercent = 1
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

// Finish implements offboarding.Journal, and compacts the run in the same
// transaction.
func (j *Journal) Finish(_ context.Context, end offboarding.RunEnd) error {
	if end.Finished.IsZero() {
		end.Finished = time.Now()
	}
	b, err := json.Marshal(endJSON{Finished: end.Finished, Counts: end.Counts})
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		if err := tx.Bucket(bucketEnds).Put(l, b); err != nil {
			return err
		}
		return compact(entries(tx, l))
	})
}

// compact deletes the entries offboarding.Compact drops.
func compact(eb *bolt.Bucket) error {
	var c offboarding.Compactor
	var keys [][]byte
	if err := eb.ForEach(func(k, v []byte) error {
		e, err := offboarding.DecodeEntry(v)
		if err != nil {
			return err
		}
		c.Add(e)
		keys = append(keys, k) // valid for the transaction's life
		return nil
	}); err != nil {
		return err
	}
	keep := c.Keep()
	k := 0
	for i, key := range keys {
		if k < len(keep) && keep[k] == i {
			k++
			continue
		}
		if err := eb.Delete(key); err != nil {
			return err
		}
	}
	return nil
}

// Abandon gives up the latest run if unfinished.
func (j *Journal) Abandon(context.Context) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		if ended(tx, l) {
			return nil
		}
		return tx.Bucket(bucketAbandoned).Put(l, []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	})
}

// Load implements offboarding.Journal.
func (j *Journal) Load(context.Context) (info offboarding.RunInfo, out []offboarding.Entry, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		info, out, err = load(tx, l)
		return err
	})
	return info, out, err
}

func load(tx *bolt.Tx, seq []byte) (offboarding.RunInfo, []offboarding.Entry, error) {
	info, err := offboarding.UnmarshalRunInfo(tx.Bucket(bucketRuns).Get(seq))
	if err != nil {
		return info, nil, err
	}
	eb := entries(tx, seq)
	out := make([]offboarding.Entry, 0, eb.Stats().KeyN)
	err = eb.ForEach(func(_, v []byte) error {
		e, err := offboarding.DecodeEntry(v)
		out = append(out, e)
		return err
	})
	return info, out, err
}

// Runs implements offboarding.History.
func (j *Journal) Runs(context.Context) ([]offboarding.RunSummary, error) {
	var out []offboarding.RunSummary
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEach(func(seq, v []byte) error {
			info, err := offboarding.UnmarshalRunInfo(v)
			if err != nil {
				return err
			}
			s := offboarding.RunSummary{Info: info}
			if v := tx.Bucket(bucketEnds).Get(seq); v != nil {
				var e endJSON
				if err := json.Unmarshal(v, &e); err != nil {
					return err
				}
				s.Finished, s.Counts = e.Finished, maps.Clone(e.Counts)
			}
			if v := tx.Bucket(bucketAbandoned).Get(seq); v != nil {
				if s.Abandoned, err = time.Parse(time.RFC3339Nano, string(v)); err != nil {
					return err
				}
			}
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// LoadRun implements offboarding.History.
func (j *Journal) LoadRun(_ context.Context, id string) (info offboarding.RunInfo, out []offboarding.Entry, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		found := false
		err := tx.Bucket(bucketRuns).ForEach(func(seq, v []byte) error {
			ri, err := offboarding.UnmarshalRunInfo(v)
			if err != nil || ri.ID != id {
				return err
			}
			found = true
			info, out, err = load(tx, seq)
			return err
		})
		if err == nil && !found {
			err = fmt.Errorf("run %q: %w", id, offboarding.ErrNoRun)
		}
		return err
	})
	return info, out, err
}
